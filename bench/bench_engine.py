"""Engine speed: replay of a 10,000-event session, and advise after one event.

Targets (issue 3): replay under 100 ms; advise p99 under 1 ms.
Run: .venv/bin/python bench/bench_engine.py
"""

from __future__ import annotations

import random
import statistics
import time

from tablework.protocols.loader import get
from tablework.session.engine import advise, replay
from tablework.session.events import Event, SessionStarted, parse_event
from tablework.session.state import apply, start

PROTOCOL = get("acute-low-back-spasm")
GUARDING = ["gluteals-left", "gluteals-right", "thoracolumbar-left", "sacrum"]


def realistic_events(count: int, seed: int = 7) -> list[Event]:
    """A long session of work, check-ins, notes and area changes, all accepted or refused."""
    rng = random.Random(seed)
    events: list[Event] = [
        parse_event(
            {
                "type": "positioned",
                "at": 5,
                "position": "prone",
                "supports": ["hip_pillow_asis"],
                "client_adjusted": True,
            }
        )
    ]
    at = 5.0
    while len(events) < count:
        at += rng.uniform(1, 40)
        roll = rng.random()
        if roll < 0.3:
            body = {
                "type": "work_started",
                "area": rng.choice(GUARDING),
                "technique": rng.choice(["still-hold", "broad-compression", "broad-gliding"]),
                "level": rng.choice([0, 1, 1, 2]),
            }
        elif roll < 0.85:
            body = {
                "type": "check_in",
                "pressure": rng.choice(["good", "good", "deeper", "lighter"]),
                "pain": rng.randint(2, 7),
            }
        else:
            body = {"type": "note", "text": "remark"}
        events.append(parse_event({**body, "at": round(at, 1)}))
    return events


def main() -> None:
    opening = SessionStarted(at=0, protocol=PROTOCOL.ref, session_index=2, pain_before=6)
    events = realistic_events(10_000 - 1)
    timings = []
    for _ in range(7):
        begin = time.perf_counter()
        replay(PROTOCOL, [opening, *events])
        timings.append(time.perf_counter() - begin)
    print(
        f"replay 10,000 events: median {statistics.median(timings) * 1000:.1f} ms, "
        f"worst {max(timings) * 1000:.1f} ms (target < 100 ms)"
    )

    state = start(opening, PROTOCOL)
    advise_times = []
    apply_times = []
    for event in events[:5000]:
        t0 = time.perf_counter()
        state = apply(state, event)
        t1 = time.perf_counter()
        advise(state)
        t2 = time.perf_counter()
        apply_times.append(t1 - t0)
        advise_times.append(t2 - t1)
    p99 = statistics.quantiles(advise_times, n=100)[98]
    print(
        f"advise after one event: median {statistics.median(advise_times) * 1e6:.0f} us, "
        f"p99 {p99 * 1e6:.0f} us (target p99 < 1000 us)"
    )
    p99_apply = statistics.quantiles(apply_times, n=100)[98]
    print(
        f"apply one event: median {statistics.median(apply_times) * 1e6:.0f} us, "
        f"p99 {p99_apply * 1e6:.0f} us"
    )


if __name__ == "__main__":
    main()
