"""The only code that reads and writes the database: clients, sessions and their events.

Every write goes through `Store.writing()`, one transaction: a session saved whole (client,
header, every event) commits together or not at all. Appends are atomic and ordered: each
event gets the next `seq` of its session inside one transaction, a unique `(session_id,
seq)` makes two racing writers unable to both win (the loser retries), and an
`idempotency_key` makes a retried post return the stored event, never a different one.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from tablework.store.chain import BATCH_HEAD, insert_chained, key_holds, take_turn
from tablework.store.database import WRITE
from tablework.store.summaries import (
    SessionSummary,
    Standing,
    insert_summary,
    record_standing,
    record_standing_replayed,
    summary_from_row,
)
from tablework.store.tables import chain_links, clients, events, session_summaries, sessions

if TYPE_CHECKING:  # the event models are imported when an event is read or written
    from tablework.session.events import Event

MAX_APPEND_ATTEMPTS = 20
EVENTS_CHANNEL = "tablework_events"
"""PostgreSQL NOTIFY channel: every stored event sends `SESSION_ID:SEQ` on commit."""
MAX_KEY_LENGTH = 128
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]+")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Trail(Protocol):
    """Audit rows waiting for the next write transaction (see store.audit.AuditTrail)."""

    def add(self, action: str, record: str) -> None: ...

    def write(self, conn: Connection, key: bytes) -> None: ...


class NotFound(LookupError):
    """A client or session id that does not exist."""


class SeqConflict(RuntimeError):
    """Another writer appended first: the expected position is taken."""


class InvalidIdempotencyKey(ValueError):
    """An idempotency key that is too long or has characters outside [A-Za-z0-9._:-]."""


class IdempotencyKeyReused(ValueError):
    """An idempotency key already stored with a different event: a retry must repeat itself."""


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored: its place in the session and who recorded it when."""

    session_id: str
    seq: int
    event: Event
    actor: str | None
    recorded_at: datetime
    idempotency_key: str | None


@dataclass(frozen=True)
class ClientRow:
    """A client as listed: id, display name and when they were added."""

    id: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class SessionRow:
    """A session's header row; `complete` once its `session_ended` event is stored."""

    id: str
    client_id: str
    protocol: str
    session_index: int
    started_at: datetime
    complete: bool = False


class _Writers:
    """What the writers of one store (and its audited views) share: their turn, and
    whether the record key was checked against the chain yet."""

    def __init__(self) -> None:
        self.turn = threading.RLock()
        self.key_checked = False


