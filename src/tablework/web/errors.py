"""The one set of exception handlers: core and store errors become JSON `{"detail"}`.

Bad input is a 4xx, a database that cannot be used is a 503 with a message, and nothing
that reaches a caller names a client (store messages are ids at most).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tablework.inputs import InputError, load_json

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request that cannot be met as asked, with its status and any extra fields."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from tablework.session.events import EventError
    from tablework.store.accounts import AccountError
    from tablework.store.database import DatabaseUnavailable
    from tablework.store.notes import NoNote, NoteLocked
    from tablework.store.repo import (
        IdempotencyKeyReused,
        InvalidIdempotencyKey,
        NotFound,
        SeqConflict,
    )
    from tablework.store.tokens import RemoteGone

    statuses: list[tuple[type[Exception], int]] = [
        (NotFound, 404),
        (EventError, 422),
        (InputError, 400),
        (AccountError, 422),
        (InvalidIdempotencyKey, 422),
        (IdempotencyKeyReused, 422),
        (NoteLocked, 409),
        (NoNote, 409),
        (SeqConflict, 409),
        (RemoteGone, 410),
    ]
    for kind, status in statuses:
        app.add_exception_handler(kind, _answer_with(status))
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(IntegrityError, _conflict)
    app.add_exception_handler(SQLAlchemyError, _database_unavailable)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


def _answer_with(status: int) -> Any:
    async def handler(_request: Request, error: Exception) -> JSONResponse:
        detail = str(error) if status != 404 else "not found"
        return JSONResponse({"detail": detail}, status_code=status)

    return handler


async def _refused(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Refused)
    return JSONResponse({"detail": error.detail, **error.extra}, status_code=error.status)


async def _conflict(_request: Request, _error: Exception) -> JSONResponse:
    # The database's own message would quote the clashing values: keep them out.
    return JSONResponse(
        {"detail": "another request changed this record at the same moment: try again"},
        status_code=409,
    )


async def _database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    from tablework.cli.context import database_error_line

    line = database_error_line(error) or "error: database error"
    log.warning("database unavailable: %s", line)
    return JSONResponse(
        {"detail": line.removeprefix("error: ")}, status_code=503, headers={"Retry-After": "5"}
    )


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.error("unexpected %s", type(error).__name__)  # no message: it could name a client
    return JSONResponse({"detail": "the server could not do that"}, status_code=500)


class BodyLimits:
    """Refuse a body that is too large, or JSON the input reader refuses, before parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _send_json(send, 413, f"the body is larger than {self.max_bytes} bytes")
                return
        problem = _json_problem(scope, body)
        if problem is not None:
            await _send_json(send, 400, problem)
            return
        await self.app(scope, _replay(body, receive), send)


def _json_problem(scope: Scope, body: bytes) -> str | None:
    headers = dict(scope.get("headers", []))
    if b"json" not in headers.get(b"content-type", b"") or not body:
        return None
    try:
        load_json(body, "body")
    except InputError as error:
        return str(error)
    return None


def _replay(body: bytes, original: Receive) -> Receive:
    """The body read above, then whatever the connection says next (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _send_json(send: Send, status: int, detail: str) -> None:
    import json

    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
