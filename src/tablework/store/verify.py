"""Checking the chain: every link authentic and in order, every record as it was linked.

`verify_session` answers for one session (`tablework note verify`); `verify_all` for the
whole database (`tablework db check`). Both return plain-language problems, empty when
nothing was altered. Records of a client erased after the retention period are gone by
design: their links stay, and an authentic `erase` audit entry accounts for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from tablework.store.chain import link_digest, record_content, record_digest
from tablework.store.tables import audit, chain_links, events, note_addenda, note_versions, sessions

TABLES: dict[str, Table] = {
    "event": events,
    "note_version": note_versions,
    "addendum": note_addenda,
    "audit": audit,
}
LABELS = {
    "event": "event",
    "note_version": "note version",
    "addendum": "addendum",
    "audit": "audit entry",
}


WRONG_KEY = (
    "no chain link is authentic under this record key: is TABLEWORK_KEY_FILE the key these "
    "records were made with?"
)


@dataclass(frozen=True)
class Link:
    position: int
    kind: str
    record_id: int
    session_id: str | None
    record_digest: str
    link: str


def verify_session(conn: Connection, key: bytes, session_id: str) -> list[str]:
    """Every problem with one session's records and with the chain that holds them."""
    links = _links(conn)
    problems = _chain_breaks(key, links)
    if problems == [WRONG_KEY]:
        return problems  # every record would fail too; one line says why
    mine = [link for link in links if link.session_id == session_id]
    problems += _record_problems(conn, key, mine, session_id, erased=set())
    return problems


def verify_all(engine: Engine, key: bytes | None = None) -> list[str]:
    """Every problem in the database's chain and records (for `db check`)."""
    from tablework.settings import key_file
    from tablework.store import record_key

    with engine.connect() as conn:
        links = _links(conn)
        if key is None:
            if not links and not _any_record(conn):
                return []
            key = record_key.load(key_file())
        problems = _chain_breaks(key, links)
        if problems == [WRONG_KEY]:
            return problems
        erased = _erased_records(conn, key, links)
        return problems + _record_problems(conn, key, links, None, erased)


def _links(conn: Connection) -> list[Link]:
    rows = conn.execute(select(chain_links).order_by(chain_links.c.position)).all()
    return [
        Link(r.position, r.kind, r.record_id, r.session_id, r.record_digest, r.link) for r in rows
    ]


def _chain_breaks(key: bytes, links: list[Link]) -> list[str]:
    problems = []
    previous: str | None = ""
    expected = 1
    for link in links:
        if link.position != expected:
            problems.append(
                f"chain links {expected} to {link.position - 1} are missing: records were removed"
            )
            previous = None  # the link before this one is gone: this one cannot be judged
        if previous is not None and link.link != link_digest(
            key,
            link.position,
            previous,
            link.kind,
            link.record_id,
            link.session_id,
            link.record_digest,
        ):
            problems.append(
                f"chain link {link.position} is not authentic: it was forged, reordered, or "
                "made with another key"
            )
        previous = link.link
        expected = link.position + 1
    forged = [p for p in problems if "is not authentic" in p]
    return [WRONG_KEY] if links and len(forged) == len(links) else problems


def _record_problems(
    conn: Connection,
    key: bytes,
    links: list[Link],
    session_id: str | None,
    erased: set[str],
) -> list[str]:
    problems = []
    headers = _headers(conn, session_id)
    for kind, table in TABLES.items():
        if session_id is not None and kind == "audit":
            continue
        rows = _rows(conn, table, session_id)
        linked = {link.record_id: link for link in links if link.kind == kind}
        problems += _changed_or_missing(key, kind, linked, rows, headers, erased)
        problems += [
            f"{_where(row.get('session_id'))}: {_name(kind, row)} is not in the chain: "
            "it was added outside Tablework"
            for record_id, row in rows.items()
            if record_id not in linked
        ]
    return problems


def _changed_or_missing(
    key: bytes,
    kind: str,
    linked: dict[int, Link],
    rows: dict[int, dict[str, Any]],
    headers: dict[str, Mapping[str, Any]],
    erased: set[str],
) -> list[str]:
    problems = []
    for record_id, link in linked.items():
        row = rows.get(record_id)
        if row is None:
            if link.session_id not in erased:
                problems.append(
                    f"{_where(link.session_id)}: a recorded {LABELS[kind]} (record {record_id}) "
                    "was deleted or moved to another session"
                )
            continue
        header = headers.get(row["session_id"]) if _opens(kind, row) else None
        if record_digest(key, record_content(kind, row, header)) != link.record_digest:
            problems.append(
                f"{_where(link.session_id)}: {_name(kind, row)} was changed after it was recorded"
            )
    return problems


def _erased_records(conn: Connection, key: bytes, links: list[Link]) -> set[str]:
    """Ids named by authentic `erase` audit entries (clients and their sessions)."""
    authentic = {link.record_id: link for link in links if link.kind == "audit"}
    found = set()
    for row in _rows(conn, audit, None).values():
        link = authentic.get(row["id"])
        if row["action"] != "erase" or link is None:
            continue
        if record_digest(key, record_content("audit", row)) == link.record_digest:
            found.add(row["record"])
    return found


def _rows(conn: Connection, table: Table, session_id: str | None) -> dict[int, dict[str, Any]]:
    query = select(table)
    if session_id is not None:
        query = query.where(table.c.session_id == session_id)
    return {row.id: dict(row._mapping) for row in conn.execute(query)}


def _headers(conn: Connection, session_id: str | None) -> dict[str, Mapping[str, Any]]:
    query = select(sessions)
    if session_id is not None:
        query = query.where(sessions.c.id == session_id)
    return {row.id: dict(row._mapping) for row in conn.execute(query)}


def _opens(kind: str, row: Mapping[str, Any]) -> bool:
    return kind == "event" and row["seq"] == 1


def _where(session_id: str | None) -> str:
    return f"session {session_id}" if session_id is not None else "audit"


def _name(kind: str, row: Mapping[str, Any]) -> str:
    if kind == "event":
        return f"event {row['seq']} ({row['type']})"
    if kind == "note_version":
        return f"note version {row['version']} ({row['kind']})"
    return f"{LABELS[kind]} (record {row['id']})"


def _any_record(conn: Connection) -> bool:
    return any(conn.execute(select(table.c.id).limit(1)).first() for table in TABLES.values())
