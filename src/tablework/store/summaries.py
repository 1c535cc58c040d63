"""Per-session summaries: what lists, outcomes, trends and the day's plan read, one row each.

A summary is derived from the session's events (and the intake linked to it), and written
in the same transaction as the event that changes it, so reading one never replays a
session. `rebuild` recomputes every summary from the events; `compare` says which stored
summaries differ from what the events say (`db check`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from tablework.outcomes import is_responder, psfs_mean
from tablework.store import outcome_counts
from tablework.store.tables import events, intakes, session_intakes, session_summaries, sessions

if TYPE_CHECKING:
    from tablework.session.events import Event
    from tablework.session.state import State

BATCH = 2_000
"""Sessions recomputed per batch by `rebuild` and `compare`, to keep memory flat."""


@dataclass(frozen=True)
class Standing:
    """Where a session stands after its latest event: the columns an event can change."""

    pain_before: int | None
    pain_after: int | None
    responder: bool | None
    ended: bool
    reactive_areas: tuple[str, ...]

    def columns(self) -> dict[str, Any]:
        return {
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "responder": self.responder,
            "ended": self.ended,
            "reactive_areas": list(self.reactive_areas),
        }


NOT_STARTED = Standing(None, None, None, False, ())
"""A session header with no events yet."""


def standing(state: State) -> Standing:
    """The summary columns of a session in `state` (responder only once it has ended)."""
    responder = (
        is_responder(state.pain_before, state.pain_after, state.protocol.outcomes.responder)
        if state.ended
        else None
    )
    return Standing(
        state.pain_before,
        state.pain_after,
        responder,
        state.ended,
        tuple(sorted(state.reactive_areas)),
    )


def replayed(protocol_ref: str, stored: Sequence[Event]) -> Standing:
    """The standing of a session from its events (NOT_STARTED without a valid opening).

    Events the engine refuses (written past it, straight to the store) are skipped, so a
    session damaged that way still has a summary, of what the engine would accept.
    """
    from tablework.session.events import EventError, SessionStarted

    if not stored or not isinstance(stored[0], SessionStarted):
        return NOT_STARTED
    from tablework.protocols.loader import get
    from tablework.session.state import apply, start

    try:
        state = start(stored[0], get(protocol_ref))
    except EventError:
        return NOT_STARTED
    for event in stored[1:]:
        try:
            state = apply(state, event)
        except EventError:
            continue
    return standing(state)


@dataclass(frozen=True)
class SessionSummary:
    """One session as lists, outcomes and the day's plan see it, read without a replay."""

    session_id: str
    client_id: str
    protocol: str
    session_index: int
    started_at: datetime
    pain_before: int | None
    pain_after: int | None
    responder: bool | None
    ended: bool
    reactive_areas: tuple[str, ...]
    psfs_mean: float | None
    last_seq: int


def summary_from_row(row: Any) -> SessionSummary:
    """A stored summary row as a SessionSummary (times in UTC)."""
    started = row.started_at
    return SessionSummary(
        row.session_id,
        row.client_id,
        row.protocol,
        row.session_index,
        started if started.tzinfo is not None else started.replace(tzinfo=UTC),
        row.pain_before,
        row.pain_after,
        None if row.responder is None else bool(row.responder),
        bool(row.ended),
        tuple(row.reactive_areas),
        row.psfs_mean,
        row.last_seq,
    )


# Writes, on the transaction that stores the event (Store.writing()).


def insert_summary(conn: Connection, header: dict[str, Any]) -> None:
    """A new session's summary row, before any event: not started, nothing rated."""
    conn.execute(
        _INSERT,
        {
            "session_id": header["id"],
            "client_id": header["client_id"],
            "protocol": header["protocol"],
            "session_index": header["session_index"],
            "started_at": header["started_at"],
            "psfs_mean": None,
            "last_seq": 0,
            **NOT_STARTED.columns(),
        },
    )


def record_standing(conn: Connection, session_id: str, now: Standing, last_seq: int) -> None:
    """The session's summary after the event at `last_seq` (and, once the session has
    ended, its client's outcome counts: only an ended session is rated)."""
    conn.execute(_UPDATE_STANDING, {"key": session_id, "last_seq": last_seq, **now.columns()})
    if now.ended:
        client_id = outcome_counts.client_rows_of(conn, session_id)
        outcome_counts.recount(conn, [client_id] if client_id else [])


def record_standing_replayed(conn: Connection, session_id: str) -> None:
    """The session's summary recomputed from its stored events (for writers without a state)."""
    from tablework.session.events import parse_event

    protocol = conn.scalar(select(sessions.c.protocol).where(sessions.c.id == session_id))
    rows = conn.execute(_EVENTS_OF, {"key": session_id}).all()
    found = [parse_event(row.payload) for row in rows]
    record_standing(conn, session_id, replayed(str(protocol), found), len(found))


def record_psfs(conn: Connection, session_id: str, intake: dict[str, Any]) -> None:
    """The session's PSFS mean, from the intake just linked to it."""
    conn.execute(_UPDATE_PSFS, {"key": session_id, "psfs_mean": intake_psfs(intake)})


