"""Live load against a real `tablework serve` process, shared by run.py and crash.py.

A simulated session posts a `note` about once a second through POST
/api/sessions/{id}/events (each with its own Idempotency-Key) while holding its live stream
(GET /api/sessions/{id}/stream) open. The client keeps a ledger of every acknowledged post
(201, or 200 for a retry the server had already stored) and the time each seq arrived on
the stream; `audit_ledger` then compares the ledger with the database row by row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tablework.store import tokens
from tablework.store.accounts import add_user
from tablework.store.database import migrate, open_engine
from tablework.store.repo import Store

ROOT = Path(__file__).resolve().parent.parent
INTAKE = json.loads((ROOT / "examples/intakes/complete-proceed.json").read_text())
PG_ENV = "TABLEWORK_TEST_DATABASE_URL"
START_SECONDS = 60.0


# --- databases and servers ---------------------------------------------------------------


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh database on PG_ENV's PostgreSQL server, dropped
    afterwards. A database, not a schema: the chain's advisory lock is per database, so
    in a schema of the shared test database every post would also queue behind other
    people's test suites."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        raise SystemExit(f"set {PG_ENV} to a PostgreSQL URL to bench PostgreSQL")
    name = f"tw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, key_file: Path) -> str:
    """Migrate the database and make a therapist; return a bearer token for them."""
    os.environ["TABLEWORK_KEY_FILE"] = str(key_file)
    engine = open_engine(url)
    migrate(engine)
    store = Store(engine)
    owner = add_user(store, f"bench-{uuid.uuid4().hex[:6]}@example.org", "owner", "bench pw 1")
    secret = tokens.issue(store, owner, "bearer", timedelta(hours=4)).secret
    engine.dispose()
    return secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server process on a free loopback port: `tablework serve`, or the floor app."""

    def __init__(
        self, url: str, key_file: Path, log: Path, *, workers: int = 1, floor: bool = False
    ) -> None:
        self.url = url
        self.key_file = key_file
        self.log = log
        self.workers = workers
        self.floor = floor
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        if self.floor:
            return [
                sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir",
                str(Path(__file__).parent), "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
            ]  # fmt: skip
        return [
            sys.executable, "-m", "tablework", "serve", "--port", str(self.port),
            "--workers", str(self.workers),
        ]  # fmt: skip

    def start(self) -> None:
        env = {
            **os.environ,
            "TABLEWORK_DATABASE_URL": self.url,
            "TABLEWORK_KEY_FILE": str(self.key_file),
            "TABLEWORK_HEARTBEAT_SECONDS": "5",
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("the server did not start in time")

    def kill(self) -> None:
        """SIGKILL the server and every worker it started (its process group)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes, in MiB."""
        if self.process is None:
            return 0.0
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found.extend(_tree(int(child)))
    return found


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --- the load ------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the client saw: acknowledged posts, stream arrivals, errors."""

    acked: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (session, seq)
    sent_at: dict[tuple[str, int], float] = field(default_factory=dict)
    answered_at: dict[tuple[str, int], float] = field(default_factory=dict)
    arrived: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    sessions: list[str] = field(default_factory=list)

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def client_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def start_sessions(base: str, token: str, count: int, clients: int = 1) -> list[str]:
    """`count` live sessions over `clients` invented clients, started through the API."""
    async with httpx.AsyncClient(base_url=base, headers=client_headers(token), timeout=60) as http:
        owners = []
        for n in range(clients):
            answer = await http.post("/api/clients", json={"display_name": f"Bench client {n}"})
            answer.raise_for_status()
            owners.append(answer.json()["id"])
            (await http.post(f"/api/clients/{owners[-1]}/intakes", json=INTAKE)).raise_for_status()
        found: list[str] = []
        gate = asyncio.Semaphore(4)

        async def one(i: int) -> None:
            async with gate:
                body = {"client_id": owners[i % len(owners)]}
                answer = await http.post("/api/sessions", json=body)
                answer.raise_for_status()
                found.append(answer.json()["id"])

        await asyncio.gather(*(one(i) for i in range(count)))
        return found


async def hold_stream(
    http: httpx.AsyncClient, session: str, ledger: Ledger, stop: asyncio.Event
) -> None:
    """Read the session's stream until `stop`, reconnecting from the last seq seen."""
    last = 0
    while not stop.is_set():
        headers = {"Last-Event-ID": str(last)} if last else {}
        try:
            async with http.stream(
                "GET", f"/api/sessions/{session}/stream", headers=headers
            ) as answer:
                seq = None
                async for line in answer.aiter_lines():
                    if line.startswith("id:"):
                        seq = int(line[3:].strip())
                    elif not line and seq is not None:
                        ledger.arrived.setdefault((session, seq), []).append(time.perf_counter())
                        last = max(last, seq)
                        seq = None
                    if stop.is_set():
                        return
        except (httpx.TransportError, httpx.HTTPStatusError):
            ledger.count("stream reconnect")
            await asyncio.sleep(0.2)


async def post_one(
    http: httpx.AsyncClient, session: str, key: str, ledger: Ledger, retry_until: float
) -> None:
    """Post one note under `key`, retrying the same key until it is acknowledged (or time
    runs out); a retry answered 200 is the server saying it had already stored it."""
    first = True
    while True:
        began = time.perf_counter()
        try:
            answer = await http.post(
                f"/api/sessions/{session}/events",
                json={"type": "note", "text": "client comfortable"},
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError:
            ledger.count("transport error")
            answer = None
        took = time.perf_counter()
        if answer is not None:
            ledger.count(str(answer.status_code))
            if answer.status_code in (200, 201):
                seq = int(answer.json()["seq"])
                ledger.acked[key] = (session, seq)
                ledger.sent_at[(session, seq)] = began
                ledger.answered_at[(session, seq)] = took
                if first:
                    ledger.latencies_ms.append((took - began) * 1000)
                return
            if answer.status_code < 500 and answer.status_code not in (409, 429):
                return  # refused for good: not acknowledged, not retried
        if time.monotonic() > retry_until:
            return
        first = False
        ledger.retries += 1
        await asyncio.sleep(0.2)


async def post_loop(
    http: httpx.AsyncClient,
    session: str,
    ledger: Ledger,
    stop: asyncio.Event,
    retry_seconds: float,
) -> None:
    await asyncio.sleep(random.uniform(0, 1))
    n = 0
    while not stop.is_set():
        began = time.perf_counter()
        n += 1
        key = f"bench-{session}-{n}"
        await post_one(http, session, key, ledger, time.monotonic() + retry_seconds)
        await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - began)))


