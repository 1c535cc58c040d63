"""Crash the server (SIGKILL) or PostgreSQL (immediate restart) at random moments under load.

    python bench/crash.py [--database sqlite|postgresql] [--kills 20] [--sessions 20]
    python bench/crash.py --postgres-restarts 5      # a private PostgreSQL cluster

Live sessions post a note about once a second, each with its own Idempotency-Key, and hold
their streams (bench/loadlib.py). A post that gets no answer (connection refused or cut, or
a 5xx while the database is away) is retried with the same key until it is acknowledged:
201 stored now, or 200 stored before the crash. The client's ledger of acknowledged posts
must then match the database exactly: every key stored once, at the seq the server
answered, none missing, none doubled, nothing stored that was never acknowledged.

Server kills: once the (re)started server has acknowledged posts again, the whole
`tablework serve` process group gets SIGKILL at a random moment (0 to 2 s later);
`tablework db check` runs on the database before the server is started again.
PostgreSQL restarts: `pg_ctl restart -m immediate` (no shutdown checkpoint: crash
recovery at start) of a throwaway cluster this script creates on a free port as the
`postgres` user, so the shared server other people's tests use is never restarted;
`db check` runs at the end. The streams reconnect with Last-Event-ID; each acknowledged
seq must reach its stream exactly once as well.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from loadlib import (
    Ledger,
    Server,
    audit_ledger,
    database,
    free_port,
    live_load,
    prepare,
    start_sessions,
    stream_figures,
)

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def db_check(url: str, key_file: Path) -> tuple[bool, str]:
    env = {**os.environ, "TABLEWORK_DATABASE_URL": url, "TABLEWORK_KEY_FILE": str(key_file)}
    done = subprocess.run(
        [sys.executable, "-m", "tablework", "db", "check"], env=env, capture_output=True
    )
    said = (done.stdout.decode() + done.stderr.decode()).strip().splitlines()
    return done.returncode == 0, (said[-1] if said else "")


def summary(kind: str, ledger: Any, url: str, checks: list[tuple[bool, str]]) -> dict[str, Any]:
    figures = audit_ledger(url, ledger)
    stream = stream_figures(ledger)
    return {
        "database": kind,
        **figures,
        "stream_missed": stream["stream_missed"],
        "stream_duplicates": stream["stream_duplicates"],
        "retries": ledger.retries,
        "statuses": ledger.statuses,
        "db_checks": len(checks),
        "db_checks_failed": sum(1 for ok, _ in checks if not ok),
        "last_db_check": checks[-1][1] if checks else None,
    }


def server_kills(kind: str, kills: int, sessions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as name, database(kind, Path(name)) as url:
        folder = Path(name)
        key_file = folder / "record.key"
        token = prepare(url, key_file)
        server = Server(url, key_file, folder / "server.log")
        server.start()
        checks: list[tuple[bool, str]] = []
        downtime: list[float] = []
        try:
            ids = asyncio.run(start_sessions(server.base, token, sessions, clients=2))

            ledger = Ledger()

            async def killer() -> None:
                for _ in range(kills):
                    # Kill while posts are in flight: once the restarted server is answering
                    # (some posts acknowledged since the last kill), at a random moment.
                    target = len(ledger.acked) + sessions // 2
                    deadline = time.monotonic() + 120
                    while len(ledger.acked) < target and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                    await asyncio.sleep(random.uniform(0.0, 2.0))
                    down = time.perf_counter()
                    await asyncio.to_thread(server.kill)
                    checks.append(await asyncio.to_thread(db_check, url, key_file))
                    await asyncio.to_thread(server.start)
                    downtime.append(time.perf_counter() - down)
                    print(f"kill {len(checks)}: db check {checks[-1]}", file=sys.stderr)
                await asyncio.sleep(2.0)  # some load after the last restart

            _, took = asyncio.run(
                live_load(
                    server.base,
                    token,
                    ids,
                    0,
                    retry_seconds=120,
                    grace=5,
                    during=killer,
                    ledger=ledger,
                )
            )
        finally:
            server.stop()
        checks.append(db_check(url, key_file))
        found = summary(kind, ledger, url, checks)
        found |= {
            "kills": kills,
            "sessions": sessions,
            "seconds": round(took, 1),
            "mean_restart_s": round(sum(downtime) / max(1, len(downtime)), 1),
        }
        return found


@contextmanager
def private_cluster(folder: Path) -> Iterator[tuple[str, Path, int]]:
    """A throwaway PostgreSQL 15 cluster owned by `postgres`, on a free loopback port."""
    data = folder / "pgdata"
    data.mkdir()
    shutil.chown(folder, "postgres")
    shutil.chown(data, "postgres")
    port = free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on"
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "pg.log")]
    as_postgres(*ctl, "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data, port
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            as_postgres(*ctl, "-m", "immediate", "-w", "stop")


def restart_cluster(folder: Path, data: Path, port: int) -> None:
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on"
    command = ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data)]
    command += ["-o", options, "-l", str(folder / "pg.log"), "-m", "immediate", "-w", "restart"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def postgres_restarts(restarts: int, sessions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tw-crash-pg-") as name:
        folder = Path(name)
        os.chmod(folder, 0o755)
        with private_cluster(folder) as (url, data, port):
            key_file = folder / "record.key"
            token = prepare(url, key_file)
            with Server(url, key_file, folder / "server.log") as server:
                ids = asyncio.run(start_sessions(server.base, token, sessions, clients=2))

                async def restarter() -> None:
                    for n in range(restarts):
                        await asyncio.sleep(random.uniform(1.0, 4.0))
                        await asyncio.to_thread(restart_cluster, folder, data, port)
                        print(f"postgres restart {n + 1}", file=sys.stderr)
                    await asyncio.sleep(5.0)

                ledger, took = asyncio.run(
                    live_load(
                        server.base, token, ids, 0, retry_seconds=120, grace=25, during=restarter
                    )
                )
            checks = [db_check(url, key_file)]
            found = summary("postgresql (server restarts)", ledger, url, checks)
            found |= {
                "postgres_restarts": restarts,
                "sessions": sessions,
                "seconds": round(took, 1),
            }
            return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--postgres-restarts", type=int, default=0, help="restart a private cluster instead"
    )
    options = parser.parse_args()
    if options.postgres_restarts:
        found = postgres_restarts(options.postgres_restarts, options.sessions)
    else:
        found = server_kills(options.database, options.kills, options.sessions)
    print(json.dumps(found))
    failed = found["lost_events"] or found["duplicate_events"] or found["db_checks_failed"]
    raise SystemExit(1 if failed or found["stored_unacknowledged"] else 0)


if __name__ == "__main__":
    main()
