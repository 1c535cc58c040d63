"""The commands the server and the therapist run all day, timed on a database at scale.

Run:  .venv/bin/python bench/bench_scale.py --clients 1000 --sessions 10
      (a fresh SQLite file: `tablework demo --clients N --sessions M` fills it, and one
      client with 200 sessions is added for the FHIR export), or
      .venv/bin/python bench/bench_scale.py --database sqlite:////tmp/big.sqlite3
      to time an existing database without adding to it.
Set TABLEWORK_KEY_FILE to the database's record key when reusing one; set BENCH_PYTHONPATH
to time another checkout's code (e.g. the code before #10) on the same database.

Each command runs as `python -m tablework ...` in a fresh process, as a person would run it;
each figure is the best of `--repeat` runs, wall-clock and CPU (user + system) seconds. The
machine is shared, so CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from tablework.store.tables import sessions


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `tablework` command in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tablework", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"tablework {' '.join(args)} failed: {done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(label: str, args: list[str], env: dict[str, str], repeat: int) -> None:
    timings = [run(args, env) for _ in range(repeat)]
    wall = min(t[0] for t in timings)
    cpu = min(t[1] for t in timings)
    print(f"{label}: {wall:.3f} s wall, {cpu:.3f} s CPU (best of {repeat})", flush=True)


def environment(url: str, key_file: Path) -> dict[str, str]:
    env = {**os.environ, "TABLEWORK_DATABASE_URL": url, "TABLEWORK_KEY_FILE": str(key_file)}
    extra = os.environ.get("BENCH_PYTHONPATH")
    if extra:
        env["PYTHONPATH"] = extra
    return env


def biggest_client(url: str) -> tuple[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            select(sessions.c.client_id, func.count().label("n"))
            .group_by(sessions.c.client_id)
            .order_by(text("n DESC"))
            .limit(1)
        ).one()
        total = conn.scalar(select(func.count()).select_from(sessions)) or 0
    engine.dispose()
    print(f"database: {total} sessions; biggest client has {row.n} sessions")
    return str(row.client_id), int(row.n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="time this database as it is")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(os.environ.get("TABLEWORK_KEY_FILE", Path(folder) / "key"))
        url = options.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        env = environment(url, key_file)
        empty = environment(f"sqlite:///{Path(folder) / 'empty.sqlite3'}", key_file)
        run(["client", "list"], empty)  # creates and migrates the empty database once
        best("client list, empty database", ["client", "list"], empty, options.repeat)
        if options.database is None:
            started = time.perf_counter()
            run(
                ["demo", "--clients", str(options.clients), "--sessions", str(options.sessions)],
                env,
            )
            run(["demo", "--clients", "1", "--sessions", "200"], env)
            print(f"demo data made in {time.perf_counter() - started:.1f} s")
        client, _ = biggest_client(url)
        best("outcomes", ["outcomes"], env, options.repeat)
        best("outcomes --format csv", ["outcomes", "--format", "csv"], env, options.repeat)
        best("session list (all)", ["session", "list"], env, options.repeat)
        output = str(Path(folder) / "record.json")
        best(
            "export fhir, biggest client",
            ["export", "fhir", "--client", client, "-o", output],
            env,
            options.repeat,
        )


if __name__ == "__main__":
    main()
