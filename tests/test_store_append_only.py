"""The record tables refuse UPDATE, DELETE, REPLACE and TRUNCATE, in the database itself.

Each statement is run as raw SQL, the way an administrator with a database shell would, on
each engine; the table must refuse it and hold exactly the rows it held before.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tablework import recorder
from tablework.session.events import Note, SessionEnded, SessionStarted
from tablework.store import notes
from tablework.store.repo import Store

OPENING = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1, pain_before=6)
BODY = {"subjective": ["Pain 6/10."], "objective": [], "assessment": [], "plan": []}

TABLES: dict[str, tuple[str, str, str]] = {
    # table: (key columns for ON CONFLICT, a column to change, its new value)
    "events": ("id", "at", "at + 100"),
    "intakes": ("id", "intake", "'{}'"),
    "note_versions": ("id", "body", "'{}'"),
    "note_addenda": ("id", "text", "'rewritten'"),
    "sessions": ("id", "session_index", "9"),
    "session_intakes": ("session_id", "intake_id", "intake_id"),
}
STATEMENTS = ["update", "delete", "replace", "truncate"]


@pytest.fixture
def full_record(store: Store) -> Store:
    """One session with everything: intake, events, a signed note and an addendum."""
    saved = recorder.save_session(
        store,
        OPENING,
        [Note(at=5, text="settled"), SessionEnded(at=60, pain_after=4)],
        client_name="Invented Client",
        intake=recorder.NewIntake({"answers": {}}, {"disposition": "treat"}),
    )
    notes.draft(store, saved.session_id, BODY)
    notes.sign(store, saved.session_id, "Invented Therapist")
    notes.add_addendum(store, saved.session_id, "Invented Therapist", "Called: better.")
    return store


def statement(dialect: str, verb: str, table: str, columns: list[str]) -> str:
    key, column, value = TABLES[table]
    if verb == "update":
        return f"UPDATE {table} SET {column} = {value}"
    if verb == "delete":
        return f"DELETE FROM {table} WHERE {key} IS NOT NULL"
    if verb == "truncate":
        return f"TRUNCATE {table} CASCADE" if dialect == "postgresql" else f"DELETE FROM {table}"
    listed = ", ".join(columns)
    chosen = ", ".join(value if c == column else c for c in columns)
    if dialect == "sqlite":
        return f"INSERT OR REPLACE INTO {table} ({listed}) SELECT {chosen} FROM {table}"
    return (
        f"INSERT INTO {table} ({listed}) SELECT {chosen} FROM {table} "
        f"ON CONFLICT ({key}) DO UPDATE SET {column} = EXCLUDED.{column}"
    )


def rows(store: Store, table: str) -> list[Any]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]


def columns(store: Store, table: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(text(f"SELECT * FROM {table}")).keys())


@pytest.mark.parametrize("verb", STATEMENTS)
@pytest.mark.parametrize("table", list(TABLES))
def test_a_stored_record_cannot_be_changed_by_any_statement(
    full_record: Store, table: str, verb: str
) -> None:
    store = full_record
    before = rows(store, table)
    assert before, f"the fixture stores no {table}"
    sql = statement(store.engine.dialect.name, verb, table, columns(store, table))
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text(sql))
    assert rows(store, table) == before


def test_a_refusal_says_the_table_is_append_only(full_record: Store) -> None:
    sql = statement(
        full_record.engine.dialect.name, "replace", "events", columns(full_record, "events")
    )
    with pytest.raises(DBAPIError, match="append-only"), full_record.engine.begin() as conn:
        conn.execute(text(sql))


@pytest.mark.parametrize(
    "change", ["client_id = 'someone-else'", "protocol = 'other@9.9.9'", "session_index = 2"]
)
def test_a_session_header_keeps_its_client_protocol_and_index(
    full_record: Store, change: str
) -> None:
    before = rows(full_record, "sessions")
    with pytest.raises(DBAPIError, match="append-only"), full_record.engine.begin() as conn:
        conn.execute(text(f"UPDATE sessions SET {change}"))
    assert rows(full_record, "sessions") == before


def test_truncating_clients_cannot_cascade_into_the_record(full_record: Store) -> None:
    if full_record.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE ... CASCADE is PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"), full_record.engine.begin() as conn:
        conn.execute(text("TRUNCATE clients CASCADE"))
    assert rows(full_record, "events")


def test_new_records_are_still_accepted(full_record: Store) -> None:
    store = full_record
    saved = recorder.save_session(store, OPENING, [Note(at=1, text="n")], client_name="Another")
    store.append(saved.session_id, Note(at=2, text="more"), idempotency_key="k.1")
    assert [s.seq for s in store.events(saved.session_id)] == [1, 2, 3]


def test_the_migration_can_be_undone_and_redone(full_record: Store) -> None:
    from tablework.store.database import HEAD, current_revision, migrate

    before = rows(full_record, "events")
    downgrade(full_record, "0003")
    with full_record.engine.begin() as conn:  # the hole 0004 closes is open again
        conn.execute(text("UPDATE sessions SET session_index = 2"))
    migrate(full_record.engine)
    assert current_revision(full_record.engine) == HEAD
    assert rows(full_record, "events") == before
    with pytest.raises(DBAPIError, match="append-only"), full_record.engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET session_index = 3"))


def downgrade(store: Store, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from tablework.store.database import WRITE

    config = Config()
    config.set_main_option("script_location", "tablework.store:migrations")
    with store.engine.connect().execution_options(**WRITE) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()
