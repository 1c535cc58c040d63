"""Abuse a real `tablework serve`: fuzzing, hostile bodies, other people's records, logins.

    python bench/abuse.py [--database sqlite|postgresql] [--max-examples 30] [--json]

1. schemathesis (bounded: --max-examples per operation, --max-time) over every operation
   of /openapi.json, with a therapist's bearer token and the ids of her records in every
   path (so bodies get past the 404), checking `not_a_server_error`; the
   requests and their statuses are counted from its HAR report. The two routes that
   revoke the caller's own token are left out (they would log the fuzzer out).
2. The hostile-input corpus of tests/test_hostile_input.py, as HTTP bodies to every route
   that takes one, at ids that exist (so the body is what is judged): nesting 100,000 deep,
   over the size limit (with and without Content-Length), bad UTF-8, a lone surrogate, NUL,
   integers of 400 digits, 1e400, NaN, Infinity, wrong types, 50,000 keys, a 100,000-char
   name, a form where JSON is expected, and hostile headers (Idempotency-Key, Last-Event-ID).
3. The cross-therapist sweep: every route about a record, with ids of alice's records,
   called by bob (same clinic, not assigned) and charlie (another clinic): each must
   answer 404 (never 2xx, never 5xx); the owner must reach them.
4. A burst of logins (run before the fuzzer, whose failed logins throttle the address):
   200 wrong passwords for one account and 50 for accounts that do not exist, 20 at a
   time, then the right password (which must now be throttled, 429).
Target: 0 answers of 500 or more, and no traceback in the server's log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from loadlib import INTAKE, Server, database

from tablework.store import tokens
from tablework.store.accounts import add_user
from tablework.store.database import migrate, open_engine
from tablework.store.repo import Store

PASSWORD = "correct horse battery"
PEOPLE = {
    "alice": ("therapist", "default"),
    "bob": ("therapist", "default"),
    "olivia": ("owner", "default"),
    "charlie": ("therapist", "elsewhere"),
}
DEEP = 100_000
LIMIT = 1024 * 1024
NOTE_TEXT = "SUBJECTIVE\n- a\nOBJECTIVE\n- b\nASSESSMENT\n- c\nPLAN\n- d\n"


def accounts(url: str, key_file: Path) -> dict[str, str]:
    os.environ["TABLEWORK_KEY_FILE"] = str(key_file)
    engine = open_engine(url)
    migrate(engine)
    store = Store(engine)
    found = {}
    for name, (role, clinic) in PEOPLE.items():
        account = add_user(store, f"{name}@example.org", role, PASSWORD, clinic)
        found[name] = tokens.issue(store, account, "bearer", timedelta(hours=4)).secret
    engine.dispose()
    return found


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def alices_records(base: str, token: str) -> dict[str, str]:
    """A client, intake, session (with events, a signed note and a remote) of alice's."""
    with httpx.Client(base_url=base, headers=auth(token), timeout=30) as http:
        client = http.post("/api/clients", json={"display_name": "Invented Client"}).json()["id"]
        intake = http.post(f"/api/clients/{client}/intakes", json=INTAKE).json()["id"]
        session = http.post("/api/sessions", json={"client_id": client}).json()["id"]
        http.post(f"/api/sessions/{session}/events", json={"type": "note", "text": "fine"})
        remote = http.post(f"/api/sessions/{session}/remote").json()["url"].rsplit("/", 1)[1]
        second = http.post("/api/sessions", json={"client_id": client}).json()["id"]
        http.put(f"/api/sessions/{second}/note", json={"text": NOTE_TEXT})
        http.post(f"/api/sessions/{second}/note/sign", json={"by": "Invented Therapist"})
    return {
        "client_id": client,
        "intake_id": intake,
        "session_id": session,
        "signed_session_id": second,
        "token": remote,
    }


# --- 1. schemathesis -------------------------------------------------------------------------


