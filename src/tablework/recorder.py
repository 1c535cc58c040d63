"""Live sessions on the store: validate each event with the engine, then append it.

This is the one path from a command to the record: take the session's state (from the
live-state cache, or by replaying its events), let the engine accept or reject the new
event, append it at the next position with the session's new summary, and answer with the
guidance. If another device appended first, reload and decide again. A session
recorded elsewhere (a simulator script, the demo) is checked by the same engine and stored
whole by `save_session`, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tablework.live_states import LIVE
from tablework.protocols.loader import get
from tablework.protocols.schema import Protocol
from tablework.session.engine import advise, replay
from tablework.session.events import Event, EventError, History, PastSession, SessionStarted
from tablework.session.guidance import Guidance
from tablework.session.simulator import Simulation, run
from tablework.session.state import State, apply, start
from tablework.store.intakes import insert_intake, insert_link
from tablework.store.repo import (
    SeqConflict,
    Store,
    StoredEvent,
    check_idempotency_key,
    insert_client,
    insert_events,
    insert_session,
    same_retry,
)
from tablework.store.summaries import standing

MAX_RETRIES = 20


@dataclass(frozen=True)
class Recorded:
    """An event as stored, and what the therapist should do next."""

    stored: StoredEvent
    state: State
    guidance: Guidance


def open_session(
    store: Store,
    client_id: str,
    opening: SessionStarted,
    *,
    actor: str | None = None,
    intake_id: str | None = None,
) -> Recorded:
    """Create a session for a client from its `session_started` event, in one transaction."""
    protocol, pinned = _pinned(store, opening, client_id)
    state = start(pinned, protocol)
    at = store.clock()
    with store.writing() as conn:
        session_id = insert_session(conn, client_id, protocol.ref, pinned.session_index, at)
        if intake_id is not None:
            insert_link(conn, session_id, intake_id)
        (stored,) = insert_events(
            conn,
            store.key,
            session_id,
            [pinned],
            first_seq=1,
            at=at,
            actor=actor,
            standing=standing(state),
        )
    LIVE.put(_database(store), session_id, stored.seq, state)
    return Recorded(stored, state, advise(state))


@dataclass(frozen=True)
class NewIntake:
    """An intake to store with a session, as the client's next intake version."""

    intake: dict[str, Any]
    screening: dict[str, Any]


@dataclass(frozen=True)
class Saved:
    """A whole session as saved: its ids and its final state."""

    client_id: str
    session_id: str
    state: State


def save_session(
    store: Store,
    opening: SessionStarted,
    events: Sequence[Event],
    *,
    client_id: str | None = None,
    client_name: str = "Unnamed client",
    intake: NewIntake | None = None,
    actor: str | None = None,
) -> Saved:
    """Store a whole session at once: client (new unless `client_id`), intake, every event.

    One transaction: killed at any point, the database holds all of it or none of it.
    Every event is checked by the engine first (EventError if one is invalid).
    """
    protocol, pinned = _pinned(store, opening, client_id)
    state = start(pinned, protocol)
    for event in events:
        state = apply(state, event)
    at = store.clock()
    with store.writing() as conn:
        if client_id is None:
            client_id = insert_client(conn, client_name, at)
        session_id = insert_session(conn, client_id, protocol.ref, pinned.session_index, at)
        if intake is not None:
            stored = insert_intake(conn, client_id, intake.intake, intake.screening, at)
            insert_link(conn, session_id, stored.id)
        insert_events(
            conn,
            store.key,
            session_id,
            [pinned, *events],
            first_seq=1,
            at=at,
            actor=actor,
            standing=standing(state),
        )
    return Saved(client_id, session_id, state)


def _pinned(
    store: Store, opening: SessionStarted, client_id: str | None
) -> tuple[Protocol, SessionStarted]:
    """The opening event pinned to its protocol version, with the client's history (their
    earlier sessions, for the day's plan) when it does not carry one."""
    protocol = get(opening.protocol)
    update: dict[str, object] = {"protocol": protocol.ref}
    if opening.history is None and client_id is not None:
        history = history_for(store, client_id, protocol.id)
        if history.sessions:
            update["history"] = history
    return protocol, opening.model_copy(update=update)


