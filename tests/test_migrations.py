"""A database made at every earlier schema revision, with records in it, upgrades to head.

Each database is filled the way Tablework wrote it at that revision: plain rows in the
tables that existed then (chained from revision 0005, summarised from 0006), with raw SQL,
so the fill does not depend on today's write path. After `migrate` the records must read
back unchanged, `db check` must find no problem, and the store must take new writes.
Runs on SQLite, and on PostgreSQL when TABLEWORK_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from tablework.documents.signing import digest
from tablework.session.events import Note, SessionEnded, SessionStarted, event_json
from tablework.settings import key_file
from tablework.store import record_key
from tablework.store.chain import add_link, take_turn
from tablework.store.check import check_database
from tablework.store.database import HEAD, current_revision, migrate, open_engine
from tablework.store.repo import Store


def earlier_revisions() -> list[str]:
    config = Config()
    config.set_main_option("script_location", "tablework.store:migrations")
    found = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    return sorted(r for r in found if r != HEAD)


PROTOCOL = "acute-low-back-spasm"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOTE_BODY = {"subjective": ["Pain 6/10."], "objective": [], "assessment": [], "plan": []}
COMPLETE = [
    SessionStarted(at=0, protocol=PROTOCOL, session_index=1, pain_before=6),
    Note(at=5, text="settled"),
    SessionEnded(at=60, pain_after=3),
]
LIVE = [SessionStarted(at=0, protocol=PROTOCOL, session_index=2, pain_before=5)]

CLIENTS = sa.table(
    "clients",
    sa.column("id", sa.String),
    sa.column("display_name", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
SESSIONS = sa.table(
    "sessions",
    sa.column("id", sa.String),
    sa.column("client_id", sa.String),
    sa.column("protocol", sa.String),
    sa.column("session_index", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
)
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("type", sa.String),
    sa.column("at", sa.Float),
    sa.column("payload", sa.JSON),
    sa.column("actor", sa.String),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    sa.column("idempotency_key", sa.String),
)
INTAKES = sa.table(
    "intakes",
    sa.column("id", sa.String),
    sa.column("client_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("intake", sa.JSON),
    sa.column("screening", sa.JSON),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
)
SESSION_INTAKES = sa.table(
    "session_intakes", sa.column("session_id", sa.String), sa.column("intake_id", sa.String)
)
NOTE_VERSIONS = sa.table(
    "note_versions",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("body", sa.JSON),
    sa.column("author", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("digest", sa.String),
)
ADDENDA = sa.table(
    "note_addenda",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.String),
    sa.column("author", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("text", sa.Text),
)
AUDIT = sa.table(
    "audit",
    sa.column("id", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("record", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
)


class OldWriter:
    """Writes rows as Tablework did at `revision`: chained from 0005 on."""

    def __init__(self, conn: Connection, revision: str) -> None:
        self.conn = conn
        self.revision = revision
        self.key = record_key.load_or_create(key_file()) if revision >= "0005" else b""
        self.clock = START
        if revision >= "0005":
            take_turn(conn)

    def now(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def insert(self, kind: str | None, table: Any, row: dict[str, Any], header: Any = None) -> None:
        result = self.conn.execute(sa.insert(table).values(row).returning(table.c.id))
        row["id"] = result.scalar_one()
        if kind is not None and self.revision >= "0005":
            add_link(self.conn, self.key, kind, row, header)

    def session(self, client_id: str, session_id: str, recorded: list[Any]) -> None:
        header = {
            "id": session_id,
            "client_id": client_id,
            "protocol": PROTOCOL,
            "session_index": recorded[0].session_index,
            "started_at": self.now(),
        }
        self.insert(None, SESSIONS, dict(header))
        for seq, event in enumerate(recorded, start=1):
            row = {
                "session_id": session_id,
                "seq": seq,
                "type": event.type,
                "at": float(event.at),
                "payload": event_json(event),
                "actor": "tablet",
                "recorded_at": self.now(),
                "idempotency_key": f"tablet-{session_id}-{seq}",
            }
            self.insert("event", EVENTS, row, header if seq == 1 else None)


def fill(conn: Connection, revision: str) -> dict[str, int]:
    """Two invented clients, a finished and a live session, and whatever else the schema
    at `revision` could hold; returns the number of rows written per table."""
    writer = OldWriter(conn, revision)
    for client_id in ("c1", "c2"):
        writer.insert(
            None,
            CLIENTS,
            {"id": client_id, "display_name": f"Invented {client_id}", "created_at": writer.now()},
        )
    writer.session("c1", "s1", COMPLETE)
    writer.session("c2", "s2", LIVE)
    counts = {"clients": 2, "sessions": 2, "events": len(COMPLETE) + len(LIVE)}
    if revision >= "0002":
        intake = {
            "id": "i1",
            "client_id": "c1",
            "version": 1,
            "intake": {"answers": {}},
            "screening": {"disposition": "treat"},
            "recorded_at": writer.now(),
        }
        writer.insert(None, INTAKES, intake)
        conn.execute(sa.insert(SESSION_INTAKES).values(session_id="s1", intake_id="i1"))
        counts |= {"intakes": 1, "session_intakes": 1}
    if revision >= "0003":
        signed_at = writer.now()
        for version, kind, author, note_digest, at in [
            (1, "draft", None, None, writer.now()),
            (2, "signed", "Invented Therapist", None, signed_at),
        ]:
            if kind == "signed":
                note_digest = digest("s1", NOTE_BODY, "Invented Therapist", signed_at)
            row = {
                "session_id": "s1",
                "version": version,
                "kind": kind,
                "body": NOTE_BODY,
                "author": author,
                "created_at": at,
                "digest": note_digest,
            }
            writer.insert("note_version", NOTE_VERSIONS, row)
        addendum = {
            "session_id": "s1",
            "author": "Invented Therapist",
            "created_at": writer.now(),
            "text": "Called: better.",
        }
        writer.insert("addendum", ADDENDA, addendum)
        counts |= {"note_versions": 2, "note_addenda": 1}
    if revision >= "0005":
        audit = {"actor": "cli", "action": "read", "record": "session:s1", "at": writer.now()}
        writer.insert("audit", AUDIT, audit)
        counts |= {"audit": 1}
    if revision >= "0006":
        from tablework.store.summaries import rebuild_on

        rebuild_on(conn)
        counts |= {"session_summaries": 2}
    if revision >= "0009":
        from tablework.store.outcome_counts import recount_all

        recount_all(conn)
        counts |= {"outcome_counts": 1}
    return counts


def snapshot(engine: Engine, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the record tables, in a fixed order, with JSON parsed."""
    found = {}
    metadata = sa.MetaData()
    with engine.connect() as conn:
        for name in tables:
            table = sa.Table(name, metadata, autoload_with=conn)
            columns = [c for c in table.c if c.name != "address"]  # added by 0007
            rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            found[name] = [tuple(_plain(v) for v in row) for row in rows]
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str) and value[:1] in "{[":
        import json

        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("revision", earlier_revisions())
def test_a_database_made_at_an_earlier_revision_upgrades_to_head_keeping_its_records(
    engine: Engine, revision: str
) -> None:
    migrate(engine, revision)
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        counts = fill(conn, revision)
    before = snapshot(engine, sorted(counts))

    migrate(engine)

    assert current_revision(engine) == HEAD
    assert snapshot(engine, sorted(counts)) == before
    store = Store(engine)
    report = check_database(store)
    assert report.ok, [f.message for f in report.findings]
    assert [e.event for e in store.events("s1")] == COMPLETE
    assert [s.id for s in store.sessions()] == ["s1", "s2"]
    added = store.append("s2", Note(at=30, text="still here"), idempotency_key="after-upgrade")
    assert added.seq == 2
    assert check_database(store).ok


def test_every_earlier_revision_is_covered() -> None:
    assert earlier_revisions() == [f"{n:04d}" for n in range(1, int(HEAD))]
