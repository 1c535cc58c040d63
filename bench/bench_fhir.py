"""The FHIR export and the CLI's start, timed: the #10 and #13 targets that were missed.

Run:  nice -n 10 .venv/bin/python bench/bench_fhir.py [--database URL] [--repeat 3]

Without --database a scratch SQLite file is made with `tablework demo --clients 1
--sessions 200` and `--clients 1 --sessions 10`; with it, that database is used as it is
(it must hold a client with 200 sessions and one with 10; set TABLEWORK_KEY_FILE to its
record key). Prints, best of --repeat, CPU (user + system) and wall seconds:

- `tablework export fhir` for the 200-session client, a fresh process each run;
- `tablework client list` on an empty SQLite file, a fresh process each run, and next to
  it a bare Python importing only the libraries it cannot do without (Typer with the
  pydantic adapters it parses options with, SQLAlchemy);
- `GET /api/clients/{id}/fhir` for the 10- and 200-session clients in-process (FastAPI's
  TestClient, the clinic's owner, after one warm-up call), CPU of this whole process.

The load average is printed with the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select

from tablework.store.tables import sessions

sys.path.insert(0, str(Path(__file__).parent))
import bench_scale


def command(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU and wall seconds of one `tablework` command in its own process."""
    wall, cpu = bench_scale.run(args, env)
    return cpu, wall


def floor(modules: str) -> tuple[float, float]:
    """CPU and wall seconds of a bare Python that imports `modules` and exits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {modules}"], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def report(label: str, timings: list[tuple[float, float]]) -> None:
    cpu, wall = min(t[0] for t in timings), min(t[1] for t in timings)
    load = os.getloadavg()[0]
    print(
        f"{label}: {cpu * 1000:.0f} ms CPU, {wall * 1000:.0f} ms wall "
        f"(best of {len(timings)}; load {load:.1f})",
        flush=True,
    )


def clients_by_size(url: str) -> dict[int, str]:
    """Client id by its number of sessions."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(sessions.c.client_id, func.count().label("n")).group_by(sessions.c.client_id)
        ).all()
    engine.dispose()
    return {int(row.n): str(row.client_id) for row in rows}


def server_timings(url: str, key_file: Path, client: str, repeat: int) -> list[tuple[float, float]]:
    """CPU and wall seconds of `GET /api/clients/{client}/fhir`, warm, in-process."""
    from fastapi.testclient import TestClient

    from tablework.settings import Settings
    from tablework.store import tokens
    from tablework.store.accounts import add_user
    from tablework.store.database import open_engine
    from tablework.store.record_key import load_or_create
    from tablework.store.repo import Store
    from tablework.web.app import create_app

    store = Store(open_engine(url), key=load_or_create(key_file))
    owner = add_user(store, f"bench-{uuid.uuid4().hex[:8]}@example.org", "owner", "x" * 12)
    bearer = tokens.issue(store, owner, "bearer", timedelta(hours=1)).secret
    settings = Settings(database_url=url, default_database=False, key_file=key_file)
    headers = {"Authorization": f"Bearer {bearer}"}
    timings = []
    with TestClient(create_app(settings, store)) as http:
        for _ in range(repeat + 1):  # the first call warms the process up
            cpu, started = time.process_time(), time.perf_counter()
            answer = http.get(f"/api/clients/{client}/fhir", headers=headers)
            timings.append((time.process_time() - cpu, time.perf_counter() - started))
            assert answer.status_code == 200, answer.text
    return timings[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="time this database as it is")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(os.environ.get("TABLEWORK_KEY_FILE", Path(folder) / "key"))
        url = options.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        env = {**os.environ, "TABLEWORK_DATABASE_URL": url, "TABLEWORK_KEY_FILE": str(key_file)}
        empty = {**env, "TABLEWORK_DATABASE_URL": f"sqlite:///{Path(folder) / 'empty.sqlite3'}"}
        command(["client", "list"], empty)  # creates and migrates the empty database
        listing = [command(["client", "list"], empty) for _ in range(options.repeat)]
        report("client list, empty SQLite", listing)
        libraries = "typer, typer._adapters, sqlalchemy, sqlite3"
        report(f"  floor: python -c 'import {libraries}'", [floor(libraries) for _ in range(3)])
        if options.database is None:
            for size in ("200", "10"):
                command(["demo", "--clients", "1", "--sessions", size], env)
        clients = clients_by_size(url)
        output = str(Path(folder) / "record.json")
        export = ["export", "fhir", "--client", clients[200], "-o", output]
        report("export fhir, 200 sessions", [command(export, env) for _ in range(options.repeat)])
        for size in (10, 200):
            timings = server_timings(url, key_file, clients[size], options.repeat)
            report(f"GET /api/clients/{{id}}/fhir, {size} sessions, in-process", timings)


if __name__ == "__main__":
    main()
