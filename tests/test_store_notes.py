"""Notes: draft, edit, sign (locked and hashed), addenda, and tamper detection."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tablework import recorder
from tablework.session.events import SessionStarted
from tablework.store import notes
from tablework.store.repo import Store

BODY = {
    "subjective": ["Pain 7/10."],
    "objective": ["Broad work."],
    "assessment": ["Better."],
    "plan": ["Review in a week."],
}


def a_session(store: Store) -> str:
    client = store.add_client("Invented Client")
    opening = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1)
    return recorder.open_session(store, client, opening).stored.session_id


def test_a_draft_then_edits_are_kept_as_versions(store: Store) -> None:
    session = a_session(store)
    notes.save(store, session, BODY)
    edited = notes.save(store, session, {**BODY, "assessment": ["Much better."]}, "Therapist")
    assert [v.kind for v in notes.versions(store, session)] == ["draft", "edit"]
    assert notes.current(store, session) == edited


def test_signing_locks_the_note_and_stores_its_digest(store: Store) -> None:
    session = a_session(store)
    notes.save(store, session, BODY)
    signed = notes.sign(store, session, "Invented Therapist, LMT")
    assert signed.kind == "signed" and signed.digest is not None and len(signed.digest) == 64
    with pytest.raises(notes.NoteLocked):
        notes.save(store, session, BODY)
    with pytest.raises(notes.NoteLocked):
        notes.sign(store, session, "Someone else")
    assert notes.verify(store, session).ok


def test_the_database_itself_refuses_a_version_after_signing(store: Store) -> None:
    session = a_session(store)
    notes.save(store, session, BODY)
    notes.sign(store, session, "Invented Therapist")
    with pytest.raises(Exception, match="signed"), store.writing() as conn:
        notes._insert(conn, store.key, session, "edit", BODY, None, None, store.clock())


def test_corrections_after_signing_are_addenda_with_author_and_time(store: Store) -> None:
    session = a_session(store)
    notes.save(store, session, BODY)
    with pytest.raises(notes.NoNote):
        notes.add_addendum(store, session, "Therapist", "too early")
    notes.sign(store, session, "Invented Therapist")
    notes.add_addendum(store, session, "Invented Therapist", "Client called: better.")
    (added,) = notes.addenda(store, session)
    assert added.author == "Invented Therapist" and added.created_at.tzinfo is not None
    assert notes.verify(store, session).ok  # addenda do not touch the signed text


def test_signing_needs_a_note(store: Store) -> None:
    with pytest.raises(notes.NoNote):
        notes.sign(store, a_session(store), "Invented Therapist")


def test_a_note_altered_behind_the_applications_back_is_detected(store: Store) -> None:
    session = a_session(store)
    notes.save(store, session, BODY)
    notes.sign(store, session, "Invented Therapist")
    altered = '{"subjective": ["Pain 2/10."], "objective": [], "assessment": [], "plan": []}'
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER note_versions_no_update"))
        else:
            conn.execute(text("ALTER TABLE note_versions DISABLE TRIGGER USER"))
        conn.execute(
            text("UPDATE note_versions SET body = :body WHERE kind = 'signed'"), {"body": altered}
        )
    result = notes.verify(store, session)
    assert not result.ok
    assert any("note version 2 (signed) was changed" in p for p in result.problems)
