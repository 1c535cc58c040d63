"""Outcomes read from session summaries: one query, no replay, few imports.

`tablework outcomes` and the server's outcome pages call these on every request, so they
must not grow with a session's length, nor import the document builders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from tablework.outcomes import SessionOutcome, Tally
from tablework.store.repo import Store
from tablework.store.summaries import summary_from_row
from tablework.store.tables import outcome_counts, session_summaries

_TALLY = select(
    session_summaries.c.protocol,
    session_summaries.c.ended,
    session_summaries.c.responder,
    func.count(),
).group_by(session_summaries.c.protocol, session_summaries.c.ended, session_summaries.c.responder)


def client_outcomes(store: Store, client_id: str | None = None) -> list[SessionOutcome]:
    """Outcomes of every session (of one client, or all), oldest first."""
    return [_outcome(summary) for summary in store.summaries(client_id)]


def outcomes_within(store: Store, client_ids: Any) -> list[SessionOutcome]:
    """Outcomes of the sessions of the clients `client_ids` selects (a SELECT of ids, such
    as the caller's visible clients), oldest first: one query however many clients."""
    query = (
        select(session_summaries)
        .where(session_summaries.c.client_id.in_(client_ids))
        .order_by(session_summaries.c.started_at, session_summaries.c.session_id)
    )
    with store.engine.connect() as conn:
        return [_outcome(summary_from_row(row)) for row in conn.execute(query)]


def tallies_within(store: Store, visible: Callable[[Any], Any]) -> list[Tally]:
    """The rated sessions of the clients `visible` lets through (a condition on a client-id
    column, such as store.access.visible for the caller), responders and not, per pinned
    protocol: added up from their outcome counts (one row per client and protocol), so it
    grows with the clients, not with their sessions."""
    query = (
        select(
            outcome_counts.c.protocol,
            func.sum(outcome_counts.c.rated),
            func.sum(outcome_counts.c.responders),
        )
        .where(visible(outcome_counts.c.client_id))
        .group_by(outcome_counts.c.protocol)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        tally
        for protocol, rated, responders in rows
        for tally in (
            Tally(protocol, True, True, int(responders)),
            Tally(protocol, True, False, int(rated) - int(responders)),
        )
        if tally.sessions
    ]


def _outcome(summary: Any) -> SessionOutcome:
    return SessionOutcome(
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


def outcome_tallies(store: Store) -> list[Tally]:
    """How many sessions of each pinned protocol ended, responded or not: counted by the
    database, so the rates cost the same at a hundred sessions or a million."""
    with store.engine.connect() as conn:
        return [
            Tally(protocol, bool(ended), None if responder is None else bool(responder), count)
            for protocol, ended, responder, count in conn.execute(_TALLY)
        ]
