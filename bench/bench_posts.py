"""A post's cost along one long live session: event 20 against event 3,000 (target 1.5x).

Run: .venv/bin/python bench/bench_posts.py [--events 3000]   (a temporary SQLite file)
Set TABLEWORK_BENCH_DATABASE_URL to a PostgreSQL URL to measure it instead (a schema of its
own, dropped afterwards). Run it with PYTHONPATH=<other checkout>/src to time other code:
it only uses `recorder.open_session` and `recorder.record`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_store import database

from tablework import recorder
from tablework.session.events import CheckIn, Note, SessionStarted
from tablework.store.database import migrate, open_engine
from tablework.store.repo import Store

WINDOW = 50
"""Posts before each point measured, whose median is its figure."""


def post(store: Store, session_id: str, n: int) -> tuple[float, float]:
    """Wall and CPU seconds of one post (the machine is shared: CPU is the steadier)."""
    event = CheckIn(at=n, pressure="good") if n % 2 else Note(at=n, text=f"note {n}")
    wall, cpu = time.perf_counter(), time.process_time()
    recorder.record(store, session_id, event)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=3000)
    options = parser.parse_args()
    with database() as url:
        engine = open_engine(url)
        migrate(engine)
        store = Store(engine)
        client = store.add_client("Invented Client")
        opening = SessionStarted(at=0, protocol="acute-low-back-spasm", pain_before=5)
        session_id = recorder.open_session(store, client, opening).stored.session_id
        timings = [post(store, session_id, n) for n in range(2, options.events + 1)]
        engine.dispose()
    points = sorted({20, 100, 500, 1000, 2000, options.events})
    wall, cpu = {}, {}
    for point in points:
        before = timings[max(0, point - 1 - WINDOW) : point - 1]
        wall[point] = statistics.median(t[0] for t in before)
        cpu[point] = statistics.median(t[1] for t in before)
        print(
            f"post at event {point}: median {wall[point] * 1000:.2f} ms wall, "
            f"{cpu[point] * 1000:.2f} ms CPU"
        )
    last = options.events
    print(
        f"event {last} / event 20: {wall[last] / wall[20]:.2f}x wall, "
        f"{cpu[last] / cpu[20]:.2f}x CPU (target 1.5x)"
    )


if __name__ == "__main__":
    main()
