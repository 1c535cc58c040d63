"""Store speed: appending one event on SQLite (target p99 under 5 ms), through the
recorder, which also replays the session to validate the event first, and saving a whole
session (client, header, events) in one transaction.

Run: .venv/bin/python bench/bench_store.py   (uses a temporary SQLite file)
Set TABLEWORK_BENCH_DATABASE_URL to a PostgreSQL URL to measure it instead; the benchmark
works in a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select, text

from tablework import recorder
from tablework.session.events import CheckIn, Note, SessionStarted
from tablework.store.database import migrate, open_engine
from tablework.store.repo import Store
from tablework.store.tables import chain_links
from tablework.store.verify import verify_all, verify_session


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1]


def report(label: str, timings: list[float]) -> None:
    print(
        f"{label}: n={len(timings)}, median {statistics.median(timings) * 1000:.2f} ms, "
        f"p99 {percentile(timings, 99) * 1000:.2f} ms, max {max(timings) * 1000:.2f} ms"
    )


@contextmanager
def database() -> Iterator[str]:
    base = os.environ.get("TABLEWORK_BENCH_DATABASE_URL")
    if not base:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    schema = f"tw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> None:
    with database() as url:
        engine = open_engine(url)
        migrate(engine)
        store = Store(engine, key=os.urandom(32))  # never the user's own record key
        client = store.add_client("Bench Client")
        session = store.create_session(client, "acute-low-back-spasm@1.0.0", 1)
        timings = []
        for i in range(2000):
            begin = time.perf_counter()
            store.append(session, Note(at=i, text="bench"), idempotency_key=f"k{i}")
            timings.append(time.perf_counter() - begin)
        report(f"{engine.dialect.name}: Store.append", timings)

        opening = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1)
        live = recorder.open_session(store, client, opening).stored.session_id
        timings = []
        for i in range(300):
            begin = time.perf_counter()
            recorder.record(store, live, CheckIn(at=i, pressure="good"))
            timings.append(time.perf_counter() - begin)
        report(f"{engine.dialect.name}: recorder.record (session of up to 300 events)", timings)

        events = [CheckIn(at=i, pressure="good") for i in range(1, 26)]
        timings = []
        for _ in range(200):
            begin = time.perf_counter()
            recorder.save_session(store, opening, events, client_name="Bench Client")
            timings.append(time.perf_counter() - begin)
        report(f"{engine.dialect.name}: recorder.save_session (client + 26 events)", timings)
        verify_timings(store, session)
        engine.dispose()


def verify_timings(store: Store, session: str) -> None:
    """How long checking the chain takes: it reads every link, so it grows with the record."""
    with store.engine.connect() as conn:
        links = len(conn.execute(select(chain_links.c.position)).all())
        begin = time.perf_counter()
        assert verify_session(conn, store.key, session) == []
        one = time.perf_counter() - begin
    begin = time.perf_counter()
    assert verify_all(store.engine, store.key) == []
    every = time.perf_counter() - begin
    name = store.engine.dialect.name
    print(f"{name}: verify_session over {links} links: {one * 1000:.0f} ms")
    print(f"{name}: verify_all over {links} links: {every * 1000:.0f} ms")


if __name__ == "__main__":
    main()
