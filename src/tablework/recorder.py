"""Live sessions on the store: validate each event with the engine, then append it.

This is the one path from a command to the record: load the session, replay its events,
let the engine accept or reject the new event, append it at the next position, and answer
with the guidance. If another device appended first, reload and decide again.
"""

from __future__ import annotations

from dataclasses import dataclass

from tablework.protocols.loader import get
from tablework.protocols.schema import Protocol
from tablework.session.engine import advise, replay
from tablework.session.events import Event, EventError, History, PastSession, SessionStarted
from tablework.session.guidance import Guidance
from tablework.session.simulator import Simulation, run
from tablework.session.state import State, apply, start
from tablework.store.repo import SeqConflict, Store, StoredEvent

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
    """Create a session for a client from its `session_started` event."""
    protocol = get(opening.protocol)
    update: dict[str, object] = {"protocol": protocol.ref}
    if opening.history is None:
        history = history_for(store, client_id, protocol.id)
        if history.sessions:
            update["history"] = history
    pinned = opening.model_copy(update=update)
    state = start(pinned, protocol)
    session_id = store.create_session(client_id, protocol.ref, pinned.session_index)
    if intake_id is not None:
        from tablework.store.intakes import link_session

        link_session(store, session_id, intake_id)
    stored = store.append(session_id, pinned, actor=actor, expected_seq=1)
    return Recorded(stored, state, advise(state))


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
    """Check `event` against the session and append it; raise EventError if it is invalid."""
    for _ in range(MAX_RETRIES):
        _, state, stored = load(store, session_id)
        if idempotency_key is not None:
            earlier = next((s for s in stored if s.idempotency_key == idempotency_key), None)
            if earlier is not None:
                return Recorded(earlier, state, advise(state))
        new_state = apply(state, event)
        try:
            saved = store.append(
                session_id,
                event,
                idempotency_key=idempotency_key,
                actor=actor,
                expected_seq=len(stored) + 1,
            )
        except SeqConflict:
            continue
        if saved.seq != len(stored) + 1:  # the idempotency key matched a racing retry
            _, new_state, _ = load(store, session_id)
        return Recorded(saved, new_state, advise(new_state))
    raise SeqConflict(f"session {session_id} is changing too fast to record into")


def history_for(store: Store, client_id: str, protocol_id: str) -> History:
    """The client's earlier sessions under `protocol_id`, as the day's plan needs them."""
    past = []
    for session_id in store.session_ids(client_id):
        row = store.session(session_id)
        if row.protocol.partition("@")[0] != protocol_id:
            continue
        stored = store.events(session_id)
        if not stored or not isinstance(stored[0].event, SessionStarted):
            continue
        state = replay(get(row.protocol), [s.event for s in stored])
        past.append(
            PastSession(
                pain_before=state.pain_before,
                pain_after=state.pain_after,
                reactive_areas=tuple(sorted(state.reactive_areas)),
                ended=state.ended,
            )
        )
    return History(sessions=tuple(past))
