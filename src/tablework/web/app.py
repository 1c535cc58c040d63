"""The web application: `create_app(settings)` wires the API, the stream and the remote.

There is no module-level app: `tablework serve` and each test build their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from tablework.settings import Settings
from tablework.store.repo import Store
from tablework.web import errors, pages, remote, stream, voice
from tablework.web.api import audit, auth, clients, exports, notes, sessions
from tablework.web.deps import Server, ServerDep
from tablework.web.notifier import PgListener


class ErrorOut(BaseModel):
    """Every error answer: a JSON object with `detail`."""

    detail: object


class Health(BaseModel):
    status: str


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The app over `store` (default: the configured database, migrated if it is the
    SQLite default)."""
    server = Server.build(settings, store or open_store(settings))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        server.notifier.bind(asyncio.get_running_loop())
        listener = None
        if server.store.engine.dialect.name == "postgresql":
            listener = PgListener(server.store.engine, server.notifier)
            listener.start()
        try:
            yield
        finally:
            if listener is not None:
                listener.stop()

    app = FastAPI(
        title="Tablework",
        summary="Guides a hands-on treatment session from a protocol, and charts it.",
        version="0.1.0",
        lifespan=lifespan,
        responses={
            400: {"model": ErrorOut},
            401: {"model": ErrorOut},
            403: {"model": ErrorOut},
            404: {"model": ErrorOut},
            409: {"model": ErrorOut},
            410: {"model": ErrorOut},
            413: {"model": ErrorOut},
            422: {"model": ErrorOut},
            429: {"model": ErrorOut},
            503: {"model": ErrorOut},
        },
    )
    app.state.server = server
    errors.install(app)
    app.add_middleware(errors.BodyLimits, max_bytes=settings.max_body_bytes)
    for module in (auth, clients, sessions, stream, notes, exports, audit, remote, voice):
        app.include_router(module.router)
    pages.install(app)
    app.add_api_route("/healthz", healthz, methods=["GET"], responses={503: {}}, tags=["health"])
    return app


def healthz(server: ServerDep) -> Health:
    """200 while the database answers, 503 when it does not."""
    try:
        with server.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        raise errors.Refused(503, "the database is unavailable") from None
    return Health(status="ok")


def open_store(settings: Settings) -> Store:
    """The configured store, as the command line opens it."""
    from tablework.store import record_key
    from tablework.store.database import open_configured

    key = record_key.load_or_create(settings.key_file)
    engine = open_configured(settings.database_url, auto_migrate=settings.auto_migrate)
    return Store(engine, key=key)
