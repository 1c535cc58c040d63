"""Event posts through a real server: p50/p99 at 1, 50 and 200 live sessions posting about
one event a second each, and the cost of a post at event ~10 of one session vs ~1,000 of another.

Targets (issue 11): p99 under 50 ms at 200 sessions on a 2-core machine, flat in session
length. Run: nice -n 10 .venv/bin/python bench/bench_server.py sqlite|postgresql
[--seconds N] [--levels 1,50,200] [--workers N] (`--levels ""`: the session-length figures
only; `--workers 2`: two server processes, PostgreSQL only).
PostgreSQL comes from TABLEWORK_TEST_DATABASE_URL, in a fresh schema. Besides wall times
it prints the server process's CPU per post, which depends much less on what else the
shared machine is running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from tablework.store import tokens
from tablework.store.accounts import add_user
from tablework.store.database import migrate, open_engine
from tablework.store.repo import Store
from web_server import server_process

INTAKE = json.loads(
    (Path(__file__).parent.parent / "examples/intakes/complete-proceed.json").read_text()
)
NOTE = {"type": "note", "text": "client comfortable"}


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    base = os.environ["TABLEWORK_TEST_DATABASE_URL"]
    schema = f"tw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


async def start_sessions(http: httpx.AsyncClient, count: int) -> list[str]:
    client = (await http.post("/api/clients", json={"display_name": "Bench"})).json()["id"]
    await http.post(f"/api/clients/{client}/intakes", json=INTAKE)
    found = []
    for _ in range(count):
        answer = await http.post("/api/sessions", json={"client_id": client})
        found.append(answer.json()["id"])
    return found


class Connection:
    """One keep-alive HTTP/1.1 connection that posts JSON: well under a millisecond a request,
    so the load generator leaves the machine's CPU to the server (httpx takes
    milliseconds a request, a good part of a core at 200 posts/s)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: str):
        self.reader, self.writer, self.head = reader, writer, head

    @classmethod
    async def open(cls, base: str, token: str) -> Connection:
        host, _, port = base.removeprefix("http://").partition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            f"Host: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        )
        return cls(reader, writer, head)

    async def post(self, path: str, body: bytes) -> int:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        self.writer.close()


async def post_loop(
    base: str, token: str, session: str, seconds: float, timings: list[float]
) -> None:
    path, body = f"/api/sessions/{session}/events", json.dumps(NOTE).encode()
    connection = await Connection.open(base, token)
    try:
        deadline = time.monotonic() + seconds
        await asyncio.sleep(random.uniform(0, 1))
        while time.monotonic() < deadline:
            began = time.perf_counter()
            status = await connection.post(path, body)
            timings.append((time.perf_counter() - began) * 1000)
            assert status == 201, status
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - began)))
    finally:
        connection.close()


def server_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's descendants: the server
    (with --workers, uvicorn's worker processes too).

    Wall times on a shared machine depend on everyone else's load; CPU per post does not
    (much). Linux only (/proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    stat = Path(f"/proc/{child}/stat").read_text()
                    fields = stat.rpartition(")")[2].split()
                    total += (int(fields[11]) + int(fields[12])) / tick
                    pending.append(int(child))
        except FileNotFoundError:  # a process that ended meanwhile
            continue
    return total


async def live_load(base: str, token: str, sessions: int, seconds: float) -> list[float]:
    limits = httpx.Limits(max_connections=sessions + 5)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        ids = await start_sessions(http, sessions)
        timings: list[float] = []
        began, cpu = time.monotonic(), server_cpu()
        await asyncio.gather(*(post_loop(base, token, s, seconds, timings) for s in ids))
        rate = len(timings) / (time.monotonic() - began)
        per_post = (server_cpu() - cpu) * 1000 / max(1, len(timings))
        print(
            f"  ({rate:.0f} posts/s served, server CPU {per_post:.1f} ms a post, "
            f"load average {os.getloadavg()[0]:.1f})"
        )
        return timings


async def by_length(base: str, token: str) -> dict[int, list[float]]:
    """Posts at event ~10 of a short session and at event ~1,000 of a long one, taken in
    turns (20 to each, twice) once both exist, so warm-up and other load hit both alike."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        long, short = await start_sessions(http, 2)
    connection = await Connection.open(base, token)
    body = json.dumps(NOTE).encode()
    found: dict[int, list[float]] = {10: [], 1000: []}
    cpu: dict[int, float] = {10: 0.0, 1000: 0.0}
    try:
        for _ in range(998):  # the long session's events 2 .. 999
            assert await connection.post(f"/api/sessions/{long}/events", body) == 201
        for _ in range(8):  # the short session's events 2 .. 9
            assert await connection.post(f"/api/sessions/{short}/events", body) == 201
        for _ in range(2):
            for at, session in ((10, short), (1000, long)):
                began_cpu = server_cpu()
                for _ in range(20):
                    began = time.perf_counter()
                    status = await connection.post(f"/api/sessions/{session}/events", body)
                    found[at].append((time.perf_counter() - began) * 1000)
                    assert status == 201, status
                cpu[at] += server_cpu() - began_cpu
    finally:
        connection.close()
    for at, seconds in cpu.items():
        print(f"  (server CPU at event ~{at}: {seconds * 1000 / len(found[at]):.1f} ms a post)")
    return found


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"n={len(ordered)} p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--levels", default="1,50,200", help="live sessions, comma-separated")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",") if level]
    with tempfile.TemporaryDirectory() as folder, database(args.kind, Path(folder)) as url:
        key_file = Path(folder) / "record.key"
        os.environ["TABLEWORK_KEY_FILE"] = str(key_file)
        engine = open_engine(url)
        migrate(engine)
        store = Store(engine)
        owner = add_user(store, "bench@example.org", "therapist", "bench password")
        token = tokens.issue(store, owner, "bearer", timedelta(hours=2)).secret
        with server_process(url, key_file, workers=args.workers) as base:
            for sessions in levels:
                timings = asyncio.run(live_load(base, token, sessions, args.seconds))
                print(f"{args.kind} {sessions:>3} live sessions: {summary(timings)}")
            lengths = asyncio.run(by_length(base, token))
            for seq, timings in lengths.items():
                print(f"{args.kind} post at event ~{seq}: {summary(timings)}")
            ratio = statistics.median(lengths[1000]) / statistics.median(lengths[10])
            print(f"{args.kind} p50 at event ~1,000 / at event ~10: {ratio:.2f}")
        engine.dispose()


if __name__ == "__main__":
    main()
