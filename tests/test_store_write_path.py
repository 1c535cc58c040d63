"""One write path: a whole session in one transaction, race-safe notes, checked keys."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from tablework import charting, recorder
from tablework.session.events import EventError, Note, SessionEnded, SessionStarted
from tablework.store import database, notes
from tablework.store.database import HEAD, SchemaOutOfDate, open_configured, open_engine
from tablework.store.repo import (
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    NotFound,
    Store,
)
from tablework.store.tables import clients, events, intakes, sessions

OPENING = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1, pain_before=6)
WHOLE = [Note(at=5, text="settled"), SessionEnded(at=60, pain_after=3)]
BODY = {"subjective": ["Pain 6/10."], "objective": [], "assessment": [], "plan": []}


def counts(store: Store) -> tuple[int, ...]:
    with store.engine.connect() as conn:
        return tuple(
            conn.scalar(select(func.count()).select_from(table)) or 0
            for table in (clients, sessions, events, intakes)
        )


def test_a_whole_session_is_saved_with_its_client_and_intake(store: Store) -> None:
    saved = recorder.save_session(
        store,
        OPENING,
        WHOLE,
        client_name="Invented Client",
        intake=recorder.NewIntake({"answers": {}}, {"disposition": "treat"}),
    )
    assert counts(store) == (1, 1, 3, 1)
    row = store.session(saved.session_id)
    assert row.complete and row.protocol == "acute-low-back-spasm@1.1.0"
    assert [s.seq for s in store.events(saved.session_id)] == [1, 2, 3]


def test_a_session_can_be_saved_under_an_existing_client(store: Store) -> None:
    client = store.add_client("Invented Client")
    saved = recorder.save_session(store, OPENING, WHOLE, client_id=client)
    assert saved.client_id == client and store.sessions(client)[0].id == saved.session_id


@pytest.mark.parametrize(
    "attempt",
    [
        lambda s: recorder.save_session(s, OPENING, [Note(at=5, text="a"), Note(at=1, text="b")]),
        lambda s: recorder.save_session(s, OPENING, WHOLE, client_id="0" * 32),
        # fails at the database, after the client and session rows were written
        lambda s: recorder.save_session(s, OPENING, WHOLE, intake=recorder.NewIntake({1j: 1}, {})),
    ],
    ids=["invalid-event", "unknown-client", "fails-midway"],
)
def test_a_save_that_fails_stores_nothing(store: Store, attempt: Callable[[Store], Any]) -> None:
    with pytest.raises((EventError, NotFound, StatementError, TypeError)):
        attempt(store)
    assert counts(store) == (0, 0, 0, 0)


def test_a_header_without_events_is_an_incomplete_session_not_a_crash(store: Store) -> None:
    client = store.add_client("Invented Client")
    bare = store.create_session(client, "acute-low-back-spasm@1.1.0", 1)
    documents = charting.load_session(store, bare)
    assert not documents.complete and not store.session(bare).complete
    (outcome,) = charting.client_outcomes(store, client)
    assert not outcome.complete and outcome.responder is None
    assert documents.soap().as_json()["subjective"]


def test_a_session_without_its_end_is_incomplete(store: Store) -> None:
    saved = recorder.save_session(store, OPENING, WHOLE[:1], client_name="Invented Client")
    assert not store.session(saved.session_id).complete
    assert not charting.load_session(store, saved.session_id).complete


@pytest.mark.parametrize(
    "key", ["k" * 200, "k" * 129, "", "has space", "new\nline", "semi;colon", "ключ"]
)
def test_a_bad_idempotency_key_is_refused_the_same_on_every_engine(store: Store, key: str) -> None:
    session = recorder.save_session(store, OPENING, [], client_name="C").session_id
    with pytest.raises(InvalidIdempotencyKey):
        store.append(session, Note(at=1, text="n"), idempotency_key=key)
    with pytest.raises(InvalidIdempotencyKey):
        recorder.record(store, session, Note(at=1, text="n"), idempotency_key=key)
    assert len(store.events(session)) == 1


def test_the_longest_allowed_key_is_stored_on_every_engine(store: Store) -> None:
    session = recorder.save_session(store, OPENING, [], client_name="C").session_id
    key = "tablet-1.retry:" + "x" * 113
    assert len(key) == 128
    assert store.append(session, Note(at=1, text="n"), idempotency_key=key).idempotency_key == key


def test_a_key_reused_for_a_different_event_is_refused(store: Store) -> None:
    session = recorder.save_session(store, OPENING, [], client_name="C").session_id
    store.append(session, Note(at=1, text="first"), idempotency_key="tablet-7")
    with pytest.raises(IdempotencyKeyReused, match="tablet-7"):
        store.append(session, Note(at=1, text="second"), idempotency_key="tablet-7")
    with pytest.raises(IdempotencyKeyReused):
        recorder.record(store, session, Note(at=2, text="first"), idempotency_key="tablet-7")
    assert store.append(session, Note(at=1, text="first"), idempotency_key="tablet-7").seq == 2
    assert len(store.events(session)) == 2


def race(times: int, action: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run `action` in `times` threads released together; what each returned or raised."""
    start = threading.Barrier(times)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(action())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_of_racing_signers_one_signs_and_the_others_are_told_it_is_signed(store: Store) -> None:
    session = recorder.save_session(store, OPENING, WHOLE, client_name="C").session_id
    notes.draft(store, session, BODY)
    signed, refused = race(4, lambda: notes.sign(store, session, "Invented Therapist"))
    assert len(signed) == 1 and len(refused) == 3
    assert all(isinstance(e, notes.NoteLocked) and "already signed" in str(e) for e in refused)
    assert [v.kind for v in notes.versions(store, session)] == ["draft", "signed"]


def test_racing_drafts_store_one_version(store: Store) -> None:
    session = recorder.save_session(store, OPENING, WHOLE, client_name="C").session_id
    drafted, errors = race(4, lambda: notes.draft(store, session, BODY))
    assert not errors and {d.version for d in drafted} == {1}
    assert [v.kind for v in notes.versions(store, session)] == ["draft"]


def test_a_command_reads_while_another_process_holds_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.sqlite3"
    url = f"sqlite:///{path}"
    Store(open_configured(url, auto_migrate=True)).add_client("Invented Client")
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        reader = Store(open_configured(url, auto_migrate=True))
        assert [c.display_name for c in reader.clients()] == ["Invented Client"]
    finally:
        writer.rollback()
        writer.close()


def test_a_database_behind_is_migrated_and_one_ahead_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    database.migrate(open_engine(url), "0002")
    assert database.current_revision(open_configured(url, auto_migrate=True)) == HEAD
    with open_engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaOutOfDate, match="newer"):
        open_configured(url, auto_migrate=True)