class Store:
    """Clients, sessions and append-only events in one database."""

    def __init__(self, engine: Engine, clock: Clock = utc_now, key: bytes | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self._key = key
        self._writers = _Writers()
        self.trail: Trail | None = None

    def audited(self, trail: Trail) -> Store:
        """This store (same engine, key and caches) writing `trail`'s pending audit rows
        in the transaction of each write it makes."""
        view = copy.copy(self)
        view.trail = trail
        return view

    @property
    def key(self) -> bytes:
        """The record key that authenticates the chain, read (or made) on first use."""
        if self._key is None:
            from tablework.settings import key_file
            from tablework.store import record_key

            path = key_file()
            if not path.exists() and self._has_chain():
                raise record_key.RecordKeyError(
                    f"no record key at {path}, but this database holds chained records: "
                    "restore the key file from your backup (or set TABLEWORK_KEY_FILE)"
                )
            self._key = record_key.load_or_create(path)
        return self._key

    def _has_chain(self) -> bool:
        from sqlalchemy import inspect

        with self.engine.connect() as conn:
            if not inspect(conn).has_table(chain_links.name):
                return False  # a schema from before the chain: nothing is chained yet
            return conn.scalar(select(chain_links.c.position).limit(1)) is not None

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction: all it writes is stored together, or nothing is. Writers
        take their turn on the record chain first (store.chain.take_turn).

        The writers of this process queue on a lock of their own before that, so they wait
        in line for the database's lock instead of polling it (SQLite's busy handler sleeps
        ever longer between tries); each holds its connection while it waits. The records
        of one transaction are chained as one batch: the chain head is read once, by the
        first link (store.chain.add_link).
        """
        writers = self._writers
        # The connection is taken before the turn: its checkout (and on PostgreSQL its
        # pre-ping, a round trip) then happens while other writers write, not in line.
        with (
            self.engine.connect().execution_options(**WRITE) as conn,
            writers.turn,
            conn.begin(),
        ):
            take_turn(conn)
            if not writers.key_checked:
                if not key_holds(conn, self.key):
                    from tablework.store.record_key import RecordKeyError

                    raise RecordKeyError(
                        "the record key does not match this database's records: use the key "
                        "they were written with (nothing was written)"
                    )
                writers.key_checked = True
            conn.info[BATCH_HEAD] = None
            try:
                yield conn
                if self.trail is not None:
                    self.trail.write(conn, self.key)
            finally:
                conn.info.pop(BATCH_HEAD, None)

    def add_client(self, display_name: str) -> str:
        """Create a client; return its id."""
        with self.writing() as conn:
            return insert_client(conn, display_name, self.clock())

    def client(self, client_id: str) -> ClientRow:
        """One client by id; NotFound if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(clients).where(clients.c.id == client_id)).first()
        if row is None:
            raise NotFound(f"no client with id {client_id}")
        return ClientRow(row.id, row.display_name, aware(row.created_at))

    def clients(self) -> list[ClientRow]:
        """Every client, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(clients).order_by(clients.c.created_at, clients.c.id))
            return [ClientRow(r.id, r.display_name, aware(r.created_at)) for r in rows]

    def create_session(self, client_id: str, protocol: str, session_index: int) -> str:
        """Create an empty session for a client; return its id."""
        with self.writing() as conn:
            return insert_session(conn, client_id, protocol, session_index, self.clock())

    def session(self, session_id: str) -> SessionRow:
        """One session header by id; NotFound if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(_SESSION, {"session_id": session_id}).first()
        if row is None:
            raise NotFound(f"no session with id {session_id}")
        return session_row(row)

    def sessions(self, client_id: str | None = None) -> list[SessionRow]:
        """Session headers (of one client, or all), oldest first, each marked complete or not."""
        query = _SESSIONS if client_id is None else _CLIENT_SESSIONS
        with self.engine.connect() as conn:
            return [session_row(row) for row in conn.execute(query, {"client_id": client_id})]

    def append(
        self,
        session_id: str,
        event: Event,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
        expected_seq: int | None = None,
        standing: Standing | None = None,
    ) -> StoredEvent:
        """Store `event` as the session's next event and return it as stored.

        `standing` is the session's summary once `event` is applied, when the caller has
        folded it (the recorder does); without it the summary is recomputed by replay.

        With `idempotency_key`, a retry of an append that already committed returns the
        stored event instead of writing a second one (IdempotencyKeyReused if the stored
        event differs). With `expected_seq`, the append fails with SeqConflict if another
        event took that position first.
        """
        if idempotency_key is not None:
            check_idempotency_key(idempotency_key)
        for _ in range(MAX_APPEND_ATTEMPTS):
            try:
                return self._append_once(
                    session_id, event, idempotency_key, actor, expected_seq, standing
                )
            except IntegrityError:
                stored = self._by_key(session_id, idempotency_key)
                if stored is not None:
                    return same_retry(stored, event)
                if expected_seq is not None:
                    raise SeqConflict(
                        f"seq {expected_seq} of session {session_id} is taken"
                    ) from None
            except OperationalError as error:
                if not _is_busy(error):
                    raise
        raise SeqConflict(f"could not append to session {session_id}: too much contention")

    def _append_once(
        self,
        session_id: str,
        event: Event,
        key: str | None,
        actor: str | None,
        expected_seq: int | None,
        standing: Standing | None,
    ) -> StoredEvent:
        with self.writing() as conn:
            if key is not None:
                existing = _select_by_key(conn, session_id, key)
                if existing is not None:
                    return same_retry(existing, event)
            # The session's last seq and the chain head in one statement (one round trip
            # inside the write turn, not two); the event's link then follows that head.
            found = conn.execute(_LAST_SEQ_AND_HEAD, {"session_id": session_id}).one()
            last = found.last_seq
            conn.info[BATCH_HEAD] = (found.position or 0, found.link or "")
            if last is None and conn.scalar(_HEADER_ID, {"session_id": session_id}) is None:
                raise NotFound(f"no session with id {session_id}")
            seq = (last or 0) + 1
            if expected_seq is not None and seq != expected_seq:
                raise SeqConflict(f"expected seq {expected_seq}, next is {seq}")
            (stored,) = insert_events(
                conn,
                self.key,
                session_id,
                [event],
                first_seq=seq,
                at=self.clock(),
                actor=actor,
                key=key,
                standing=standing,
            )
            return stored

    def event_by_key(self, session_id: str, key: str) -> StoredEvent | None:
        """The session's event stored under idempotency `key`, if there is one."""
        return self._by_key(session_id, key)

    def _by_key(self, session_id: str, key: str | None) -> StoredEvent | None:
        if key is None:
            return None
        with self.engine.connect() as conn:
            return _select_by_key(conn, session_id, key)

    def events(self, session_id: str, after: int = 0) -> list[StoredEvent]:
        """The session's events in order (those after seq `after`)."""
        with self.engine.connect() as conn:
            rows = conn.execute(_EVENTS, {"session_id": session_id, "after": after}).all()
        return [_stored(row) for row in rows]

    def client_events(self, client_id: str) -> dict[str, list[StoredEvent]]:
        """The events of every session of a client, by session id, in order: one query."""
        found: dict[str, list[StoredEvent]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(_CLIENT_EVENTS, {"client_id": client_id}):
                found.setdefault(row.session_id, []).append(_stored(row))
        return found

    def previous_summary(self, session_id: str) -> SessionSummary | None:
        """The summary of the client's latest other session that started no later than
        this one (what a note compares with), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(_PREVIOUS_SUMMARY, {"session_id": session_id}).first()
        return summary_from_row(row) if row is not None else None

    def session_ids(self, client_id: str | None = None) -> list[str]:
        """Session ids (of one client, or all), oldest first."""
        query = _SESSION_IDS if client_id is None else _CLIENT_SESSION_IDS
        with self.engine.connect() as conn:
            return list(conn.scalars(query, {"client_id": client_id}))

    def summaries(self, client_id: str | None = None) -> list[SessionSummary]:
        """Session summaries (of one client, or all), oldest first: one query, no replay."""
        query = _SUMMARIES if client_id is None else _CLIENT_SUMMARIES
        with self.engine.connect() as conn:
            return [summary_from_row(row) for row in conn.execute(query, {"client_id": client_id})]


# Writes on an open transaction (`Store.writing()`), so several compose into one.


def insert_client(conn: Connection, display_name: str, at: datetime) -> str:
    """Add a client row; return its new id."""
    client_id = uuid.uuid4().hex
    conn.execute(_INSERT_CLIENT, {"id": client_id, "display_name": display_name, "created_at": at})
    return client_id


def lock_client(conn: Connection, client_id: str) -> None:
    """Hold the client's row until the transaction ends (NotFound if there is none).

    Writers that number a client's records (intake versions) queue here on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    """
    found = conn.scalar(select(clients.c.id).where(clients.c.id == client_id).with_for_update())
    if found is None:
        raise NotFound(f"no client with id {client_id}")


def lock_session(conn: Connection, session_id: str) -> None:
    """Hold the session's header row until the transaction ends (NotFound if there is none)."""
    found = conn.scalar(select(sessions.c.id).where(sessions.c.id == session_id).with_for_update())
    if found is None:
        raise NotFound(f"no session with id {session_id}")


def insert_session(
    conn: Connection, client_id: str, protocol: str, session_index: int, at: datetime
) -> str:
    """Add a session header for an existing client; return its new id."""
    lock_client(conn, client_id)
    header = {
        "id": uuid.uuid4().hex,
        "client_id": client_id,
        "protocol": protocol,
        "session_index": session_index,
        "started_at": at,
    }
    conn.execute(_INSERT_SESSION, header)
    insert_summary(conn, header)
    return str(header["id"])


def insert_events(
    conn: Connection,
    record_key: bytes,
    session_id: str,
    new_events: Sequence[Event],
    *,
    first_seq: int,
    at: datetime,
    actor: str | None = None,
    key: str | None = None,
    standing: Standing | None = None,
) -> list[StoredEvent]:
    """Add events at `first_seq`, `first_seq + 1`, ... of a session, each chained (the
    first event of a session also covers the session's header row), and bring the
    session's summary up to date: to `standing` (the session after the last of them) when
    the caller knows it, else by replaying the stored session."""
    from tablework.session.events import event_json

    stored = [
        StoredEvent(session_id, first_seq + i, event, actor, at, key if i == 0 else None)
        for i, event in enumerate(new_events)
    ]
    for item in stored:
        header = None
        if item.seq == 1:
            found = conn.execute(_HEADER, {"session_id": session_id}).first()
            if found is None:
                raise NotFound(f"no session with id {session_id}")
            header = dict(found._mapping)
        row: dict[str, Any] = {
            "session_id": session_id,
            "seq": item.seq,
            "type": item.event.type,
            "at": float(item.event.at),
            "payload": event_json(item.event),
            "actor": actor,
            "recorded_at": at,
            "idempotency_key": item.idempotency_key,
        }
        insert_chained(conn, record_key, "event", events, row, header)
    if standing is None:
        record_standing_replayed(conn, session_id)
    elif stored:
        record_standing(conn, session_id, standing, stored[-1].seq)
    if stored and conn.dialect.name == "postgresql":
        # Delivered when (and only if) the transaction commits: the server processes
        # listening on this database wake their streams, which then read the rows.
        payload = f"{session_id}:{stored[-1].seq}"
        conn.execute(_NOTIFY, {"channel": EVENTS_CHANNEL, "payload": payload})
    return stored


def check_idempotency_key(key: str) -> None:
    """Refuse a key a client could not have meant: too long, or odd characters."""
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(
            f"an idempotency key has at most {MAX_KEY_LENGTH} characters (got {len(key)})"
        )
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidIdempotencyKey(
            "an idempotency key uses only letters, digits and . _ : - (and is not empty)"
        )


def same_retry(stored: StoredEvent, event: Event) -> StoredEvent:
    """The stored event of a retry, or IdempotencyKeyReused if the retry says otherwise."""
    from tablework.session.events import event_json

    if event_json(stored.event) != event_json(event):
        raise IdempotencyKeyReused(
            f"idempotency key {stored.idempotency_key} was already used for a different "
            f"event (seq {stored.seq}): use a new key for a new event"
        )
    return stored


def _select_by_key(conn: Connection, session_id: str, key: str) -> StoredEvent | None:
    row = conn.execute(_BY_KEY, {"session_id": session_id, "key": key}).first()
    return _stored(row) if row is not None else None


# Statements built once; SQLAlchemy caches their compiled form.
_INSERT_CLIENT = insert(clients)
_INSERT_SESSION = insert(sessions)
_BY_KEY = select(events).where(
    events.c.session_id == bindparam("session_id"), events.c.idempotency_key == bindparam("key")
)
SESSION_ROWS = select(sessions, session_summaries.c.ended.label("complete")).outerjoin(
    session_summaries, session_summaries.c.session_id == sessions.c.id
)
"""Session headers, each with whether it is complete (read as `session_row`)."""
_SESSION = SESSION_ROWS.where(sessions.c.id == bindparam("session_id"))
_SESSIONS = SESSION_ROWS.order_by(sessions.c.started_at, sessions.c.id)
_CLIENT_SESSIONS = _SESSIONS.where(sessions.c.client_id == bindparam("client_id"))
_SESSION_IDS = select(sessions.c.id).order_by(sessions.c.started_at, sessions.c.id)
_CLIENT_SESSION_IDS = _SESSION_IDS.where(sessions.c.client_id == bindparam("client_id"))
_SUMMARIES = select(session_summaries).order_by(
    session_summaries.c.started_at, session_summaries.c.session_id
)
_CLIENT_SUMMARIES = _SUMMARIES.where(session_summaries.c.client_id == bindparam("client_id"))
_CLIENT_EVENTS = (
    select(events)
    .join(sessions, sessions.c.id == events.c.session_id)
    .where(sessions.c.client_id == bindparam("client_id"))
    .order_by(events.c.session_id, events.c.seq)
)
_THIS = (
    select(sessions.c.client_id, sessions.c.started_at)
    .where(sessions.c.id == bindparam("session_id"))
    .subquery()
)
_PREVIOUS_SUMMARY = (
    select(session_summaries)
    .join(_THIS, session_summaries.c.client_id == _THIS.c.client_id)
    .where(
        session_summaries.c.started_at <= _THIS.c.started_at,
        session_summaries.c.session_id != bindparam("session_id"),
    )
    .order_by(session_summaries.c.started_at.desc(), session_summaries.c.session_id.desc())
    .limit(1)
)
_LAST_SEQ = select(func.max(events.c.seq)).where(events.c.session_id == bindparam("session_id"))
_LAST_SEQ_AND_HEAD = select(
    _LAST_SEQ.scalar_subquery().label("last_seq"),
    *(
        select(column)
        .order_by(chain_links.c.position.desc())
        .limit(1)
        .scalar_subquery()
        .label(column.name)
        for column in (chain_links.c.position, chain_links.c.link)
    ),
)
"""The session's last seq and the chain's head (position, link; NULL on an empty chain)."""
_HEADER_ID = select(sessions.c.id).where(sessions.c.id == bindparam("session_id"))
_HEADER = select(sessions).where(sessions.c.id == bindparam("session_id"))
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_EVENTS = (
    select(events)
    .where(events.c.session_id == bindparam("session_id"), events.c.seq > bindparam("after"))
    .order_by(events.c.seq)
)


def session_row(row: Any) -> SessionRow:
    return SessionRow(
        row.id,
        row.client_id,
        row.protocol,
        row.session_index,
        aware(row.started_at),
        bool(row.complete),
    )


def _stored(row: Any) -> StoredEvent:
    from tablework.session.events import parse_event

    return StoredEvent(
        row.session_id,
        row.seq,
        parse_event(row.payload),
        row.actor,
        aware(row.recorded_at),
        row.idempotency_key,
    )


def aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _is_busy(error: OperationalError) -> bool:
    return "locked" in str(error.orig).lower() or "busy" in str(error.orig).lower()