def fuzz(
    base: str, token: str, ids: dict[str, str], folder: Path, max_examples: int, max_time: int
) -> dict[str, Any]:
    har = folder / "fuzz.har"
    config = folder / "schemathesis.toml"
    # Path ids of alice's records, so generated bodies reach the code behind the 404 check.
    config.write_text(
        "[parameters]\n"
        f'"path.client_id" = "{ids["client_id"]}"\n'
        f'"path.session_id" = "{ids["session_id"]}"\n'
        f'"path.token" = "{ids["token"]}"\n'
    )
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
        f"{base}/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        "--checks", "not_a_server_error",
        "--max-examples", str(max_examples), "--max-time", str(max_time),
        "--request-timeout", "10", "--workers", "1", "--seed", "13",
        "--exclude-path", "/api/auth/token", "--exclude-path", "/api/auth/logout",
        "--report", "har", "--report-har-path", str(har), "--no-color",
    ]  # fmt: skip
    began = time.perf_counter()
    # In the temporary folder: schemathesis keeps its example database in the working folder.
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    took = time.perf_counter() - began
    statuses: Counter[int] = Counter()
    operations: set[str] = set()
    if har.exists():
        for entry in json.loads(har.read_text())["log"]["entries"]:
            statuses[entry["response"]["status"]] += 1
            operations.add(f"{entry['request']['method']} {entry['request']['url']}")
    tail = [line for line in done.stdout.splitlines() if line.strip()][-12:]
    return {
        "requests": sum(statuses.values()),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "statuses": dict(sorted(statuses.items())),
        "schemathesis_exit": done.returncode,
        "schemathesis_summary": tail,
        "seconds": round(took, 1),
    }


# --- 2. hostile bodies -------------------------------------------------------------------


def hostile_bodies() -> Iterator[tuple[str, bytes, dict[str, str]]]:
    """(name, body, extra headers): each must be refused with a 4xx."""
    json_type = {"Content-Type": "application/json"}
    yield "deep-array", b"[" * DEEP + b"]" * DEEP, json_type
    yield "deep-object", b'{"a": ' * DEEP + b"1" + b"}" * DEEP, json_type
    yield "over-limit", b'{"text": "' + b"x" * (LIMIT + 10) + b'"}', json_type
    yield "huge-integer", b'{"type": "note", "at": ' + b"9" * 400 + b', "text": "x"}', json_type
    yield "float-1e400", b'{"type": "note", "at": 1e400, "text": "x"}', json_type
    yield "nan", b'{"type": "note", "at": NaN, "text": "x", "display_name": NaN}', json_type
    yield "infinity", b'{"pain_before": -Infinity, "at": Infinity}', json_type
    yield "bad-utf8", b'{"display_name": "Zo\xff\xfe", "text": "t\xf6"}', json_type
    yield "lone-surrogate", b'{"display_name": "a\\udcffb", "text": "a\\ud800"}', json_type
    yield "nul-byte", b'{"display_name": "a\x00b", "text": "a\\u0000b"}', json_type
    yield "trailing-nul", b'{"display_name": "a"}\x00', json_type
    yield "not-json", b'{"display_name": ', json_type
    yield "empty", b"", json_type
    yield "array", b"[]", json_type
    yield "string", b'"hello"', json_type
    yield "number", b"12", json_type
    yield "null", b"null", json_type
    yield "wrong-types", json.dumps(
        {"display_name": {"a": 1}, "client_id": 5, "type": 7, "at": "soon", "text": [1],
         "pressure": 3, "pain": "high", "by": None, "protocol": {"id": 1}}
    ).encode(), json_type  # fmt: skip
    yield "unknown-event", b'{"type": "drop_table", "at": 1}', json_type
    many = ",".join(f'"k{i}": {i}' for i in range(50_000))
    yield "50k-keys", ("{" + many + "}").encode(), json_type
    yield (
        "long-name",
        json.dumps({"display_name": "x" * 100_000, "text": "y" * 100_000}).encode(),
        (json_type),
    )
    yield "duplicate-keys", b'{"type": "note", "type": "session_started", "at": 1}', json_type
    yield "form", b"display_name=x&text=y", {"Content-Type": "application/x-www-form-urlencoded"}
    yield "xml", b"<?xml version='1.0'?><a>&x;</a>", {"Content-Type": "application/xml"}
    yield "no-type", b'{"display_name": "x"}', {}


