"""The live stream, through real server processes: in order, nothing lost on reconnect,
heartbeats while quiet, and across two processes on PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tablework.store import tokens
from tablework.store.accounts import add_user
from tablework.store.repo import Store
from tablework.web.stream import RECHECK_SECONDS
from web_helpers import PASSWORD, PROCEED
from web_server import Listener, server_process

POSITIONED = {"type": "positioned", "position": "prone", "supports": ["hip_pillow_asis"]}


@pytest.fixture
def alice_token(store: Store) -> str:
    alice = add_user(store, "alice@example.org", "therapist", PASSWORD)
    return tokens.issue(store, alice, "bearer", timedelta(hours=1)).secret


@pytest.fixture
def server(store: Store, record_key_file: Path) -> Iterator[str]:
    with server_process(_url(store), record_key_file) as base:
        yield base


def test_a_stream_sends_each_event_then_resumes_after_last_event_id(
    server: str, alice_token: str
) -> None:
    session = _start(server, alice_token)
    stream = f"{server}/api/sessions/{session}/stream"
    with Listener(stream, alice_token) as listener:
        assert [m["id"] for m in listener.take(1)] == [1]
        _post(server, alice_token, session, {**POSITIONED, "at": 10})
        message = listener.take(1)[0]
        assert message["event"] == "recorded"
        assert message["data"]["seq"] == 2
        assert message["data"]["event"]["type"] == "positioned"
        assert "action" in message["data"]["guidance"]
    for at in (20, 30):
        _post(server, alice_token, session, {"type": "note", "at": at, "text": "fine"})
    with Listener(stream, alice_token, last_event_id=2) as listener:
        assert [m["id"] for m in listener.take(2)] == [3, 4]
        assert listener.take(1, seconds=0.5) == []


def test_a_quiet_stream_sends_heartbeats(server: str, alice_token: str) -> None:
    session = _start(server, alice_token)
    with Listener(f"{server}/api/sessions/{session}/stream", alice_token) as listener:
        assert listener.comments.get(timeout=5).startswith(":")


def test_a_stream_of_another_therapists_session_is_404(
    server: str, alice_token: str, store: Store
) -> None:
    bob = add_user(store, "bob@example.org", "therapist", PASSWORD)
    bob_token = tokens.issue(store, bob, "bearer", timedelta(hours=1)).secret
    session = _start(server, alice_token)
    answer = httpx.get(
        f"{server}/api/sessions/{session}/stream",
        headers={"Authorization": f"Bearer {bob_token}"},
        timeout=5,
    )
    assert answer.status_code == 404


def test_an_event_posted_to_one_process_reaches_a_stream_held_by_another(
    store: Store, record_key_file: Path, alice_token: str
) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("several server processes share a database on PostgreSQL only")
    url = _url(store)
    with server_process(url, record_key_file) as one, server_process(url, record_key_file) as two:
        session = _start(one, alice_token)
        stream = f"{one}/api/sessions/{session}/stream"
        with Listener(stream, alice_token) as listener:
            assert [m["id"] for m in listener.take(1)] == [1]
            posted = time.monotonic()
            for at in (10, 20, 30):
                _post(two, alice_token, session, {"type": "note", "at": at, "text": "fine"})
            assert [m["id"] for m in listener.take(3)] == [2, 3, 4]
            # woken by NOTIFY, not by the stream's slow recheck for lost wake-ups
            assert time.monotonic() - posted < RECHECK_SECONDS / 2
        _post(two, alice_token, session, {"type": "note", "at": 40, "text": "while away"})
        with Listener(stream, alice_token, last_event_id=4) as listener:
            _post(two, alice_token, session, {"type": "note", "at": 50, "text": "back"})
            assert [m["id"] for m in listener.take(2)] == [5, 6]


def _url(store: Store) -> str:
    return str(store.engine.url.render_as_string(hide_password=False))


def _start(base: str, token: str) -> str:
    auth = {"Authorization": f"Bearer {token}"}
    client = httpx.post(f"{base}/api/clients", json={"display_name": "Invented"}, headers=auth)
    client_id = client.json()["id"]
    httpx.post(f"{base}/api/clients/{client_id}/intakes", json=PROCEED, headers=auth)
    session = httpx.post(f"{base}/api/sessions", json={"client_id": client_id}, headers=auth)
    assert session.status_code == 201, session.text
    return str(session.json()["id"])


def _post(base: str, token: str, session: str, event: dict[str, Any]) -> None:
    answer = httpx.post(
        f"{base}/api/sessions/{session}/events",
        json=event,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
