"""Outcomes read from session summaries: one query, no replay, few imports.

`tablework outcomes` and the server's outcome pages call these on every request, so they
must not grow with a session's length, nor import the document builders.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tablework.outcomes import SessionOutcome, Tally
from tablework.store.repo import Store
from tablework.store.tables import session_summaries

_TALLY = select(
    session_summaries.c.protocol,
    session_summaries.c.ended,
    session_summaries.c.responder,
    func.count(),
).group_by(session_summaries.c.protocol, session_summaries.c.ended, session_summaries.c.responder)


def client_outcomes(store: Store, client_id: str | None = None) -> list[SessionOutcome]:
    """Outcomes of every session (of one client, or all), oldest first."""
    return [
        SessionOutcome(
            session_id=summary.session_id,
            client_id=summary.client_id,
            protocol=summary.protocol,
            session_index=summary.session_index,
            started_at=summary.started_at.isoformat(),
            pain_before=summary.pain_before,
            pain_after=summary.pain_after,
            responder=summary.responder if summary.ended else None,
            psfs_mean=summary.psfs_mean,
            complete=summary.ended,
        )
        for summary in store.summaries(client_id)
    ]


def outcome_tallies(store: Store) -> list[Tally]:
    """How many sessions of each pinned protocol ended, responded or not: counted by the
    database, so the rates cost the same at a hundred sessions or a million."""
    with store.engine.connect() as conn:
        return [
            Tally(protocol, bool(ended), None if responder is None else bool(responder), count)
            for protocol, ended, responder, count in conn.execute(_TALLY)
        ]
