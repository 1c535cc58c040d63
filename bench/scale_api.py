"""The therapist's reads through a real server, on a database at 10 k, 100 k and 1 M sessions.

    python bench/scale_api.py [--database sqlite|postgresql] [--sizes 10000,100000,1000000]
    python bench/scale_api.py --database postgresql --url URL --key-file KEY  (as it is)

The database grows in steps with `tablework demo --clients N --sessions 10` (about 12
events a session, every event chained, each session summarised) plus, at the first step,
one client with 200 sessions, up to --grown-up-to sessions; a larger size is reached by
copying every client in SQL (`multiply`: same events and summaries, new ids and names;
the copied chain links do not chain, so `db check` fails there: a database for timing
reads only). At each size a `tablework serve` is started and each read is timed from the
client, as the clinic's owner (median and worst of --repeat calls after one warm-up), with
the server process's own CPU time per call beside it (user + system from /proc, 10 ms
ticks; the database's own time is in the wall figure only) and the load average:
- a client's history: GET /api/clients/{id} (a 10-session client, and the 200-session one)
- a client's FHIR export: GET /api/clients/{id}/fhir (10 sessions)
- the client search: GET /api/clients?q=... (one invented client's whole name)
- the clinic's responder rates: GET /api/outcomes?sessions=false
- the clinic's outcomes listing, every session in one answer: GET /api/outcomes (only up
  to --listing-up-to sessions)
The SQLite file stays in --folder (remove it before a rerun); PostgreSQL uses a database
of its own on TABLEWORK_TEST_DATABASE_URL's server, dropped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from loadlib import Server, client_headers, database, prepare

from tablework.store import record_key
from tablework.store.chain import link_digest
from tablework.store.outcome_counts import recount_all
from tablework.store.tables import chain_links, clients, sessions

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


# Copies of every client, made by the database: the k-th copy of a row gets a new id made
# from its id, the round and k (PostgreSQL: their md5; SQLite: the id's first 29 hex
# digits, "x" and k, so one round of copies only), event ids and chain positions moved
# up by k times the largest, a name of its own (k, then the original's first digits),
# and the same events, summaries and times. The chain links are copied as they are, so
# they no longer chain: `db check` fails on such a database, which is only for timing
# reads (`seal` lets the server write on it).
CLONE = [
    """INSERT INTO clients (id, display_name, created_at)
       SELECT {new_id}, 'Invented client ' || :k || '-' || substr(id, 1, 6), created_at
       FROM clients WHERE id IN (SELECT id FROM copied_clients)""",
    """INSERT INTO sessions (id, client_id, protocol, session_index, started_at)
       SELECT {new_id}, {new_client_id}, protocol, session_index, started_at
       FROM sessions WHERE id IN (SELECT id FROM copied_sessions)""",
    """INSERT INTO session_summaries
       SELECT {new_session_id}, {new_client_id}, protocol, session_index, started_at,
              pain_before, pain_after, responder, ended, reactive_areas, psfs_mean, last_seq
       FROM session_summaries WHERE session_id IN (SELECT id FROM copied_sessions)""",
    """INSERT INTO events (id, session_id, seq, type, at, payload, actor, recorded_at,
                           idempotency_key)
       SELECT id + :k * :event_step, {new_session_id}, seq, type, at, payload, actor,
              recorded_at, idempotency_key
       FROM events WHERE id <= :event_step""",
    """INSERT INTO chain_links (position, kind, record_id, session_id, record_digest, link)
       SELECT position + :k * :link_step, kind, record_id + :k * :event_step,
              {new_session_id}, record_digest, link
       FROM chain_links WHERE kind = 'event' AND position <= :link_step""",
]
NEW_ID = {
    "postgresql": "md5({column} || '/' || :tag)",
    "sqlite": "substr({column}, 1, 29) || 'x' || printf('%02d', :k)",
}


def clone_statements(dialect: str) -> list[str]:
    made = {
        name: NEW_ID[dialect].format(column=column)
        for name, column in (
            ("new_id", "id"),
            ("new_client_id", "client_id"),
            ("new_session_id", "session_id"),
        )
    }
    return [statement.format(**made) for statement in CLONE]


def seal(conn: Connection, key: bytes) -> None:
    """Put one link made with the record key on top of the copied ones (kind "copies",
    vouching for no record), so the store's check that the key made the newest link
    passes and the server can write its audit rows."""
    head = conn.execute(
        select(chain_links.c.position, chain_links.c.link)
        .order_by(chain_links.c.position.desc())
        .limit(1)
    ).one()
    position = head.position + 1
    digest = hashlib.sha256(b"").hexdigest()
    link = link_digest(key, position, head.link, "copies", position, None, digest)
    conn.execute(
        insert(chain_links).values(
            position=position,
            kind="copies",
            record_id=position,
            session_id=None,
            record_digest=digest,
            link=link,
        )
    )


def multiply(url: str, factor: int, key: bytes) -> float:
    """Make the database `factor` times as large by copying its clients."""
    began = time.perf_counter()
    engine = create_engine(url)
    with engine.connect() as conn:
        dialect = conn.dialect.name
        if dialect == "sqlite" and factor > 99:
            raise SystemExit("on SQLite, copy at most 99 times")
        steps = {
            "event_step": conn.scalar(text("SELECT max(id) FROM events")),
            "link_step": conn.scalar(text("SELECT max(position) FROM chain_links")),
        }
        conn.execute(text("CREATE TEMP TABLE copied_sessions AS SELECT id FROM sessions"))
        conn.execute(
            text(
                "CREATE TEMP TABLE copied_clients AS SELECT DISTINCT client_id AS id FROM sessions"
            )
        )
        conn.commit()
        for k in range(1, factor):
            for statement in clone_statements(dialect):
                conn.execute(
                    text(statement), {"k": k, "tag": f"{steps['event_step']}.{k}", **steps}
                )
            conn.commit()
            print(f"copy {k} of {factor - 1} made", file=sys.stderr, flush=True)
        if dialect == "postgresql":
            for table, column in (("events", "id"), ("chain_links", "position")):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT max({column}) FROM {table}))"
                    )
                )
        recount_all(conn)
        seal(conn, key)
        conn.commit()
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()
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


def measure(
    url: str, key_file: Path, token: str, log: Path, repeat: int, listing: bool
) -> dict[str, Any]:
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
            "client search": f"/api/clients?q={chosen['fragment']}",
            "outcome rates (clinic)": "/api/outcomes?sessions=false",
        }
        if listing:  # every session of the clinic in one answer: it grows with the clinic
            reads["outcomes listing (clinic)"] = "/api/outcomes"
        for label, path in reads.items():
            rounds = max(1, repeat // 3) if label.startswith("outcomes") else repeat
            found[label] = timed(server, http, path, rounds)
            found[label]["load"] = os.getloadavg()[0]
            print(f"{chosen['sessions']} sessions, {label}: {found[label]}", file=sys.stderr)
        found["search_matches"] = len(http.get(reads["client search"]).json())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--grown-up-to",
        type=int,
        default=100_000,
        help="sizes above this are reached by copying clients in SQL (PostgreSQL only)",
    )
    parser.add_argument("--listing-up-to", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/tablework-scale"))
    parser.add_argument(
        "--url", help="measure this database as it is (already grown, kept afterwards)"
    )
    parser.add_argument("--key-file", type=Path, help="the record key that --url was grown with")
    options = parser.parse_args()
    folder = options.folder / options.database
    folder.mkdir(parents=True, exist_ok=True)
    if options.url:
        key_file = options.key_file or folder / "record.key"
        token = prepare(options.url, key_file)
        found = measure(options.url, key_file, token, folder / "server.log", options.repeat,
                        listing=pick(options.url)["sessions"] <= options.listing_up_to)  # fmt: skip
        print(json.dumps(found), flush=True)
        return
    results = grow_and_measure(options, folder)
    print(json.dumps({"database": options.database, "results": results}))


def grow_and_measure(options: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    sizes = [int(s) for s in options.sizes.split(",")]
    results: list[dict[str, Any]] = []
    with database(options.database, folder) as url:
        key_file = folder / "record.key"
        token = prepare(url, key_file)
        made = 0
        demo(url, key_file, 1, 200)
        for size in sizes:
            if size <= options.grown_up_to:
                took = demo(url, key_file, (size - made) // 10, 10)
            else:
                took = multiply(url, size // made, record_key.load(key_file))
            made = size
            print(f"grew to {size} sessions in {took:.0f} s", file=sys.stderr)
            found = measure(url, key_file, token, folder / "server.log", options.repeat,
                            listing=size <= options.listing_up_to)  # fmt: skip
            found["grew_seconds"] = round(took)
            results.append(found)
            print(json.dumps(found), flush=True)
    return results


if __name__ == "__main__":
    main()
