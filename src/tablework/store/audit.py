"""The audit trail: who read or wrote which record, when, from where.

A request collects its audit rows in an `AuditTrail`. A write made through a store that
carries the trail (`Store.audited`) stores them in its own transaction, so a write and its
audit row commit together or not at all; a request that only reads stores them in one
write of their own (`flush`). Rows hold ids only, never client data, and are chained and
append-only like events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from tablework.store.chain import insert_chained
from tablework.store.repo import Store, aware
from tablework.store.tables import audit, users


@dataclass
class AuditTrail:
    """One caller's pending audit rows (actor: an account email, `remote` or `cli`)."""

    actor: str
    address: str | None
    clock_at: datetime
    pending: list[tuple[str, str]] = field(default_factory=list)

    def add(self, action: str, record: str) -> None:
        """Remember that the caller did `action` (e.g. `read`, `event.create`) to `record`."""
        if (action, record) not in self.pending:
            self.pending.append((action, record))

    def write(self, conn: Connection, key: bytes) -> None:
        """Store the pending rows on `conn`, in its transaction, and forget them."""
        for action, record in self.pending:
            row = {
                "actor": self.actor,
                "action": action,
                "record": record,
                "at": self.clock_at,
                "address": self.address,
            }
            insert_chained(conn, key, "audit", audit, row)
        self.pending.clear()


def flush(store: Store, trail: AuditTrail) -> None:
    """Store what `trail` still holds (the reads of a request), in one transaction."""
    if trail.pending:
        with store.audited(trail).writing():
            pass


@dataclass(frozen=True)
class AuditRow:
    """One stored audit row."""

    actor: str
    action: str
    record: str
    at: datetime
    address: str | None


def rows(
    store: Store,
    *,
    records: list[str] | None = None,
    actor: str | None = None,
    clinic: str | None = None,
    limit: int = 1000,
) -> list[AuditRow]:
    """Audit rows, newest first, about `records` (ids), by `actor`, by accounts of `clinic`."""
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if clinic is not None:
        query = query.where(
            audit.c.actor.in_(select(users.c.email).where(users.c.clinic == clinic))
        )
    if records is not None:
        query = query.where(audit.c.record.in_(records))
    if actor is not None:
        query = query.where(audit.c.actor == actor)
    with store.engine.connect() as conn:
        found = conn.execute(query).all()
    return [AuditRow(r.actor, r.action, r.record, aware(r.at), r.address) for r in found]
