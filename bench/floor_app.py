"""The floor: a bare Starlette route that stores a posted event as one row, nothing else.

Same database (TABLEWORK_DATABASE_URL), same engine settings (`open_engine`: WAL,
synchronous=FULL and BEGIN IMMEDIATE on SQLite), same uvicorn and threadpool as the real
server, and the same row shape as `events` (in a table of its own, `bench_floor_events`,
so the real record and its checks are untouched). Per request: parse the JSON body, one
write transaction that reads the session's last seq and inserts the next row, answer 201.
No authentication, access check, validation, engine, chain link, audit row or stream.
Run by bench/run.py as `uvicorn floor_app:app`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tablework.store.database import WRITE, open_engine

metadata = MetaData()
floor_events = Table(
    "bench_floor_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("at", Float, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("actor", String(120)),
    Column("recorded_at", String(40), nullable=False),
    Column("idempotency_key", String(128)),
)

_engines: list[Engine] = []


def create(url: str) -> None:
    """Make the floor's table (bench/run.py calls this before starting the floor)."""
    engine = open_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def store(session_id: str, body: dict[str, Any], key: str | None) -> int:
    if not _engines:
        _engines.append(open_engine(os.environ["TABLEWORK_DATABASE_URL"]))
    with _engines[0].connect().execution_options(**WRITE) as conn, conn.begin():
        last = conn.scalar(
            select(func.max(floor_events.c.seq)).where(floor_events.c.session_id == session_id)
        )
        seq = (last or 0) + 1
        conn.execute(
            insert(floor_events).values(
                session_id=session_id,
                seq=seq,
                type=str(body.get("type", "note")),
                at=float(body.get("at", 0)),
                payload=body,
                actor="floor",
                recorded_at=datetime.now(UTC).isoformat(),
                idempotency_key=key,
            )
        )
        return seq


async def post_event(request: Request) -> JSONResponse:
    body = await request.json()
    seq = await run_in_threadpool(
        store,
        request.path_params["session_id"],
        body,
        request.headers.get("idempotency-key"),
    )
    return JSONResponse({"seq": seq}, status_code=201)


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/api/sessions/{session_id}/events", post_event, methods=["POST"]),
        Route("/healthz", healthz),
    ]
)