async def live_load(
    base: str,
    token: str,
    sessions: list[str],
    seconds: float,
    *,
    retry_seconds: float = 30.0,
    grace: float = 3.0,
    during: Any = None,
    ledger: Ledger | None = None,
) -> tuple[Ledger, float]:
    """Every session posts about once a second for `seconds` (or until the coroutine
    `during()` returns) while holding its stream; returns the ledger and the posting time."""
    ledger = ledger or Ledger()
    ledger.sessions = list(sessions)
    limits = httpx.Limits(max_connections=2 * len(sessions) + 20, max_keepalive_connections=None)
    timeout = httpx.Timeout(30.0, read=60.0)
    async with (
        httpx.AsyncClient(
            base_url=base, headers=client_headers(token), limits=limits, timeout=timeout
        ) as streams,
        httpx.AsyncClient(
            base_url=base, headers=client_headers(token), limits=limits, timeout=timeout
        ) as posts,
    ):
        stop_streams, stop_posts = asyncio.Event(), asyncio.Event()
        readers = [
            asyncio.create_task(hold_stream(streams, s, ledger, stop_streams)) for s in sessions
        ]
        await asyncio.sleep(min(5.0, 0.5 + len(sessions) / 200))  # let the streams open
        began = time.perf_counter()
        posters = [
            asyncio.create_task(post_loop(posts, s, ledger, stop_posts, retry_seconds))
            for s in sessions
        ]
        if during is None:
            await asyncio.sleep(seconds)
        else:
            await during()  # a killer: the load runs until it has done its work
        stop_posts.set()
        await asyncio.gather(*posters)
        took = time.perf_counter() - began
        await asyncio.sleep(grace)  # the last posts reach the streams
        stop_streams.set()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return ledger, took


def audit_ledger(url: str, ledger: Ledger) -> dict[str, int]:
    """Compare the acknowledged posts with the events the database holds."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT session_id, seq, idempotency_key FROM events "
                "WHERE idempotency_key LIKE 'bench-%'"
            )
        ).all()
    engine.dispose()
    stored: dict[str, list[tuple[str, int]]] = {}
    mine = set(ledger.sessions)
    for session_id, seq, key in rows:
        if session_id in mine:  # earlier runs on the same database are not this ledger's
            stored.setdefault(key, []).append((session_id, seq))
    lost = sum(1 for key, at in ledger.acked.items() if stored.get(key) != [at])
    duplicated = sum(len(found) - 1 for found in stored.values() if len(found) > 1)
    unacknowledged = sum(1 for key in stored if key not in ledger.acked)
    return {
        "lost_events": lost,
        "duplicate_events": duplicated,
        "stored_unacknowledged": unacknowledged,
        "acknowledged": len(ledger.acked),
    }


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1)


def stream_figures(ledger: Ledger) -> dict[str, Any]:
    """Delivery latency (post sent to seq arrived on the stream), missed and doubled seqs."""
    delays, after_ack, missed, doubled = [], [], 0, 0
    for at, sent in ledger.sent_at.items():
        arrivals = ledger.arrived.get(at)
        if not arrivals:
            missed += 1
            continue
        doubled += len(arrivals) - 1
        delays.append((arrivals[0] - sent) * 1000)
        after_ack.append(max(0.0, (arrivals[0] - ledger.answered_at[at]) * 1000))
    return {
        "stream_delivery_p50_ms": percentile(delays, 0.50),
        "stream_delivery_p95_ms": percentile(delays, 0.95),
        "stream_after_ack_p95_ms": percentile(after_ack, 0.95),
        "stream_missed": missed,
        "stream_duplicates": doubled,
    }


# --- capacity: posts as fast as they are answered, ours against the floor ------------------


async def capacity(
    base: str, headers: dict[str, str], paths: list[str], seconds: float
) -> tuple[int, float]:
    """One closed loop per path, each posting a note as soon as the last was answered;
    returns (answered 2xx, seconds)."""
    done = 0
    limits = httpx.Limits(max_connections=len(paths) + 5)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as http:
        deadline = time.perf_counter() + seconds

        async def loop(path: str) -> None:
            nonlocal done
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                answer = await http.post(
                    path,
                    json={"type": "note", "text": "client comfortable"},
                    headers={"Idempotency-Key": f"cap-{uuid.uuid4().hex}"},
                )
                if answer.status_code < 300:
                    done += 1

        began = time.perf_counter()
        await asyncio.gather(*(loop(p) for p in paths))
        return done, time.perf_counter() - began
