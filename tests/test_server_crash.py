"""SIGKILL a real server while posts are in flight: each acknowledged post is stored once.

A quick version of bench/crash.py (which kills it 20 times under live load with streams):
a client posts notes back to back, each with its own Idempotency-Key; the server process
is killed at a random moment, `db check` must pass on what it left, and once a new server
is up the post whose answer was lost is retried with the same key (200 if the dead server
had stored it, 201 if not). The client's ledger must equal the stored events exactly.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

from tablework.store import tokens
from tablework.store.accounts import add_user
from tablework.store.check import check_database
from tablework.store.repo import Store
from web_helpers import PASSWORD, PROCEED
from web_server import _wait_until_up, free_port

KILLS = 1
"""bench/crash.py kills it 20 times; here once per engine keeps the suite quick (each
server start is 2 s, more on a busy machine)."""


def start_server(url: str, key_file: Path, port: int) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "TABLEWORK_DATABASE_URL": url, "TABLEWORK_KEY_FILE": str(key_file)}
    command = [
        sys.executable, "-m", "uvicorn", "tablework.web.server:app_from_environment",
        "--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE)
    _wait_until_up(f"http://127.0.0.1:{port}", process)
    return process


class Poster:
    """Posts notes to one session until a post gets no answer; keeps the ledger."""

    def __init__(self, base: str, token: str, session: str) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        self.session = session
        self.ledger: dict[str, int] = {}
        self.unanswered: list[str] = []
        self.count = 0

    def post(self, key: str) -> bool:
        """True when acknowledged; False (and remembered) when the answer was lost."""
        try:
            answer = self.http.post(
                f"/api/sessions/{self.session}/events",
                json={"type": "note", "text": "comfortable"},
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError:
            self.unanswered.append(key)
            return False
        assert answer.status_code in (200, 201), answer.text
        self.ledger[key] = answer.json()["seq"]
        return True

    def until_no_answer(self) -> None:
        while True:
            self.count += 1
            if not self.post(f"note-{self.count}"):
                return

    def retry_unanswered(self) -> None:
        keys, self.unanswered = self.unanswered, []
        for key in keys:
            assert self.post(key), f"the retry of {key} got no answer"


def test_acknowledged_posts_are_stored_once_across_server_kills(
    store: Store, record_key_file: Path
) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    alice = add_user(store, "alice@example.org", "therapist", PASSWORD)
    token = tokens.issue(store, alice, "bearer", timedelta(hours=1)).secret
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    chance = random.Random(13)
    process = start_server(url, record_key_file, port)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        client = httpx.post(f"{base}/api/clients", json={"display_name": "Invented"}, headers=auth)
        client_id = client.json()["id"]
        httpx.post(f"{base}/api/clients/{client_id}/intakes", json=PROCEED, headers=auth)
        started = httpx.post(f"{base}/api/sessions", json={"client_id": client_id}, headers=auth)
        poster = Poster(base, token, started.json()["id"])
        for _ in range(KILLS):
            thread = threading.Thread(target=poster.until_no_answer)
            thread.start()
            time.sleep(chance.uniform(0.3, 1.0))
            process.kill()
            process.wait()
            thread.join(timeout=15)
            report = check_database(store)
            assert report.ok, [f.message for f in report.findings]
            process = start_server(url, record_key_file, port)
            poster.retry_unanswered()
        for _ in range(3):
            poster.count += 1
            assert poster.post(f"note-{poster.count}")
    finally:
        process.kill()
        process.wait()
    stored = store.events(poster.session)
    assert {e.idempotency_key: e.seq for e in stored if e.idempotency_key} == poster.ledger
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert len(poster.ledger) >= KILLS + 3
    assert check_database(store).ok
