"""Live load on a real `tablework serve`, against a bare Starlette floor in the same run.

    python bench/run.py --quick [--json]     # SQLite, 50 sessions, under 90 s
    python bench/run.py [--json]             # SQLite (1 process) and PostgreSQL (1 and 2
                                             # processes) at 50, 200 and 500 sessions; writes
                                             # its tables into docs/benchmarks.md

Each simulated session posts a note about once a second (POST /api/sessions/{id}/events,
bearer token, its own Idempotency-Key) and holds its live stream open. Reported per level:
posts acknowledged per second, post latency percentiles (first attempt), stream delivery
latency (from sending the post to its seq arriving on the stream), statuses, the server's
resident memory (all its processes, highest sample), and the ledger of acknowledged posts
against the database (lost and duplicated events). Then capacity: 16 closed loops posting
as fast as they are answered, to our server and to the floor (bench/floor_app.py: the same
single-row insert on the same database, nothing else), in alternating rounds;
floor_ratio = our posts per second / the floor's. PostgreSQL comes from
TABLEWORK_TEST_DATABASE_URL's server (a database of its own, dropped afterwards). Run it niced:
`nice -n 10 .venv/bin/python bench/run.py --quick`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import floor_app
from loadlib import (
    ROOT,
    Server,
    audit_ledger,
    capacity,
    client_headers,
    database,
    live_load,
    percentile,
    prepare,
    start_sessions,
    stream_figures,
)

CHECKED = {True: "passes", False: "FAILS"}
CAPACITY_LOOPS = 16
CONFIGS = [("sqlite", 1), ("postgresql", 1), ("postgresql", 2)]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench/run.py: begin (generated; rerun to refresh) -->"
END = "<!-- bench/run.py: end -->"


class MemoryWatch:
    """Samples the server's resident memory every half second while load runs."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.highest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.highest = max(self.highest, self.server.rss_mb())

    def __enter__(self) -> MemoryWatch:
        self.highest = self.server.rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def one_level(
    server: Server, url: str, token: str, sessions: int, seconds: float
) -> dict[str, Any]:
    ids = asyncio.run(start_sessions(server.base, token, sessions, clients=max(1, sessions // 10)))
    cpu = time.process_time()
    with MemoryWatch(server) as memory:
        ledger, took = asyncio.run(live_load(server.base, token, ids, seconds))
    client_cpu = time.process_time() - cpu
    errors = sum(n for status, n in ledger.statuses.items() if status not in ("200", "201"))
    return {
        "sessions": sessions,
        "seconds": round(took, 1),
        "posts_per_s": round(len(ledger.acked) / took, 1),
        "event_post_p50_ms": percentile(ledger.latencies_ms, 0.50),
        "event_post_p99_ms": percentile(ledger.latencies_ms, 0.99),
        "event_post_max_ms": percentile(ledger.latencies_ms, 1.0),
        **stream_figures(ledger),
        **audit_ledger(url, ledger),
        "errors": errors,
        "statuses": ledger.statuses,
        "server_rss_mb": round(memory.highest, 1),
        "client_cpu_share": round(client_cpu / took, 2),
    }


def floor_ratio(server: Server, floor: Server, token: str, rounds: int, seconds: float) -> dict:
    ids = asyncio.run(start_sessions(server.base, token, CAPACITY_LOOPS))
    ours_paths = [f"/api/sessions/{s}/events" for s in ids]
    floor_paths = [f"/api/sessions/floor-{i}/events" for i in range(CAPACITY_LOOPS)]
    totals = {"ours": [0, 0.0], "floor": [0, 0.0]}
    for _ in range(rounds):  # alternate, so drift on the shared machine hits both alike
        for name, target, headers, paths in (
            ("floor", floor, {}, floor_paths),
            ("ours", server, client_headers(token), ours_paths),
        ):
            done, took = asyncio.run(capacity(target.base, headers, paths, seconds))
            totals[name][0] += done
            totals[name][1] += took
    ours = totals["ours"][0] / totals["ours"][1]
    bare = totals["floor"][0] / totals["floor"][1]
    return {
        "capacity_posts_per_s": round(ours, 1),
        "floor_posts_per_s": round(bare, 1),
        "floor_ratio": round(ours / bare, 3),
    }


def db_check(url: str, key_file: Path) -> bool:
    env = {**os.environ, "TABLEWORK_DATABASE_URL": url, "TABLEWORK_KEY_FILE": str(key_file)}
    done = subprocess.run(
        [sys.executable, "-m", "tablework", "db", "check"], env=env, capture_output=True
    )
    if done.returncode != 0:
        print(done.stdout.decode()[-2000:], done.stderr.decode()[-2000:], file=sys.stderr)
    return done.returncode == 0


def run_config(
    kind: str, workers: int, levels: list[int], seconds: float, rounds: int, cap_seconds: float
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as name, database(kind, Path(name)) as url:
        folder = Path(name)
        key_file = folder / "record.key"
        token = prepare(url, key_file)
        floor_app.create(url)
        log = folder / "server.log"
        found: dict[str, Any] = {"database": kind, "workers": workers, "levels": []}
        with (
            Server(url, key_file, log, workers=workers) as server,
            Server(url, key_file, folder / "floor.log", workers=workers, floor=True) as floor,
        ):
            found["idle_rss_mb"] = round(server.rss_mb(), 1)
            for sessions in levels:
                level = one_level(server, url, token, sessions, seconds)
                print(f"{kind} x{workers} {sessions}: {json.dumps(level)}", file=sys.stderr)
                found["levels"].append(level)
            found |= floor_ratio(server, floor, token, rounds, cap_seconds)
            print(f"{kind} x{workers} capacity: {found}", file=sys.stderr)
        found["db_check_ok"] = db_check(url, key_file)
        server_errors = [
            line for line in log.read_text().splitlines() if "Traceback" in line or "ERROR" in line
        ]
        found["server_log_errors"] = len(server_errors)
        return found


def machine() -> str:
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    return (
        f"{platform.node() or 'host'}: {cpus} CPUs, Python {platform.python_version()}, "
        f"load average {load:.1f} at start"
    )


def markdown(results: list[dict[str, Any]], started: datetime, took: float) -> str:
    lines = [
        BEGIN,
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, {took / 60:.0f} min, `nice -n 10 .venv/bin/python "
        f"bench/run.py`; {machine()}. Posts/s: acknowledged posts a second (offered: one a "
        "session a second). Latencies from the client's side, first attempts only; stream: "
        "from sending the post to its seq arriving on the session's stream. RSS: all server "
        "processes, highest sample.",
        "",
        "| database | processes | sessions | posts/s | post p50 | post p99 | stream p95 "
        "| errors | lost / duplicated | server RSS | client CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config in results:
        for level in config["levels"]:
            lines.append(
                f"| {config['database']} | {config['workers']} | {level['sessions']} "
                f"| {level['posts_per_s']} | {level['event_post_p50_ms']} ms "
                f"| {level['event_post_p99_ms']} ms | {level['stream_delivery_p95_ms']} ms "
                f"| {level['errors']} | {level['lost_events']} / {level['duplicate_events']} "
                f"| {level['server_rss_mb']} MB | {level['client_cpu_share']} |"
            )
    lines += [
        "",
        "| database | processes | our capacity (posts/s) | floor (posts/s) | floor_ratio "
        "| db check |",
        "|---|---|---|---|---|---|",
    ]
    for config in results:
        lines.append(
            f"| {config['database']} | {config['workers']} | {config['capacity_posts_per_s']} "
            f"| {config['floor_posts_per_s']} | {config['floor_ratio']} "
            f"| {CHECKED.get(config.get('db_check_ok'), 'not run')} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    text = DOC.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text += "\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, 50 sessions, < 90 s")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument("--seconds", type=float, help="posting time per level")
    parser.add_argument("--no-doc", action="store_true", help="full mode: do not write docs")
    parser.add_argument("--only", nargs="*", help="full mode: e.g. sqlite:1 postgresql:2")
    parser.add_argument("--levels", default="50,200,500", help="full mode: live sessions")
    options = parser.parse_args()
    started = datetime.now(UTC)
    began = time.perf_counter()
    if options.quick:
        config = run_config("sqlite", 1, [50], options.seconds or 20, 2, 4)
        level = config["levels"][0]
        quick = {
            "event_post_p50_ms": level["event_post_p50_ms"],
            "event_post_p99_ms": level["event_post_p99_ms"],
            "stream_delivery_p95_ms": level["stream_delivery_p95_ms"],
            "floor_ratio": config["floor_ratio"],
            "lost_events": level["lost_events"],
            "duplicate_events": level["duplicate_events"],
            "server_rss_mb": level["server_rss_mb"],
            "sessions": level["sessions"],
            "posts_per_s": level["posts_per_s"],
            "errors": level["errors"],
            "stream_missed": level["stream_missed"],
            "capacity_posts_per_s": config["capacity_posts_per_s"],
            "floor_posts_per_s": config["floor_posts_per_s"],
            "db_check_ok": config["db_check_ok"],
            "seconds": round(time.perf_counter() - began, 1),
        }
        print(json.dumps(quick, indent=None if options.json else 2))
        return
    chosen = [c for c in CONFIGS if not options.only or f"{c[0]}:{c[1]}" in options.only]
    levels = [int(n) for n in options.levels.split(",")]
    results = [
        run_config(kind, workers, levels, options.seconds or 30, 2, 8) for kind, workers in chosen
    ]
    took = time.perf_counter() - began
    if options.json:
        print(json.dumps(results))
    section = markdown(results, started, took)
    print(section)
    if not options.no_doc:
        write_doc(section)


if __name__ == "__main__":
    main()