def intake_psfs(intake: dict[str, Any]) -> float | None:
    """The PSFS mean of a stored intake (None when it has no PSFS)."""
    answers = intake.get("answers")
    activities = answers.get("psfs") if isinstance(answers, dict) else None
    if not activities:
        return None
    return psfs_mean([int(activity["score"]) for activity in activities])


# Rebuild and compare, for `db rebuild` and `db check`.


@dataclass(frozen=True)
class Expected:
    """A session's summary as its events and intake say it should be."""

    session_id: str
    columns: dict[str, Any]


def expected(engine: Engine) -> Iterator[Expected]:
    """Every session's summary recomputed from its stored events, oldest session first."""
    with engine.connect() as conn:
        headers = conn.execute(select(sessions).order_by(sessions.c.id)).all()
    for start_at in range(0, len(headers), BATCH):
        yield from _expected_batch(engine, headers[start_at : start_at + BATCH])


def rebuild(engine: Engine) -> int:
    """Recompute every summary from the events, and the outcome counts from the summaries,
    in one write transaction; return how many summaries.

    It takes its turn on the chain first, so no event is stored while it recomputes: no
    summary can be left behind by a post that raced the rebuild.
    """
    from tablework.store.chain import take_turn
    from tablework.store.database import WRITE

    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        take_turn(conn)
        count = rebuild_on(conn)
        outcome_counts.recount_all(conn)
        return count


def rebuild_on(conn: Connection) -> int:
    """Recompute every summary on an open transaction (a migration step; from revision
    0009 on, `outcome_counts.recount_all` follows it)."""
    headers = conn.execute(select(sessions).order_by(sessions.c.id)).all()
    conn.execute(session_summaries.delete())
    count = 0
    for start_at in range(0, len(headers), BATCH):
        batch = list(_expected_on(conn, headers[start_at : start_at + BATCH]))
        _insert_all(conn, batch)
        count += len(batch)
    return count


def compare(engine: Engine) -> Iterator[str]:
    """Sessions whose stored summary differs from (or is missing for) what the events say."""
    with engine.connect() as conn:
        stored = {row.session_id: row for row in conn.execute(select(session_summaries))}
    for found in expected(engine):
        row = stored.pop(found.session_id, None)
        if row is None:
            yield f"session {found.session_id} has no summary"
            continue
        differing = sorted(
            name
            for name, value in found.columns.items()
            if _stored_value(row, name) != (_naive(value) if name == "started_at" else value)
        )
        if differing:
            yield f"session {found.session_id}: summary differs in {', '.join(differing)}"
    for session_id in sorted(stored):
        yield f"summary of session {session_id} has no session"


def _stored_value(row: Any, name: str) -> Any:
    value = getattr(row, name)
    if name == "reactive_areas":
        return list(value)
    if name == "started_at":
        return _naive(value)
    if name in ("responder", "ended") and value is not None:
        return bool(value)
    return value


def _expected_batch(engine: Engine, headers: Sequence[Any]) -> Iterator[Expected]:
    with engine.connect() as conn:
        yield from list(_expected_on(conn, headers))


def _expected_on(conn: Connection, headers: Sequence[Any]) -> Iterator[Expected]:
    from tablework.session.events import parse_event

    ids = [h.id for h in headers]
    by_session: dict[str, list[Event]] = {}
    rows = conn.execute(
        select(events.c.session_id, events.c.payload)
        .where(events.c.session_id.in_(ids))
        .order_by(events.c.session_id, events.c.seq)
    )
    for session_id, group in groupby(rows, key=lambda row: row.session_id):
        by_session[session_id] = [parse_event(row.payload) for row in group]
    linked = conn.execute(
        select(session_intakes.c.session_id, intakes.c.intake)
        .join(intakes, intakes.c.id == session_intakes.c.intake_id)
        .where(session_intakes.c.session_id.in_(ids))
    )
    psfs = {row.session_id: intake_psfs(row.intake) for row in linked}
    for header in headers:
        found = by_session.get(header.id, [])
        yield Expected(
            header.id,
            {
                "client_id": header.client_id,
                "protocol": header.protocol,
                "session_index": header.session_index,
                "started_at": header.started_at,
                "psfs_mean": psfs.get(header.id),
                "last_seq": len(found),
                **replayed(header.protocol, found).columns(),
            },
        )


def _insert_all(conn: Connection, found: Iterable[Expected]) -> None:
    rows = [{"session_id": f.session_id, **f.columns} for f in found]
    if rows:
        conn.execute(insert(session_summaries), rows)


def _naive(value: datetime) -> datetime:
    # Compared in UTC without a zone: SQLite hands back naive UTC, PostgreSQL aware times.
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


_INSERT = insert(session_summaries)
_EVENTS_OF = (
    select(events.c.payload).where(events.c.session_id == bindparam("key")).order_by(events.c.seq)
)
_UPDATE_STANDING = (
    update(session_summaries)
    .where(session_summaries.c.session_id == bindparam("key"))
    .values(
        {
            name: bindparam(name)
            for name in ("pain_before", "pain_after", "responder", "ended", "reactive_areas")
        }
        | {"last_seq": bindparam("last_seq")}
    )
)
_UPDATE_PSFS = (
    update(session_summaries)
    .where(session_summaries.c.session_id == bindparam("key"))
    .values(psfs_mean=bindparam("psfs_mean"))
)
