"""The chain: every stored event, note version, addendum and audit entry, linked in order.

Each record gets a link in `chain_links` in the same transaction that stores it. A link
holds the record's keyed digest (HMAC-SHA256 of its RFC 8785 canonical JSON) and its own
HMAC, which covers its position, the record's digest and the previous link's HMAC. Making
a link reads only the previous link (the head), never the whole chain. The key lives
outside the database (`record_key`), so someone who can write to the database but not
read the key can neither change a record nor forge, remove or reorder a link unnoticed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, inspect, select

from tablework.store.tables import chain_links

ADVISORY_LOCK = 0x7461626C  # "tabl": one chain appender at a time on PostgreSQL
KINDS = ("event", "note_version", "addendum", "audit")
BATCH_HEAD = "tablework.chain_head"
"""Key in a connection's `info` while a write transaction chains its records as one batch
(Store.writing): None until the first link reads the head, then the head it left."""


def record_content(
    kind: str, row: Mapping[str, Any], header: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What a link vouches for: the record's own columns, times in UTC.

    The first event of a session also carries the session header (client, pinned protocol,
    session index, start), so a session cannot be moved to another client or protocol.
    """
    if kind == "event":
        content = {
            "id": row["id"],
            "session_id": row["session_id"],
            "seq": row["seq"],
            "type": row["type"],
            "at": float(row["at"]),
            "payload": _as_stored(row["payload"]),
            "actor": row["actor"],
            "recorded_at": utc_text(row["recorded_at"]),
            "idempotency_key": row["idempotency_key"],
        }
        if header is not None:
            content["session"] = {
                "client_id": header["client_id"],
                "protocol": header["protocol"],
                "session_index": header["session_index"],
                "started_at": utc_text(header["started_at"]),
            }
        return content
    if kind == "note_version":
        return {
            "id": row["id"],
            "session_id": row["session_id"],
            "version": row["version"],
            "kind": row["kind"],
            "body": _as_stored(row["body"]),
            "author": row["author"],
            "created_at": utc_text(row["created_at"]),
            "digest": row["digest"],
        }
    if kind == "addendum":
        return {
            "id": row["id"],
            "session_id": row["session_id"],
            "author": row["author"],
            "created_at": utc_text(row["created_at"]),
            "text": row["text"],
        }
    if kind == "audit":
        content = {
            "id": row["id"],
            "actor": row["actor"],
            "action": row["action"],
            "record": row["record"],
            "at": utc_text(row["at"]),
        }
        if row.get("address") is not None:  # rows before revision 0007 have no address
            content["address"] = row["address"]
        return content
    raise ValueError(f"no chain content for {kind!r}")


def record_digest(key: bytes, content: Mapping[str, Any]) -> str:
    """The keyed digest of a record's canonical JSON."""
    return _mac(key, b"record\0", content)


def link_digest(
    key: bytes,
    position: int,
    previous: str,
    kind: str,
    record_id: int,
    session_id: str | None,
    digest: str,
) -> str:
    """The link's HMAC: its place, the previous link and the record it vouches for."""
    fields = {
        "position": position,
        "previous": previous,
        "kind": kind,
        "record_id": record_id,
        "session_id": session_id,
        "record_digest": digest,
    }
    return _mac(key, b"link\0", fields)


def take_turn(conn: Connection) -> None:
    """Wait for the chain: one writer at a time appends, until this transaction ends.

    SQLite writers already queue on BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped
    advisory lock does the same. Take it before reading anything the write depends on
    (the next seq, the next version), so racing writers queue instead of colliding.
    The lock is one per schema (each schema holds its own chain), so databases that
    share a PostgreSQL cluster in separate schemas do not queue on each other.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_ADVISORY_LOCK_SQL)


_ADVISORY_LOCK_SQL = (
    f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK}, hashtext(coalesce(current_schema(), '')))"
)


def insert_chained(
    conn: Connection,
    key: bytes,
    kind: str,
    table: Table,
    row: dict[str, Any],
    header: Mapping[str, Any] | None = None,
) -> int:
    """Insert `row` into `table` and chain it, in the caller's transaction; return its id."""
    statement = _INSERTS.get(table.name)
    if statement is None:
        statement = _INSERTS[table.name] = insert(table)
    inserted = conn.execute(statement, row).inserted_primary_key
    if inserted is None:
        raise RuntimeError(f"the database gave no id for the new {kind}")
    row["id"] = inserted[0]
    add_link(conn, key, kind, row, header)
    return int(row["id"])