def body_routes(ids: dict[str, str]) -> list[tuple[str, str]]:
    session, signed = ids["session_id"], ids["signed_session_id"]
    return [
        ("POST", "/api/clients"),
        ("POST", f"/api/clients/{ids['client_id']}/intakes"),
        ("POST", "/api/sessions"),
        ("POST", f"/api/sessions/{session}/events"),
        ("PUT", f"/api/sessions/{session}/note"),
        ("POST", f"/api/sessions/{session}/note/sign"),
        ("POST", f"/api/sessions/{signed}/note/addenda"),
        ("POST", f"/r/{ids['token']}/answers"),
        ("POST", "/api/auth/token"),
        ("POST", "/api/auth/login"),
    ]


def chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 65536):
        yield body[start : start + 65536]


def hostile(base: str, token: str, ids: dict[str, str]) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    accepted: list[str] = []
    failures: list[str] = []
    with httpx.Client(base_url=base, headers=auth(token), timeout=60) as http:
        for name, body, headers in hostile_bodies():
            for method, path in body_routes(ids):
                answer = http.request(method, path, content=body, headers=headers)
                statuses[answer.status_code] += 1
                if answer.status_code >= 500:
                    failures.append(f"{name} {method} {path}: {answer.status_code}")
                elif answer.status_code < 400:
                    accepted.append(f"{name} {method} {path}: {answer.status_code}")
        # over the limit with no Content-Length (chunked): must stop reading at the limit
        big = b'{"text": "' + b"x" * (4 * LIMIT) + b'"}'
        for method, path in body_routes(ids):
            answer = http.request(
                method, path, content=chunks(big), headers={"Content-Type": "application/json"}
            )
            statuses[answer.status_code] += 1
            if answer.status_code >= 500:
                failures.append(f"chunked-over-limit {method} {path}: {answer.status_code}")
        session = ids["session_id"]
        for name, value in {
            "long-idempotency-key": b"k" * 10_000,
            "odd-idempotency-key": "../../etc/passwd;\u00e9".encode(),
            "empty-idempotency-key": b"",
            "control-idempotency-key": b"a\x01b",
        }.items():
            answer = http.post(
                f"/api/sessions/{session}/events",
                json={"type": "note", "text": "x"},
                headers={"Idempotency-Key": value},  # type: ignore[dict-item]
            )
            statuses[answer.status_code] += 1
            if answer.status_code >= 500:
                failures.append(f"{name}: {answer.status_code}")
        for value in ("9" * 400, "-1", "abc", "1e9"):
            with http.stream(
                "GET", f"/api/sessions/{session}/stream", headers={"Last-Event-ID": value}
            ) as answer:
                statuses[answer.status_code] += 1
                if answer.status_code >= 500:
                    failures.append(f"last-event-id {value[:10]}: {answer.status_code}")
    return {
        "requests": sum(statuses.values()),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "statuses": dict(sorted(statuses.items())),
        "failures": failures[:20],
        "accepted": accepted[:20],
        "accepted_count": len(accepted),
    }


# --- 3. other therapists' records ----------------------------------------------------------


