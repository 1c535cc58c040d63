"""The session note: drafted from the record on first read, edited, signed, then addenda."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tablework import charting
from tablework.documents.soap import SECTIONS, Soap
from tablework.store import notes
from tablework.store.repo import SessionRow, Store
from tablework.web.access import VisibleSession
from tablework.web.deps import AuditedStore, Caller
from tablework.web.errors import Refused

router = APIRouter(prefix="/api/sessions/{session_id}/note", tags=["notes"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 404: {}, 409: {}, 422: {}}


class AddendumOut(BaseModel):
    author: str
    at: str
    text: str


class NoteOut(BaseModel):
    text: str
    signed: bool
    version: int
    status: str
    sections: dict[str, list[str]]
    signed_by: str | None
    digest: str | None
    session_complete: bool
    addenda: list[AddendumOut]


class NoteText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=100_000)


class Signature(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=200)


@router.get("", responses=ERRORS)
def read_note(session: VisibleSession, store: AuditedStore) -> NoteOut:
    """The current note (drafted from the record when there is none yet) and its addenda."""
    ensure_drafted(store, session.id)
    return note_out(store, session)


def ensure_drafted(store: Store, session_id: str) -> None:
    """Draft the session's note from its record, unless it has one already."""
    if notes.current(store, session_id) is None:
        documents = charting.load_session(store, session_id)
        notes.draft(store, session_id, documents.soap().as_json())


@router.put("", responses=ERRORS)
def edit_note(
    body: NoteText, session: VisibleSession, caller: Caller, store: AuditedStore
) -> NoteOut:
    """Replace the draft's text (headed SUBJECTIVE, OBJECTIVE, ASSESSMENT, PLAN); 409 once
    signed."""
    notes.save(store, session.id, sections_from_text(body.text), caller.email)
    return note_out(store, session)


@router.post("/sign", responses=ERRORS)
def sign_note(body: Signature, session: VisibleSession, store: AuditedStore) -> NoteOut:
    """Sign the current version: it is locked and hashed."""
    notes.sign(store, session.id, body.by.strip())
    return note_out(store, session)


@router.post("/addenda", status_code=201, responses=ERRORS)
def add_addendum(
    body: NoteText, session: VisibleSession, caller: Caller, store: AuditedStore
) -> NoteOut:
    """Add a dated addendum to the signed note."""
    notes.add_addendum(store, session.id, caller.email, body.text.strip())
    return note_out(store, session)


def sections_from_text(text: str) -> dict[str, list[str]]:
    """Note sections from text headed by the section names, one item a line."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.lower() in SECTIONS:
            current = stripped.lower()
            sections.setdefault(current, [])
        elif stripped and current is not None:
            sections[current].append(stripped.removeprefix("- ").strip())
        elif stripped:
            raise Refused(422, "the note text starts with a section heading (SUBJECTIVE)")
    if set(sections) != set(SECTIONS):
        raise Refused(422, f"the note text has the headings {', '.join(SECTIONS).upper()}")
    return sections


def note_out(store: Store, session: SessionRow) -> NoteOut:
    """The session's current note and addenda, as the API and the note page show them."""
    note = notes.current(store, session.id)
    if note is None:
        raise notes.NoNote("there is no note yet")
    return NoteOut(
        text=Soap.from_json(note.body).as_text(),
        signed=note.kind == "signed",
        version=note.version,
        status=note.kind,
        sections={name: list(note.body.get(name, [])) for name in SECTIONS},
        signed_by=note.author if note.kind == "signed" else None,
        digest=note.digest,
        session_complete=store.session(session.id).complete,
        addenda=[
            AddendumOut(author=a.author, at=a.created_at.isoformat(), text=a.text)
            for a in notes.addenda(store, session.id)
        ],
    )
