"""Session notes in the store: draft and edits as versions, one signed version, addenda.

Nothing is overwritten. Signing stores the author, time and the SHA-256 digest of the
canonical note; after that the database refuses new versions and the application offers
addenda instead. Every version and addendum is chained (`store.chain`) in the transaction
that stores it, and `verify` checks the whole session against the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from tablework.documents.signing import digest
from tablework.store.chain import insert_chained
from tablework.store.repo import Store, aware, lock_session
from tablework.store.tables import note_addenda, note_versions, sessions


class NoteLocked(RuntimeError):
    """The note is signed: it cannot be edited, only added to."""


class NoNote(LookupError):
    """The session has no note yet (or no signed note, for an addendum)."""


@dataclass(frozen=True)
class NoteVersion:
    session_id: str
    version: int
    kind: str
    body: dict[str, Any]
    author: str | None
    created_at: datetime
    digest: str | None


@dataclass(frozen=True)
class Addendum:
    author: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class Verification:
    """Whether the session's record is as it was written: its problems, if any.

    `signed` is the signed version's digest (the one printed on the note), None if the
    note is not signed.
    """

    problems: list[str]
    signed: str | None

    @property
    def ok(self) -> bool:
        return not self.problems


def versions(store: Store, session_id: str) -> list[NoteVersion]:
    with store.engine.connect() as conn:
        return _versions(conn, session_id)


def current(store: Store, session_id: str) -> NoteVersion | None:
    """The latest version of the session's note, if there is one."""
    found = versions(store, session_id)
    return found[-1] if found else None


def draft(store: Store, session_id: str, body: dict[str, Any]) -> NoteVersion:
    """Store `body` as the session's first version, unless a note exists: then return it.

    Two racing drafts store one version: the second finds the first and keeps it.
    """
    with store.writing() as conn:
        latest = _latest_locked(conn, session_id)
        if latest is not None:
            return latest
        return _insert(conn, store.key, session_id, "draft", body, None, None, store.clock())


def save(
    store: Store, session_id: str, body: dict[str, Any], author: str | None = None
) -> NoteVersion:
    """Store `body` as the next version (the first is the draft, later ones edits)."""
    with store.writing() as conn:
        latest = _latest_locked(conn, session_id)
        if latest is not None and latest.kind == "signed":
            raise NoteLocked("the note is signed: add an addendum instead")
        kind = "draft" if latest is None else "edit"
        return _insert(conn, store.key, session_id, kind, body, author, None, store.clock())


def sign(store: Store, session_id: str, author: str) -> NoteVersion:
    """Sign the latest version: lock it and store its digest (NoteLocked if already signed)."""
    with store.writing() as conn:
        latest = _latest_locked(conn, session_id)
        if latest is None:
            raise NoNote("there is no note to sign: draft it first")
        if latest.kind == "signed":
            raise NoteLocked(f"the note is already signed (by {latest.author})")
        signed_at = store.clock()
        note_digest = digest(session_id, latest.body, author, signed_at)
        return _insert(
            conn, store.key, session_id, "signed", latest.body, author, note_digest, signed_at
        )


def add_addendum(store: Store, session_id: str, author: str, text: str) -> Addendum:
    """Append a correction or addition to a signed note."""
    addendum = Addendum(author, store.clock(), text)
    row: dict[str, Any] = {
        "session_id": session_id,
        "author": author,
        "created_at": addendum.created_at,
        "text": text,
    }
    with store.writing() as conn:
        latest = _latest_locked(conn, session_id)
        if latest is None or latest.kind != "signed":
            raise NoNote("addenda follow a signed note; edit the draft instead")
        insert_chained(conn, store.key, "addendum", note_addenda, row)
    return addendum


def addenda(store: Store, session_id: str) -> list[Addendum]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(note_addenda)
            .where(note_addenda.c.session_id == session_id)
            .order_by(note_addenda.c.id)
        ).all()
    return [Addendum(r.author, aware(r.created_at), r.text) for r in rows]


def client_current(store: Store, client_id: str) -> dict[str, NoteVersion]:
    """The latest note version of each of a client's sessions, by session id: one query."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(note_versions)
            .join(sessions, sessions.c.id == note_versions.c.session_id)
            .where(sessions.c.client_id == client_id)
            .order_by(note_versions.c.session_id, note_versions.c.version)
        ).all()
    return {r.session_id: _version(r) for r in rows}


def client_addenda(store: Store, client_id: str) -> dict[str, list[Addendum]]:
    """The addenda of each of a client's sessions, by session id, oldest first: one query."""
    found: dict[str, list[Addendum]] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(note_addenda)
            .join(sessions, sessions.c.id == note_addenda.c.session_id)
            .where(sessions.c.client_id == client_id)
            .order_by(note_addenda.c.id)
        ).all()
    for r in rows:
        found.setdefault(r.session_id, []).append(Addendum(r.author, aware(r.created_at), r.text))
    return found


def verify(store: Store, session_id: str) -> Verification:
    """Check the session's events, note versions and addenda against the chain.

    The signed note's own SHA-256 is checked too, so a printed digest still identifies it.
    """
    from tablework.store.verify import verify_session

    with store.engine.connect() as conn:
        problems = verify_session(conn, store.key, session_id)
    signed = next((v for v in versions(store, session_id) if v.kind == "signed"), None)
    if signed is None or signed.author is None or signed.digest is None:
        return Verification(problems, None)
    if digest(session_id, signed.body, signed.author, signed.created_at) != signed.digest:
        problems.append(
            f"session {session_id}: the signed note no longer matches its SHA-256 {signed.digest}"
        )
    return Verification(problems, signed.digest)


def _latest_locked(conn: Connection, session_id: str) -> NoteVersion | None:
    """The latest version, read while holding the session: no other writer can add one."""
    lock_session(conn, session_id)
    found = _versions(conn, session_id)
    return found[-1] if found else None


def _versions(conn: Connection, session_id: str) -> list[NoteVersion]:
    rows = conn.execute(
        select(note_versions)
        .where(note_versions.c.session_id == session_id)
        .order_by(note_versions.c.version)
    ).all()
    return [_version(r) for r in rows]


def _version(r: Any) -> NoteVersion:
    return NoteVersion(
        r.session_id, r.version, r.kind, r.body, r.author, aware(r.created_at), r.digest
    )


def _insert(
    conn: Connection,
    record_key: bytes,
    session_id: str,
    kind: str,
    body: dict[str, Any],
    author: str | None,
    note_digest: str | None,
    created: datetime,
) -> NoteVersion:
    last = conn.scalar(
        select(func.max(note_versions.c.version)).where(note_versions.c.session_id == session_id)
    )
    version = (last or 0) + 1
    row: dict[str, Any] = {
        "session_id": session_id,
        "version": version,
        "kind": kind,
        "body": body,
        "author": author,
        "created_at": created,
        "digest": note_digest,
    }
    insert_chained(conn, record_key, "note_version", note_versions, row)
    return NoteVersion(session_id, version, kind, body, author, created, note_digest)
