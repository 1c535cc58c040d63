"""The note page: the drafted SOAP note, its edits, signature and addenda, with the care
plan and the client's handout. The same store functions as /api/sessions/{id}/note: a
signed note refuses edits (409, shown as a page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tablework import charting
from tablework.documents.handout import compose
from tablework.store import access, notes
from tablework.store.repo import SessionRow, Store
from tablework.web.api.notes import ensure_drafted, note_out, sections_from_text
from tablework.web.deps import ServerDep
from tablework.web.errors import Refused
from tablework.web.pages.clinic import shown_at, zone_of
from tablework.web.pages.common import PageStore, PageTrail, PageViewer, Viewer, check_csrf, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=100_000)]
Short = Annotated[str, Form(max_length=200)]


@router.get("/sessions/{session_id}/note", response_class=HTMLResponse)
def note_page(
    session_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
) -> HTMLResponse:
    """The note (drafted from the record once the session has ended), plan and handout."""
    session = access.session_for(store, viewer.account, session_id)
    trail.add("note_page", session.id)
    if session.complete:
        ensure_drafted(store, session.id)
    return _note_page(request, viewer, store, server, session)


@router.post("/sessions/{session_id}/note", response_class=HTMLResponse)
def edit_note(
    session_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
    csrf_token: Short = "",
    text: Text = "",
) -> Response:
    """Save the edited draft (the whole text, as PUT does); 409 once the note is signed."""
    check_csrf(viewer, csrf_token)
    session = access.session_for(store, viewer.account, session_id)
    trail.add("edit_note", session.id)
    try:
        sections = sections_from_text(text)
    except Refused as refused:
        return _note_page(request, viewer, store, server, session, refused.detail, text)
    notes.save(store, session.id, sections, viewer.email)
    return RedirectResponse(f"/sessions/{session.id}/note#note", status_code=303)


@router.post("/sessions/{session_id}/note/sign", response_class=HTMLResponse)
def sign_note(
    session_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
    csrf_token: Short = "",
    by: Short = "",
) -> Response:
    """Sign the current version: it is locked and hashed."""
    check_csrf(viewer, csrf_token)
    session = access.session_for(store, viewer.account, session_id)
    trail.add("sign_note", session.id)
    if not by.strip():
        problem = "Say who signs (name and role)."
        return _note_page(request, viewer, store, server, session, problem)
    notes.sign(store, session.id, by.strip())
    return RedirectResponse(f"/sessions/{session.id}/note#note", status_code=303)


@router.post("/sessions/{session_id}/note/addenda", response_class=HTMLResponse)
def add_addendum(
    session_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
    csrf_token: Short = "",
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Add a dated addendum to the signed note."""
    check_csrf(viewer, csrf_token)
    session = access.session_for(store, viewer.account, session_id)
    trail.add("add_addendum", session.id)
    if not text.strip():
        problem = "Write the addendum before adding it."
        return _note_page(request, viewer, store, server, session, problem)
    notes.add_addendum(store, session.id, viewer.email, text.strip())
    return RedirectResponse(f"/sessions/{session.id}/note#addenda", status_code=303)


def _note_page(
    request: Request,
    viewer: Viewer,
    store: Store,
    server: ServerDep,
    session: SessionRow,
    problem: str | None = None,
    typed: str | None = None,
) -> HTMLResponse:
    zone = zone_of(server, store, viewer)
    documents = charting.load_session(store, session.id)
    note = note_out(store, session) if notes.current(store, session.id) else None
    return render(
        request,
        "note.html",
        viewer,
        status_code=422 if problem else 200,
        session=session,
        client=store.client(session.client_id),
        started=shown_at(session.started_at, zone),
        note=note,
        text=typed if typed is not None else (note.text if note else documents.soap().as_text()),
        addenda=[(a, shown_at(a.created_at, zone)) for a in notes.addenda(store, session.id)],
        problem=problem,
        plan=documents.plan,
        handout=compose(documents.plan, documents.record.state.block_kind),
    )
