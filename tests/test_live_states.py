"""The live-state cache: a post folds one event onto the cached state, not the session."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from statement_count import statements
from tablework import recorder
from tablework.live_states import LIVE, LiveStates
from tablework.protocols.loader import get
from tablework.session.events import CheckIn, Note, SessionStarted
from tablework.session.state import State, start
from tablework.store.repo import Store

OPENING = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1, pain_before=6)


def live_session(store: Store) -> str:
    client = store.add_client("Invented Client")
    return recorder.open_session(store, client, OPENING).stored.session_id


def a_state() -> State:
    protocol = get("acute-low-back-spasm")
    return start(OPENING.model_copy(update={"protocol": protocol.ref}), protocol)


def test_a_post_sends_as_many_statements_late_in_a_session_as_early(store: Store) -> None:
    session = live_session(store)
    with statements(store.engine) as early:
        recorder.record(store, session, Note(at=1, text="early"))
    for at in range(2, 60):
        recorder.record(store, session, Note(at=at, text="more"))
    with statements(store.engine) as late:
        recorder.record(store, session, Note(at=100, text="late"))
    assert len(late) == len(early)
    assert not any("FROM events" in s and "ORDER BY events.seq" in s for s in late)


def test_a_post_after_another_writer_is_judged_on_the_whole_session(
    store: Store, database_url: str
) -> None:
    session = live_session(store)
    recorder.record(store, session, Note(at=1, text="cached"))
    elsewhere = Store(store.engine, key=store.key)
    elsewhere.append(session, CheckIn(at=2, pressure="good", pain=4))  # past the cache
    saved = recorder.record(store, session, Note(at=3, text="after a conflict"))
    assert saved.stored.seq == 4
    assert saved.state.last_pain == 4


def test_a_retried_post_returns_the_stored_event(store: Store) -> None:
    session = live_session(store)
    first = recorder.record(store, session, Note(at=1, text="once"), idempotency_key="k-1")
    again = recorder.record(store, session, Note(at=1, text="once"), idempotency_key="k-1")
    assert again.stored == first.stored
    assert len(store.events(session)) == 2


def test_the_cache_keeps_only_its_capacity_least_recently_used_first() -> None:
    cache = LiveStates(capacity=2)
    state = a_state()
    cache.put("db", "a", 1, state)
    cache.put("db", "b", 1, state)
    assert cache.get("db", "a") is not None
    cache.put("db", "c", 1, state)
    assert cache.get("db", "b") is None and len(cache) == 2


def test_the_cache_never_goes_back_to_an_older_seq() -> None:
    cache = LiveStates()
    state = a_state()
    cache.put("db", "a", 5, state)
    cache.put("db", "a", 4, state)
    found = cache.get("db", "a")
    assert found is not None and found.last_seq == 5


def test_the_cache_is_safe_to_share_between_threads() -> None:
    cache = LiveStates(capacity=50)
    state = a_state()

    def churn(name: str) -> None:
        for n in range(500):
            cache.put("db", f"{name}-{n % 80}", n, state)
            cache.get("db", f"{name}-{(n * 7) % 80}")
            if n % 9 == 0:
                cache.forget("db", f"{name}-{n % 80}")

    threads = [threading.Thread(target=churn, args=(str(i),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) <= 50


def test_the_process_cache_holds_the_sessions_it_recorded(store: Store) -> None:
    session = live_session(store)
    recorder.record(store, session, Note(at=1, text="held"))
    found = LIVE.get(recorder._database(store), session)
    assert found is not None and found.last_seq == 2


def test_streams_of_one_session_share_each_events_message(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every stream of a session in a process sends the same message for an event: the
    guidance and the screen's view are computed once per event, not once per subscriber."""
    from tablework.web import stream

    session_id = live_session(store)
    recorder.record(store, session_id, Note(at=5, text="settled"))
    session, events = store.session(session_id), store.events(session_id)
    views: list[int] = []
    real_view = stream.view

    def counted(state: State) -> Any:
        views.append(1)
        return real_view(state)

    monkeypatch.setattr(stream, "view", counted)
    rendered = stream._Rendered()
    database = recorder.database_of(store)
    for _subscriber in range(3):
        state = None
        sent = []
        for stored in events:
            data, state = rendered.message(database, session, state, stored)
            sent.append(json.loads(data))
        assert [m["seq"] for m in sent] == [1, 2]
        assert sent[1]["event"]["text"] == "settled"
    assert len(views) == len(events)
