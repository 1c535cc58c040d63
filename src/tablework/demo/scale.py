"""Invented data at scale: `tablework demo --clients N --sessions M`, for benchmarks.

Each demo script is run once through the real engine (the same checks a live session
gets); copies of the accepted sessions are then bulk-inserted, many sessions per
transaction, each event chained exactly as `insert_events` chains it and each session
summarised from the engine's final state. No notes or intakes: lists, outcomes, trends and
exports are what the benchmarks read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from tablework.session.events import Event, event_json
from tablework.session.simulator import simulate
from tablework.store import outcome_counts
from tablework.store.chain import link_digest, record_content, record_digest
from tablework.store.repo import Store
from tablework.store.summaries import Standing, standing
from tablework.store.tables import chain_links, clients, events, session_summaries, sessions

BATCH = 500
"""Sessions per transaction."""

ACTOR = "Demo Therapist, LMT (invented)"


@dataclass(frozen=True)
class Template:
    """A session the engine accepted: its pinned protocol, events and final standing."""

    protocol: str
    session_index: int
    events: tuple[Event, ...]
    payloads: tuple[dict[str, Any], ...]
    standing: Standing


def templates() -> list[Template]:
    """Every demo script, run through the engine."""
    from tablework.demo import load_scenarios

    found = []
    for scenario in load_scenarios():
        for planned in scenario["sessions"]:
            result = simulate(planned["script"])
            accepted = (result.opening_event, *(step.event for step in result.steps))
            found.append(
                Template(
                    result.protocol.ref,
                    result.opening_event.session_index,
                    accepted,
                    tuple(event_json(event) for event in accepted),
                    standing(result.state),
                )
            )
    return found


@dataclass(frozen=True)
class Filled:
    clients: int
    sessions: int
    events: int


def fill_at_scale(
    store: Store, clients_wanted: int, sessions_per_client: int, now: datetime
) -> Filled:
    """Add `clients_wanted` invented clients with `sessions_per_client` sessions each."""
    made = templates()
    first = now - timedelta(days=7 * sessions_per_client)
    planned = _plan(clients_wanted, sessions_per_client, first)
    total_events = 0
    batch: list[Planned] = []
    for item in planned:
        batch.append(item)
        if len(batch) == BATCH:
            total_events += _insert_batch(store, made, batch, now)
            batch = []
    if batch:
        total_events += _insert_batch(store, made, batch, now)
    return Filled(clients_wanted, clients_wanted * sessions_per_client, total_events)


@dataclass(frozen=True)
class Planned:
    """One session to invent: its client (new at its first session), start and template."""

    client_id: str
    new_client: bool
    number: int
    started: datetime


def _plan(clients_wanted: int, sessions_per_client: int, first: datetime) -> Iterator[Planned]:
    number = 0
    for client in range(clients_wanted):
        client_id = uuid.uuid4().hex
        for session in range(sessions_per_client):
            started = first + timedelta(days=7 * session, seconds=client)
            yield Planned(client_id, session == 0, number, started)
            number += 1


def _insert_batch(store: Store, made: list[Template], batch: list[Planned], now: datetime) -> int:
    with store.writing() as conn:
        rows = _Rows(conn, store.key)
        for planned in batch:
            if planned.new_client:
                rows.add_client(planned.client_id, now)
            rows.add(planned.client_id, made[planned.number % len(made)], planned.started)
        rows.write(conn)
        return len(rows.events)


class _Rows:
    """The rows of a batch, with ids and chain positions continuing the stored ones."""

    def __init__(self, conn: Connection, key: bytes) -> None:
        self.key = key
        self.clients: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []
        self.summaries: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.next_id = (conn.scalar(select(func.max(events.c.id))) or 0) + 1
        head = conn.execute(
            select(chain_links.c.position, chain_links.c.link)
            .order_by(chain_links.c.position.desc())
            .limit(1)
        ).first()
        self.position: int = head.position if head else 0
        self.previous: str = head.link if head else ""

    def add_client(self, client_id: str, now: datetime) -> None:
        name = f"Invented client {client_id[:6]}"
        self.clients.append({"id": client_id, "display_name": name, "created_at": now})

    def add(self, client_id: str, template: Template, started: datetime) -> None:
        header = {
            "id": uuid.uuid4().hex,
            "client_id": client_id,
            "protocol": template.protocol,
            "session_index": template.session_index,
            "started_at": started,
        }
        self.sessions.append(header)
        self.summaries.append(
            {
                "session_id": header["id"],
                "client_id": client_id,
                "protocol": template.protocol,
                "session_index": template.session_index,
                "started_at": started,
                "psfs_mean": None,
                "last_seq": len(template.events),
                **template.standing.columns(),
            }
        )
        for seq, (event, payload) in enumerate(
            zip(template.events, template.payloads, strict=True), 1
        ):
            self._add_event(header, seq, event, payload, started)

    def _add_event(
        self, header: dict[str, Any], seq: int, event: Event, payload: dict[str, Any], at: datetime
    ) -> None:
        row = {
            "id": self.next_id,
            "session_id": header["id"],
            "seq": seq,
            "type": event.type,
            "at": float(event.at),
            "payload": payload,
            "actor": ACTOR,
            "recorded_at": at,
            "idempotency_key": None,
        }
        self.next_id += 1
        self.events.append(row)
        digest = record_digest(self.key, record_content("event", row, header if seq == 1 else None))
        self.position += 1
        link = link_digest(
            self.key, self.position, self.previous, "event", row["id"], header["id"], digest
        )
        self.links.append(
            {
                "position": self.position,
                "kind": "event",
                "record_id": row["id"],
                "session_id": header["id"],
                "record_digest": digest,
                "link": link,
            }
        )
        self.previous = link

    def write(self, conn: Connection) -> None:
        for table, rows in (
            (clients, self.clients),
            (sessions, self.sessions),
            (session_summaries, self.summaries),
            (events, self.events),
            (chain_links, self.links),
        ):
            if rows:
                conn.execute(insert(table), rows)
        outcome_counts.recount(conn, {row["client_id"] for row in self.summaries})
        if conn.dialect.name == "postgresql":  # ids were given: move the id sequence past them
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('events', 'id'), "
                    "(SELECT max(id) FROM events))"
                )
            )
