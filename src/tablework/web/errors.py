"""The one set of exception handlers: core and store errors become JSON `{"detail"}`.

Bad input is a 4xx, a database that cannot be used is a 503 with a message, and nothing
that reaches a caller names a client (store messages are ids at most).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
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
    from starlette.exceptions import HTTPException

    from tablework.web.pages.common import LoginNeeded

    app.add_exception_handler(LoginNeeded, _login_needed)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(IntegrityError, _conflict)
    app.add_exception_handler(SQLAlchemyError, _database_unavailable)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


def answer(
    request: Request,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """An error as JSON `{"detail"}`, or as a page for a browser asking for a page."""
    if _wants_page(request):
        from tablework.web.pages.common import render

        heading = _HEADINGS.get(status, "Something went wrong")
        return render(
            request,
            "error.html",
            status_code=status,
            status=status,
            heading=heading,
            detail=str(body.get("detail", "")),
        )
    return JSONResponse(body, status_code=status, headers=headers)


_HEADINGS = {
    400: "That request could not be read",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible right now",
    410: "This link has expired",
    413: "Too large",
    422: "That cannot be saved",
    429: "Too many attempts",
    503: "The database is unavailable",
}
_API_PREFIXES = ("/api/", "/healthz", "/openapi.json", "/docs", "/redoc", "/static/")


def _wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(_API_PREFIXES) or path.endswith("/answers"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _answer_with(status: int) -> Any:
    async def handler(request: Request, error: Exception) -> Response:
        detail = str(error) if status != 404 else "not found"
        return answer(request, status, {"detail": detail})

    return handler


async def _login_needed(request: Request, error: Exception) -> Response:
    from fastapi.responses import RedirectResponse

    from tablework.web.pages.common import LoginNeeded, login_location

    assert isinstance(error, LoginNeeded)
    if request.method in ("GET", "HEAD"):
        return RedirectResponse(login_location(error.next_path), status_code=303)
    return answer(request, 401, {"detail": "the login has expired: log in again"})


async def _http_exception(request: Request, error: Exception) -> Response:
    from starlette.exceptions import HTTPException

    assert isinstance(error, HTTPException)
    if not _wants_page(request):
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, error)
    return answer(request, error.status_code, {"detail": error.detail})


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, Refused)
    return answer(request, error.status, {"detail": error.detail, **error.extra})


async def _conflict(request: Request, _error: Exception) -> Response:
    # The database's own message would quote the clashing values: keep them out.
    return answer(
        request,
        409,
        {"detail": "another request changed this record at the same moment: try again"},
    )


async def _database_unavailable(request: Request, error: Exception) -> Response:
    from tablework.cli.context import database_error_line

    line = database_error_line(error) or "error: database error"
    log.warning("database unavailable: %s", line)
    return answer(
        request, 503, {"detail": line.removeprefix("error: ")}, headers={"Retry-After": "5"}
    )


async def _unexpected(request: Request, error: Exception) -> Response:
    log.error("unexpected %s", type(error).__name__)  # no message: it could name a client
    return answer(request, 500, {"detail": "the server could not do that"})


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
