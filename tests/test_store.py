"""The event store on SQLite and PostgreSQL: ordered, idempotent, append-only, crash-safe."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tablework import recorder
from tablework.session.engine import advise
from tablework.session.events import EventError, Note, SessionStarted, parse_event
from tablework.store.database import HEAD, current_revision, migrate, open_engine
from tablework.store.repo import NotFound, SeqConflict, Store
from tablework.store.verify import verify_all

WORKER = Path(__file__).parent / "store_worker.py"
OPENING = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1, pain_before=6)


def new_session(store: Store) -> str:
    client = store.add_client("Invented Client")
    return store.create_session(client, "acute-low-back-spasm@1.0.0", 1)


def note(at: float, text: str = "n") -> Note:
    return Note(at=at, text=text)


def test_migrations_reach_head_and_running_them_again_changes_nothing(store: Store) -> None:
    assert current_revision(store.engine) == HEAD
    migrate(store.engine)
    assert current_revision(store.engine) == HEAD


def test_appended_events_come_back_in_order(store: Store) -> None:
    session = new_session(store)
    for i in range(5):
        store.append(session, note(i, f"n{i}"))
    stored = store.events(session)
    assert [s.seq for s in stored] == [1, 2, 3, 4, 5]
    assert [s.event.text for s in stored] == ["n0", "n1", "n2", "n3", "n4"]  # type: ignore[union-attr]
    assert all(s.recorded_at.tzinfo is not None for s in stored)


def test_a_retried_append_with_the_same_key_is_stored_once(store: Store) -> None:
    session = new_session(store)
    first = store.append(session, note(1), idempotency_key="tablet-42")
    again = store.append(session, note(1), idempotency_key="tablet-42")
    assert again.seq == first.seq == 1
    assert len(store.events(session)) == 1


def test_an_append_at_a_taken_position_is_a_conflict(store: Store) -> None:
    session = new_session(store)
    store.append(session, note(1), expected_seq=1)
    with pytest.raises(SeqConflict):
        store.append(session, note(2), expected_seq=1)
    assert len(store.events(session)) == 1


def test_appending_to_a_missing_session_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.append("0" * 32, note(1))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET at = 99",
        "DELETE FROM events",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(store: Store, statement: str) -> None:
    session = new_session(store)
    store.append(session, note(1, "original"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert [s.event.text for s in store.events(session)] == ["original"]  # type: ignore[union-attr]


def test_threads_racing_to_append_lose_nothing_and_duplicate_nothing(store: Store) -> None:
    session = new_session(store)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(15):
                store.append(session, note(i, f"{name}-{i}"), idempotency_key=f"{name}-{i}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    stored = store.events(session)
    assert [s.seq for s in stored] == list(range(1, 91))
    assert len({s.idempotency_key for s in stored}) == 90


def test_processes_racing_to_append_lose_nothing(store: Store, database_url: str) -> None:
    session = new_session(store)
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), database_url, session, f"p{n}", "20"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    confirmed = [line.split()[1] for w in workers for line in w.communicate()[0].splitlines()]
    assert all(w.returncode == 0 for w in workers)
    stored = store.events(session)
    assert [s.seq for s in stored] == list(range(1, 61))
    assert sorted(s.idempotency_key or "" for s in stored) == sorted(confirmed)


@pytest.mark.slow
def test_killing_a_writer_never_loses_a_committed_append(store: Store, database_url: str) -> None:
    session = new_session(store)
    rng = random.Random(20261123)
    confirmed: list[str] = []
    for run in range(12):
        child = subprocess.Popen(
            [sys.executable, str(WORKER), database_url, session, f"run{run}", "100000"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for _ in range(rng.randint(1, 40)):
            confirmed.append(child.stdout.readline().split()[1])
        child.kill()  # SIGKILL, mid-append
        child.wait()
        confirmed.extend(line.split()[1] for line in child.stdout.read().splitlines())
        keys = Counter(s.idempotency_key for s in store.events(session))
        assert all(keys[key] == 1 for key in confirmed)
    _assert_opens_cleanly(database_url)
    stored = store.events(session)
    assert [s.seq for s in stored] == list(range(1, len(stored) + 1))


def _assert_opens_cleanly(database_url: str) -> None:
    engine = open_engine(database_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("SELECT count(*) FROM events")).scalar()
    engine.dispose()


# The recorder: engine and store together


def test_a_stored_session_replays_to_the_live_state(store: Store) -> None:
    client = store.add_client("Invented Client")
    opened = recorder.open_session(store, client, OPENING)
    session = opened.stored.session_id
    live = opened.state
    for data in [
        {
            "type": "positioned",
            "at": 10,
            "position": "prone",
            "supports": ["hip_pillow_asis"],
            "client_adjusted": True,
        },
        {
            "type": "work_started",
            "at": 20,
            "area": "gluteals-left",
            "technique": "still-hold",
            "level": 1,
        },
        {"type": "check_in", "at": 50, "pressure": "good", "tightening": True},
    ]:
        live = recorder.record(store, session, parse_event(data)).state
    _, loaded, stored = recorder.load(store, session)
    assert loaded == live
    assert [s.seq for s in stored] == [1, 2, 3, 4]
    assert advise(loaded).action == "stop_area"


def test_the_session_pins_its_protocol_version(store: Store) -> None:
    client = store.add_client("Invented Client")
    opened = recorder.open_session(store, client, OPENING)
    assert store.session(opened.stored.session_id).protocol == "acute-low-back-spasm@1.1.0"


def test_an_invalid_event_is_refused_and_nothing_is_stored(store: Store) -> None:
    client = store.add_client("Invented Client")
    session = recorder.open_session(store, client, OPENING).stored.session_id
    recorder.record(store, session, note(100))
    with pytest.raises(EventError, match="backwards"):
        recorder.record(store, session, note(50))
    with pytest.raises(EventError, match="unknown area"):
        recorder.record(
            store, session, parse_event({"type": "tightening_observed", "at": 120, "area": "elbow"})
        )
    assert len(store.events(session)) == 2


def test_a_retried_record_returns_the_first_result(store: Store) -> None:
    client = store.add_client("Invented Client")
    session = recorder.open_session(store, client, OPENING).stored.session_id
    first = recorder.record(store, session, note(5), idempotency_key="k1")
    again = recorder.record(store, session, note(5), idempotency_key="k1")
    assert first.stored.seq == again.stored.seq == 2
    assert len(store.events(session)) == 2


def test_upgrading_an_existing_database_keeps_its_events(database_url: str) -> None:
    engine = open_engine(database_url)
    migrate(engine, "0001")
    old = Store(engine)
    session = "0" * 32
    with engine.begin() as conn:  # as Tablework 0001 wrote it, before the chain existed
        conn.execute(
            text("INSERT INTO clients (id, display_name, created_at) VALUES (:c, 'Invented', :t)"),
            {"c": "c" * 32, "t": old.clock()},
        )
        conn.execute(
            text(
                "INSERT INTO sessions (id, client_id, protocol, session_index, started_at) "
                "VALUES (:s, :c, 'acute-low-back-spasm@1.0.0', 1, :t)"
            ),
            {"s": session, "c": "c" * 32, "t": old.clock()},
        )
        conn.execute(
            text(
                "INSERT INTO events (session_id, seq, type, at, payload, recorded_at) "
                "VALUES (:s, 1, 'note', 1.0, :p, :t)"
            ),
            {
                "s": session,
                "p": '{"type": "note", "at": 1, "text": "before the upgrade"}',
                "t": old.clock(),
            },
        )
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert [s.event.text for s in Store(engine).events(session)] == ["before the upgrade"]  # type: ignore[union-attr]
    assert verify_all(engine) == []  # chained by the upgrade
    assert [s.last_seq for s in Store(engine).summaries()] == [1]  # summarised by 0006
    engine.dispose()
