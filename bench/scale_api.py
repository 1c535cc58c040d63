"""The therapist's reads through a real server, on a database at 10 k and 100 k sessions.

    python bench/scale_api.py [--database sqlite|postgresql] [--sizes 10000,100000]

The database grows in steps with `tablework demo --clients N --sessions 10` (about 12
events a session, every event chained, each session summarised) plus, at the first step,
one client with 200 sessions. At each size a `tablework serve` is started and each read is
timed from the client (median and worst of --repeat calls after one warm-up) with the
server's own CPU time per call beside it (user + system of the server process, read from
/proc: the steadier figure on a shared machine):
- a client's history: GET /api/clients/{id} (a 10-session client, and the 200-session one)
- the clinic's outcomes: GET /api/outcomes (the owner sees every client)
- a client's FHIR export: GET /api/clients/{id}/fhir (10 sessions, and 200)
- the client search: GET /api/clients?q=... (one invented client's name)
The growth ratio is the figure at the largest size over the figure at the smallest.
The SQLite file stays in --folder (remove it before a rerun); PostgreSQL uses a database
of its own on TABLEWORK_TEST_DATABASE_URL's server, dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).parent))
from loadlib import Server, client_headers, database, prepare

from tablework.store.tables import clients, sessions

CLK = os.sysconf("SC_CLK_TCK")


def demo(url: str, key_file: Path, clients_count: int, per_client: int) -> float:
    env = {**os.environ, "TABLEWORK_DATABASE_URL": url, "TABLEWORK_KEY_FILE": str(key_file)}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tablework", "demo", "--clients", str(clients_count),
         "--sessions", str(per_client)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - began


def server_cpu(server: Server) -> float:
    assert server.process is not None
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def pick(url: str) -> dict[str, Any]:
    """A 10-session client, the 200-session client, a search fragment, and the totals."""
    engine = create_engine(url)
    with engine.connect() as conn:
        big = conn.execute(
            select(sessions.c.client_id, func.count().label("n"))
            .group_by(sessions.c.client_id)
            .order_by(text("n DESC"))
            .limit(1)
        ).one()
        typical = conn.scalar(
            select(sessions.c.client_id)
            .group_by(sessions.c.client_id)
            .having(func.count() == 10)
            .order_by(sessions.c.client_id)
            .limit(1)
        )
        name = conn.scalar(select(clients.c.display_name).where(clients.c.id == typical))
        total = conn.scalar(select(func.count()).select_from(sessions))
        events = conn.scalar(text("SELECT count(*) FROM events"))
    engine.dispose()
    return {
        "big": big.client_id,
        "big_sessions": big.n,
        "typical": typical,
        "fragment": str(name),
        "sessions": total,
        "events": events,
    }


def timed(server: Server, http: httpx.Client, path: str, repeat: int) -> dict[str, Any]:
    answer = http.get(path)  # warm-up (and the size of the answer)
    answer.raise_for_status()
    walls, cpus = [], []
    for _ in range(repeat):
        cpu = server_cpu(server)
        began = time.perf_counter()
        http.get(path).raise_for_status()
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((server_cpu(server) - cpu) * 1000)
    return {
        "median_ms": round(statistics.median(walls), 1),
        "worst_ms": round(max(walls), 1),
        "server_cpu_ms": round(statistics.median(cpus), 1),
        "bytes": len(answer.content),
    }


def measure(url: str, key_file: Path, token: str, log: Path, repeat: int) -> dict[str, Any]:
    chosen = pick(url)
    found: dict[str, Any] = {"sessions": chosen["sessions"], "events": chosen["events"]}
    with (
        Server(url, key_file, log) as server,
        httpx.Client(base_url=server.base, headers=client_headers(token), timeout=600) as http,
    ):
        typical, big, many = chosen["typical"], chosen["big"], chosen["big_sessions"]
        reads = {
            "history (10 sessions)": f"/api/clients/{typical}",
            f"history ({many} sessions)": f"/api/clients/{big}",
            "fhir export (10 sessions)": f"/api/clients/{typical}/fhir",
            f"fhir export ({many} sessions)": f"/api/clients/{big}/fhir",
            "client search": f"/api/clients?q={chosen['fragment']}",
            "outcomes (clinic)": "/api/outcomes",
        }
        for label, path in reads.items():
            rounds = max(1, repeat // 3) if label.startswith("outcomes") else repeat
            found[label] = timed(server, http, path, rounds)
            print(f"{chosen['sessions']} sessions, {label}: {found[label]}", file=sys.stderr)
        found["search_matches"] = len(http.get(reads["client search"]).json())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/tablework-scale"))
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    folder = options.folder / options.database
    folder.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    with database(options.database, folder) as url:
        key_file = folder / "record.key"
        token = prepare(url, key_file)
        made = 0
        demo(url, key_file, 1, 200)
        for size in sizes:
            took = demo(url, key_file, (size - made) // 10, 10)
            made = size
            print(f"grew to {size} sessions in {took:.0f} s", file=sys.stderr)
            found = measure(url, key_file, token, folder / "server.log", options.repeat)
            found["grew_seconds"] = round(took)
            results.append(found)
            print(json.dumps(found), flush=True)
    print(json.dumps({"database": options.database, "results": results}))


if __name__ == "__main__":
    main()
