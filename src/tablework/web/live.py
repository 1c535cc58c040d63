"""What the API says about a live session: its header, the guidance now, each event."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tablework.protocols.loader import get
from tablework.session.engine import advise, replay
from tablework.session.events import event_json
from tablework.store.repo import SessionRow, Store, StoredEvent


class SessionOut(BaseModel):
    id: str
    client_id: str
    protocol: str
    session_index: int
    ended: bool
    last_seq: int
    guidance: dict[str, Any]


class EventOut(BaseModel):
    seq: int
    event: dict[str, Any]
    guidance: dict[str, Any]


class StoredEventOut(BaseModel):
    seq: int
    event: dict[str, Any]
    actor: str | None
    recorded_at: str


def seconds_into(store: Store, session: SessionRow) -> float:
    """Seconds since the session began, by the server's clock (one decimal)."""
    return round(max(0.0, (store.clock() - session.started_at).total_seconds()), 1)


def session_now(store: Store, session: SessionRow) -> SessionOut:
    """The session with the guidance advised at the server's now (an overdue check-in
    shows without a new event)."""
    from tablework import recorder

    _, state, stored = recorder.load(store, session.id)
    guidance = advise(state, seconds_into(store, session))
    return SessionOut(
        id=session.id,
        client_id=session.client_id,
        protocol=session.protocol,
        session_index=session.session_index,
        ended=state.ended,
        last_seq=stored[-1].seq if stored else 0,
        guidance=guidance.as_json(),
    )


def event_out(store: Store, session: SessionRow, stored: StoredEvent) -> EventOut:
    """A stored event with the guidance that followed it (replayed up to it)."""
    events = [s.event for s in store.events(session.id)[: stored.seq]]
    state = replay(get(session.protocol), events)
    return EventOut(
        seq=stored.seq, event=event_json(stored.event), guidance=advise(state).as_json()
    )


def stored_out(stored: StoredEvent) -> StoredEventOut:
    return StoredEventOut(
        seq=stored.seq,
        event=event_json(stored.event),
        actor=stored.actor,
        recorded_at=stored.recorded_at.isoformat(),
    )
