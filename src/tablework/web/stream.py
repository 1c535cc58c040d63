"""The live stream of a session: every stored event, as it is stored, over SSE.

Access is checked before the first byte. The stream replays the events after
`Last-Event-ID`, then waits for a wake-up from the notifier without holding a database
connection, reads what was stored since, and sends it; a heartbeat comment goes out while
nothing happens, so proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from tablework.protocols.loader import get
from tablework.session.engine import advise, replay
from tablework.session.events import SessionStarted, event_json
from tablework.session.state import State, apply, start
from tablework.store.repo import SessionRow, Store, StoredEvent
from tablework.web.access import VisibleSession
from tablework.web.deps import ServerDep
from tablework.web.screen import view

router = APIRouter(prefix="/api/sessions", tags=["sessions"])
RECHECK_SECONDS = 20.0
"""How often a quiet stream looks for events anyway, in case a wake-up was lost."""


@router.get(
    "/{session_id}/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 401: {}, 404: {}},
)
def stream(
    session: VisibleSession,
    server: ServerDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: Annotated[int, Query(ge=0, le=10**9, description="Start after this seq.")] = 0,
) -> EventSourceResponse:
    """One `recorded` message per stored event (`id` its seq), from after Last-Event-ID
    (or, on a first connection, after `after`: a screen that has drawn the session so far
    asks only for what comes next). Each message also carries the event's `actor` and the
    screen's `view` (web/screen.py)."""
    if last_event_id and last_event_id.isdigit():
        after = int(last_event_id)
    return EventSourceResponse(
        _messages(server, session, after), ping=server.settings.heartbeat_seconds
    )


RENDERED_CAPACITY = 1_024
"""Messages kept for the streams of one process: the newest events of the live sessions."""


class _Rendered:
    """Each stored event's stream message (its JSON text) and the state after it, made once
    and shared by every stream of the session in this process: the guidance and the screen's
    `view` are computed once per event, not once per subscriber. Bounded (oldest first);
    touched only on the event loop's thread."""

    def __init__(self, capacity: int = RENDERED_CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str, int], tuple[str, State]] = OrderedDict()

    def message(
        self, database: str, session: SessionRow, state: State | None, stored: StoredEvent
    ) -> tuple[str, State]:
        """The message for `stored` and the state after it, `state` being the state before."""
        key = (database, session.id, stored.seq)
        found = self._entries.get(key)
        if found is not None:
            return found
        after = _next_state(state, session, stored)
        message = {
            "seq": stored.seq,
            "event": event_json(stored.event),
            "guidance": advise(after).as_json(),
            "actor": stored.actor,
            "view": view(after),
        }
        made = (json.dumps(message), after)
        self._entries[key] = made
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return made


RENDERED = _Rendered()


async def _messages(
    server: ServerDep, session: SessionRow, after: int
) -> AsyncIterator[ServerSentEvent]:
    store = server.store
    database = _database(store)
    with server.notifier.watch(session.id) as signal:
        state = await run_in_threadpool(_state_at, store, session, after)
        while True:
            signal.clear()
            for stored in await run_in_threadpool(store.events, session.id, after):
                data, state = RENDERED.message(database, session, state, stored)
                yield ServerSentEvent(data, id=str(stored.seq), event="recorded")
                after = stored.seq
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), RECHECK_SECONDS)


def _database(store: Store) -> str:
    from tablework import recorder

    return recorder.database_of(store)


def _state_at(store: Store, session: SessionRow, seq: int) -> State | None:
    """The session's state after event `seq` (None before its first event): the live-state
    cache's when it holds exactly that seq (a screen resuming where it stands, the usual
    case), else a replay of the events up to it."""
    if seq <= 0:
        return None
    from tablework import recorder

    cached_seq, cached = recorder.current(store, session.id)
    if cached_seq == seq:
        return cached
    events = [s.event for s in store.events(session.id)[:seq]]
    return replay(get(session.protocol), events)


def _next_state(state: State | None, session: SessionRow, stored: StoredEvent) -> State:
    if state is None:
        if not isinstance(stored.event, SessionStarted):
            raise ValueError("a session's first event must be session_started")
        return start(stored.event, get(session.protocol))
    return apply(state, stored.event)