def add_link(
    conn: Connection,
    key: bytes,
    kind: str,
    row: Mapping[str, Any],
    header: Mapping[str, Any] | None = None,
) -> None:
    """Chain a record just inserted on `conn`, inside the caller's transaction.

    The caller has taken its turn (`take_turn`) at the start of that transaction. In a
    batch (`BATCH_HEAD` in the connection's info) the head is read once, by the first
    link, and each later link follows the one made before it.
    """
    session_id = row.get("session_id")
    digest = record_digest(key, record_content(kind, row, header))
    head = conn.info.get(BATCH_HEAD)
    if head is None:
        found = conn.execute(_HEAD).first()
        head = (found.position, found.link) if found is not None else (0, "")
    position, previous = head[0] + 1, head[1]
    link = link_digest(key, position, previous, kind, row["id"], session_id, digest)
    conn.execute(
        _INSERT_LINK,
        {
            "position": position,
            "kind": kind,
            "record_id": row["id"],
            "session_id": session_id,
            "record_digest": digest,
            "link": link,
        },
    )
    if BATCH_HEAD in conn.info:
        conn.info[BATCH_HEAD] = (position, link)


_HEAD = (
    select(chain_links.c.position, chain_links.c.link)
    .order_by(chain_links.c.position.desc())
    .limit(1)
)
_INSERT_LINK = insert(chain_links)
_INSERTS: dict[str, Any] = {}
"""One INSERT statement per chained table, built once."""


def utc_text(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def _as_stored(value: Any) -> Any:
    # What a JSON column gives back: lists, not tuples; the same either side of storage.
    return json.loads(json.dumps(value))


def _mac(key: bytes, purpose: bytes, value: Mapping[str, Any]) -> str:
    import rfc8785  # only writers and verifiers need it

    return hmac.new(key, purpose + rfc8785.dumps(dict(value)), hashlib.sha256).hexdigest()


def chain_existing(conn: Connection) -> None:
    """Chain records stored before the chain existed, oldest first (a migration step)."""
    from tablework.settings import key_file
    from tablework.store import record_key
    from tablework.store.tables import events, note_addenda, note_versions, sessions

    timed = [
        ("event", events, events.c.recorded_at),
        ("note_version", note_versions, note_versions.c.created_at),
        ("addendum", note_addenda, note_addenda.c.created_at),
    ]
    found = [
        (row._mapping[column.name], kind, dict(row._mapping))
        for kind, table, column in timed
        for row in conn.execute(select(table).order_by(table.c.id))
    ]
    if not found:
        return
    key = record_key.load_or_create(key_file())
    take_turn(conn)
    headers = {row.id: dict(row._mapping) for row in conn.execute(select(sessions))}
    for _, kind, row in sorted(found, key=lambda item: (utc_text(item[0]), KINDS.index(item[1]))):
        opens = kind == "event" and row["seq"] == 1
        add_link(conn, key, kind, row, headers.get(row["session_id"]) if opens else None)


def key_holds(conn: Connection, key: bytes) -> bool:
    """Whether `key` made the newest link (True on an empty chain): a missing or wrong key
    must not write records that the right key would then call forged."""
    if not inspect(conn).has_table(chain_links.name):
        return True  # a schema from before the chain: nothing to match yet
    rows = conn.execute(select(chain_links).order_by(chain_links.c.position.desc()).limit(2)).all()
    if not rows:
        return True
    head = rows[0]
    previous = rows[1].link if len(rows) > 1 else ""
    if len(rows) > 1 and rows[1].position != head.position - 1:
        return True  # a gap: verification reports it; the key itself cannot be judged here
    expected = link_digest(
        key,
        head.position,
        previous,
        head.kind,
        head.record_id,
        head.session_id,
        head.record_digest,
    )
    return bool(hmac.compare_digest(expected, head.link))
