"""Responder counts per client and protocol, kept beside the session summaries.

The clinic-wide responder rates add these rows up (one per client and protocol) instead of
grouping every session summary, so they grow with the clinic's clients, not its sessions.
A client's rows are recounted from its own summaries (an index range of that client) in
the transaction that ends one of its sessions; `recount_all` is `db rebuild`'s step and
`compare` is `db check`'s.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, func, insert, select

from tablework.store.tables import outcome_counts, session_summaries

_RATED = select(
    session_summaries.c.client_id,
    session_summaries.c.protocol,
    func.count().label("rated"),
    func.sum(case((session_summaries.c.responder, 1), else_=0)).label("responders"),
).where(session_summaries.c.responder.is_not(None))
_GROUPS = (session_summaries.c.client_id, session_summaries.c.protocol)
_COLUMNS = ["client_id", "protocol", "rated", "responders"]


def recount(conn: Connection, client_ids: Collection[str]) -> None:
    """Recount these clients' rows from their summaries, on the writer's transaction."""
    if not client_ids:
        return
    ids = list(client_ids)
    conn.execute(delete(outcome_counts).where(outcome_counts.c.client_id.in_(ids)))
    counted = _RATED.where(session_summaries.c.client_id.in_(ids)).group_by(*_GROUPS)
    conn.execute(insert(outcome_counts).from_select(_COLUMNS, counted))


def recount_all(conn: Connection) -> int:
    """Recount every row from the summaries (after `db rebuild` recomputed them)."""
    conn.execute(delete(outcome_counts))
    conn.execute(insert(outcome_counts).from_select(_COLUMNS, _RATED.group_by(*_GROUPS)))
    return int(conn.scalar(select(func.count()).select_from(outcome_counts)) or 0)


def client_rows_of(conn: Connection, session_id: str) -> str | None:
    """The client whose counts a session's summary feeds."""
    found = conn.scalar(
        select(session_summaries.c.client_id).where(session_summaries.c.session_id == session_id)
    )
    return None if found is None else str(found)


def compare(engine: Engine) -> Iterator[str]:
    """Rows that differ from (or are missing beside) the counts of the summaries."""
    with engine.connect() as conn:
        stored = {(r.client_id, r.protocol): _pair(r) for r in conn.execute(select(outcome_counts))}
        counted = {
            (r.client_id, r.protocol): _pair(r) for r in conn.execute(_RATED.group_by(*_GROUPS))
        }
    for key in sorted(stored.keys() | counted.keys()):
        have, want = stored.get(key), counted.get(key)
        if have != want:
            client_id, protocol = key
            yield (
                f"client {client_id}, {protocol}: counts say {_said(have)}, "
                f"the summaries {_said(want)}"
            )


def _pair(row: Any) -> tuple[int, int]:
    return int(row.rated), int(row.responders)


def _said(pair: tuple[int, int] | None) -> str:
    return "nothing" if pair is None else f"{pair[1]} of {pair[0]} responded"
