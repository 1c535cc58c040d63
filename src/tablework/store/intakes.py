"""Versioned intakes: each new intake for a client is a new version; none is overwritten."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from tablework.store.repo import Store, aware, lock_client
from tablework.store.summaries import record_psfs
from tablework.store.tables import intakes, session_intakes

MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class StoredIntake:
    """One version of a client's intake, with the screening result it produced."""

    id: str
    client_id: str
    version: int
    intake: dict[str, Any]
    screening: dict[str, Any]
    recorded_at: datetime


def add_intake(
    store: Store, client_id: str, intake: dict[str, Any], screening: dict[str, Any]
) -> StoredIntake:
    """Store a new version of the client's intake."""
    for _ in range(MAX_ATTEMPTS):
        try:
            return _add_once(store, client_id, intake, screening)
        except IntegrityError:
            continue  # another writer took this version number; take the next
    raise RuntimeError(f"could not add an intake for client {client_id}")


def _add_once(
    store: Store, client_id: str, intake: dict[str, Any], screening: dict[str, Any]
) -> StoredIntake:
    with store.writing() as conn:
        return insert_intake(conn, client_id, intake, screening, store.clock())


def insert_intake(
    conn: Connection,
    client_id: str,
    intake: dict[str, Any],
    screening: dict[str, Any],
    at: datetime,
) -> StoredIntake:
    """Add the client's next intake version on an open transaction."""
    lock_client(conn, client_id)
    last = conn.scalar(select(func.max(intakes.c.version)).where(intakes.c.client_id == client_id))
    stored = StoredIntake(uuid.uuid4().hex, client_id, (last or 0) + 1, intake, screening, at)
    conn.execute(
        insert(intakes).values(
            id=stored.id,
            client_id=client_id,
            version=stored.version,
            intake=intake,
            screening=screening,
            recorded_at=at,
        )
    )
    return stored


def intake_versions(store: Store, client_id: str) -> list[StoredIntake]:
    """Every intake version of a client, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(intakes).where(intakes.c.client_id == client_id).order_by(intakes.c.version)
        ).all()
    return [_row(row) for row in rows]


def link_session(store: Store, session_id: str, intake_id: str) -> None:
    """Record which intake a session was screened with."""
    with store.writing() as conn:
        insert_link(conn, session_id, intake_id)


def insert_link(conn: Connection, session_id: str, intake_id: str) -> None:
    """Record which intake a session was screened with, on an open transaction."""
    conn.execute(insert(session_intakes).values(session_id=session_id, intake_id=intake_id))
    intake = conn.scalar(select(intakes.c.intake).where(intakes.c.id == intake_id))
    record_psfs(conn, session_id, intake if isinstance(intake, dict) else {})


def session_intake(store: Store, session_id: str) -> StoredIntake | None:
    """The intake a session was screened with, if any."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(intakes)
            .join(session_intakes, session_intakes.c.intake_id == intakes.c.id)
            .where(session_intakes.c.session_id == session_id)
        ).first()
    return _row(row) if row is not None else None


def client_session_intakes(store: Store, client_id: str) -> dict[str, StoredIntake]:
    """The intake each of a client's sessions was screened with, by session id: one query."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(session_intakes.c.session_id, intakes)
            .join(intakes, session_intakes.c.intake_id == intakes.c.id)
            .where(intakes.c.client_id == client_id)
        ).all()
    return {row.session_id: _row(row) for row in rows}


def _row(row: Any) -> StoredIntake:
    return StoredIntake(
        row.id, row.client_id, row.version, row.intake, row.screening, aware(row.recorded_at)
    )