def load(store: Store, session_id: str) -> tuple[Protocol, State, list[StoredEvent]]:
    """A stored session rebuilt by replaying its events under its pinned protocol."""
    row = store.session(session_id)
    protocol = get(row.protocol)
    stored = store.events(session_id)
    return protocol, replay(protocol, [s.event for s in stored]), stored


def trace(store: Store, session_id: str) -> Simulation:
    """A stored session's guidance trace, exactly as the simulator would print it."""
    row = store.session(session_id)
    protocol = get(row.protocol)
    stored = store.events(session_id)
    opening = stored[0].event if stored else None
    if not isinstance(opening, SessionStarted):
        raise EventError(f"session {session_id} does not begin with session_started")
    return run(protocol, opening, [s.event for s in stored[1:]])


def record(
    store: Store,
    session_id: str,
    event: Event,
    *,
    idempotency_key: str | None = None,
    actor: str | None = None,
) -> Recorded:
    """Check `event` against the session and append it; raise EventError if it is invalid.

    The session's state comes from the live-state cache when it holds the session's last
    seq; a miss, or a seq conflict with another writer, reloads and replays it once.
    """
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
        earlier = store.event_by_key(session_id, idempotency_key)
        if earlier is not None:
            _, state, _ = _reloaded(store, session_id)
            return Recorded(same_retry(earlier, event), state, advise(state))
    database = _database(store)
    for _ in range(MAX_RETRIES):
        last_seq, state, cached = _live(store, session_id)
        try:
            new_state = apply(state, event)
        except EventError:
            if not cached:
                raise
            LIVE.forget(database, session_id)  # judged on a stale state: judge afresh
            continue
        try:
            saved = store.append(
                session_id,
                event,
                idempotency_key=idempotency_key,
                actor=actor,
                expected_seq=last_seq + 1,
                standing=standing(new_state),
            )
        except SeqConflict:
            LIVE.forget(database, session_id)
            continue
        if saved.seq != last_seq + 1:  # the idempotency key matched a racing retry
            _, new_state, _ = _reloaded(store, session_id)
        else:
            LIVE.put(database, session_id, saved.seq, new_state)
        return Recorded(saved, new_state, advise(new_state))
    raise SeqConflict(f"session {session_id} is changing too fast to record into")


def current(store: Store, session_id: str) -> tuple[int, State]:
    """The session's last seq and state now, from the live-state cache when it holds them
    (no replay): what a caller needs to decide which event to record next."""
    last_seq, state, _ = _live(store, session_id)
    return last_seq, state


def _live(store: Store, session_id: str) -> tuple[int, State, bool]:
    """The session's last seq and state, and whether they came from the cache."""
    found = LIVE.get(_database(store), session_id)
    if found is not None:
        return found.last_seq, found.state, True
    last_seq, state, _ = _reloaded(store, session_id)
    return last_seq, state, False


def _reloaded(store: Store, session_id: str) -> tuple[int, State, list[StoredEvent]]:
    """The session replayed from the store, and kept in the cache."""
    _, state, stored = load(store, session_id)
    LIVE.put(_database(store), session_id, len(stored), state)
    return len(stored), state, stored


def _database(store: Store) -> str:
    # Sessions are keyed per database: a restored copy holds the same session ids.
    return f"{store.engine.url}#{id(store.engine)}"


database_of = _database
"""The key of `store`'s database in the process's caches of sessions."""


def history_for(store: Store, client_id: str, protocol_id: str) -> History:
    """The client's earlier sessions under `protocol_id`, as the day's plan needs them:
    read from their summaries, one query."""
    past = [
        PastSession(
            pain_before=summary.pain_before,
            pain_after=summary.pain_after,
            reactive_areas=summary.reactive_areas,
            ended=summary.ended,
        )
        for summary in store.summaries(client_id)
        if summary.protocol.partition("@")[0] == protocol_id and summary.last_seq > 0
    ]
    return History(sessions=tuple(past))