def record_routes(base: str, ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    """Every operation with a client or session id in its path, filled with alice's ids."""
    schema = httpx.get(f"{base}/openapi.json").json()
    bodies: dict[str, Any] = {
        "/api/sessions/{session_id}/events": {"type": "note", "text": "x"},
        "/api/sessions/{session_id}/note": {"text": NOTE_TEXT},
        "/api/sessions/{session_id}/note/sign": {"by": "Someone Else"},
        "/api/sessions/{session_id}/note/addenda": {"text": "late"},
        "/api/clients/{client_id}/intakes": INTAKE,
    }
    found = []
    for path, operations in schema["paths"].items():
        if "{client_id}" not in path and "{session_id}" not in path:
            continue
        for method in operations:
            concrete = path.replace("{client_id}", ids["client_id"]).replace(
                "{session_id}", ids["session_id"]
            )
            found.append((method.upper(), concrete, bodies.get(path)))
    found.append(("POST", "/api/sessions", {"client_id": ids["client_id"]}))
    return found


def sweep(base: str, people: dict[str, str], ids: dict[str, str]) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    leaks: list[str] = []
    failures: list[str] = []
    owner_missed: list[str] = []
    routes = record_routes(base, ids)
    for who in ("bob", "charlie", "olivia"):
        with httpx.Client(base_url=base, headers=auth(people[who]), timeout=30) as http:
            for method, path, body in routes:
                if path.endswith("/stream"):
                    with http.stream(method, path) as answer:
                        status = answer.status_code
                else:
                    status = http.request(method, path, json=body).status_code
                statuses[status] += 1
                if status >= 500:
                    failures.append(f"{who} {method} {path}: {status}")
                elif who != "olivia" and status != 404:
                    leaks.append(f"{who} {method} {path}: {status}")
                elif who == "olivia" and status == 404:
                    owner_missed.append(f"{method} {path}")
    return {
        "requests": sum(statuses.values()),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "statuses": dict(sorted(statuses.items())),
        "routes": len(routes),
        "leaks": leaks,
        "owner_missed": owner_missed,
        "failures": failures,
    }


# --- 4. a burst of logins ------------------------------------------------------------------


async def login_burst(base: str) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    gate = asyncio.Semaphore(20)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def one(username: str, password: str) -> None:
            async with gate:
                answer = await http.post(
                    "/api/auth/token", data={"username": username, "password": password}
                )
                statuses[answer.status_code] += 1

        began = time.perf_counter()
        wrong = [one("alice@example.org", f"wrong {i}") for i in range(200)]
        nobody = [one(f"nobody{i}@example.org", "whatever 123") for i in range(50)]
        await asyncio.gather(*wrong, *nobody)
        took = time.perf_counter() - began
        right = await http.post(
            "/api/auth/token", data={"username": "alice@example.org", "password": PASSWORD}
        )
        statuses[right.status_code] += 1
    return {
        "requests": sum(statuses.values()),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "statuses": dict(sorted(statuses.items())),
        "right_password_after_burst": right.status_code,
        "seconds": round(took, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--max-time", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as name,
        database(options.database, Path(name)) as url,
    ):
        folder = Path(name)
        key_file = folder / "record.key"
        people = accounts(url, key_file)
        log = folder / "server.log"
        with Server(url, key_file, log) as server:
            ids = alices_records(server.base, people["alice"])
            found: dict[str, Any] = {"database": options.database}
            found["hostile_bodies"] = hostile(server.base, people["alice"], ids)
            print(f"hostile: {found['hostile_bodies']}", file=sys.stderr)
            found["access_sweep"] = sweep(server.base, people, ids)
            print(f"sweep: {found['access_sweep']}", file=sys.stderr)
            # The burst before the fuzzer: its failed logins would throttle this address.
            found["login_burst"] = asyncio.run(login_burst(server.base))
            print(f"logins: {found['login_burst']}", file=sys.stderr)
            found["fuzz"] = fuzz(
                server.base, people["alice"], ids, folder, options.max_examples, options.max_time
            )
            print(f"fuzz: {found['fuzz']}", file=sys.stderr)
            alive = httpx.get(f"{server.base}/healthz").status_code
        text = log.read_text()
        found["server_tracebacks"] = text.count("Traceback")
        found["server_healthy_after"] = alive == 200
        parts = ("fuzz", "hostile_bodies", "access_sweep", "login_burst")
        found["requests"] = sum(found[p]["requests"] for p in parts)
        found["server_errors"] = sum(found[p]["server_errors"] for p in parts)
        if found["server_tracebacks"]:
            (Path("/tmp") / "tablework-abuse-server.log").write_text(text)
    print(json.dumps(found, indent=None if options.json else 2))
    raise SystemExit(1 if found["server_errors"] or found["access_sweep"]["leaks"] else 0)


if __name__ == "__main__":
    main()
