"""Erasing a client after the records retention period, and only then.

Records are kept for `retention_years` (TABLEWORK_RETENTION_YEARS, default 7) after the
client's last record. Past that, `erase_client` removes the client and everything recorded
about them in one transaction and leaves `erase` audit entries (ids only) in the chain.

The append-only triggers stay in force for every other statement. Erasure lifts them only
inside its own transaction: on SQLite it drops them and creates them again before it
commits; on PostgreSQL it disables them with ALTER TABLE, which holds an exclusive lock
until the commit, so no other transaction ever sees the tables unguarded. If anything
fails, the rollback restores the triggers with the records.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select

from tablework.store.chain import insert_chained, take_turn
from tablework.store.database import WRITE
from tablework.store.repo import NotFound, Store, aware
from tablework.store.tables import (
    audit,
    client_access,
    client_shares,
    clients,
    events,
    intakes,
    note_addenda,
    note_versions,
    outcome_counts,
    remote_tokens,
    session_intakes,
    session_summaries,
    sessions,
)

GUARDED = (
    "events",
    "note_addenda",
    "note_versions",
    "session_intakes",
    "intakes",
    "sessions",
    "clients",
)


class WithinRetention(RuntimeError):
    """The client's records are still inside the retention period."""

    def __init__(self, client_id: str, last: datetime, until: datetime) -> None:
        super().__init__(
            f"client {client_id}'s records are kept until {until:%Y-%m-%d} (the retention "
            f"period after their last record, {last:%Y-%m-%d}): nothing was erased"
        )
        self.last = last
        self.until = until


@dataclass(frozen=True)
class Erased:
    """What an erasure removed: the client and their sessions, by id."""

    client_id: str
    session_ids: list[str]


def retained_until(last: datetime, years: int) -> datetime:
    """The end of the retention period that began at `last`."""
    try:
        return last.replace(year=last.year + years)
    except ValueError:  # 29 February, and the year `years` on is not a leap year
        return last.replace(year=last.year + years, day=28)


def erase_client(store: Store, client_id: str, actor: str, years: int) -> Erased:
    """Remove a client and all their records, if the retention period has passed."""
    now = store.clock()
    with store.engine.connect().execution_options(**WRITE) as conn, conn.begin():
        take_turn(conn)
        last = last_record_at(conn, client_id)
        until = retained_until(last, years)
        if now < until:
            raise WithinRetention(client_id, last, until)
        session_ids = list(
            conn.scalars(select(sessions.c.id).where(sessions.c.client_id == client_id))
        )
        _refuse_unverified(conn, store.key, session_ids)
        with _triggers_lifted(conn):
            _delete_records(conn, client_id, session_ids)
        for record in [client_id, *session_ids]:
            row = {"actor": actor, "action": "erase", "record": record, "at": now}
            insert_chained(conn, store.key, "audit", audit, row)
    return Erased(client_id, session_ids)


class RecordsAltered(RuntimeError):
    """The client's records fail verification: their dates cannot be trusted for erasure."""


def _refuse_unverified(conn: Connection, key: bytes, session_ids: list[str]) -> None:
    # The retention period is counted from stored dates; an altered record could move them.
    from tablework.store.verify import verify_session

    for session_id in session_ids:
        if verify_session(conn, key, session_id):
            raise RecordsAltered(
                f"session {session_id} fails verification (run `tablework db check`): its "
                "dates cannot be trusted, so nothing was erased"
            )


def last_record_at(conn: Connection, client_id: str) -> datetime:
    """When anything was last recorded about the client (NotFound if there is no client)."""
    created = conn.scalar(select(clients.c.created_at).where(clients.c.id == client_id))
    if created is None:
        raise NotFound(f"no client with id {client_id}")
    in_sessions = select(sessions.c.id).where(sessions.c.client_id == client_id)
    latest = [
        select(func.max(sessions.c.started_at)).where(sessions.c.client_id == client_id),
        select(func.max(intakes.c.recorded_at)).where(intakes.c.client_id == client_id),
        select(func.max(events.c.recorded_at)).where(events.c.session_id.in_(in_sessions)),
        select(func.max(note_versions.c.created_at)).where(
            note_versions.c.session_id.in_(in_sessions)
        ),
        select(func.max(note_addenda.c.created_at)).where(
            note_addenda.c.session_id.in_(in_sessions)
        ),
    ]
    candidates = [created, *(conn.scalar(query) for query in latest)]
    return max(aware(value) for value in candidates if value is not None)


def _delete_records(conn: Connection, client_id: str, session_ids: list[str]) -> None:
    for table in (
        events,
        note_addenda,
        note_versions,
        session_intakes,
        session_summaries,
        remote_tokens,
    ):
        conn.execute(delete(table).where(table.c.session_id.in_(session_ids)))
    conn.execute(delete(sessions).where(sessions.c.client_id == client_id))
    conn.execute(delete(outcome_counts).where(outcome_counts.c.client_id == client_id))
    conn.execute(delete(intakes).where(intakes.c.client_id == client_id))
    for table in (client_shares, client_access):  # who may see them (no triggers)
        conn.execute(delete(table).where(table.c.client_id == client_id))
    conn.execute(delete(clients).where(clients.c.id == client_id))


@contextmanager
def _triggers_lifted(conn: Connection) -> Iterator[None]:
    """The guarded tables without their triggers, for this transaction only."""
    if conn.dialect.name == "sqlite":
        names = ", ".join(f"'{table}'" for table in GUARDED)
        saved = conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})"
        ).all()
        for name, _ in saved:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _, sql in saved:
            conn.exec_driver_sql(sql)
    else:
        for table in GUARDED:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        yield
        for table in GUARDED:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
