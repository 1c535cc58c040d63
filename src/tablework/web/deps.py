"""Dependencies routes declare: the server's parts, the caller, a store that audits.

A route reads `def list_clients(caller: Caller, store: AuditedStore)`: who is asking is
settled here (bearer token, or browser cookie plus CSRF token on every state-changing
request) before the route runs; 401 when nobody is, 403 when a cookie comes without its
CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from tablework.settings import Settings
from tablework.store import audit, tokens
from tablework.store.accounts import Account
from tablework.store.repo import Store
from tablework.web.notifier import Notifier
from tablework.web.throttle import Throttle

SESSION_COOKIE = "tablework_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Server:
    """What every request shares: settings, the store, live-stream wake-ups, throttles."""

    settings: Settings
    store: Store
    notifier: Notifier
    logins_by_account: Throttle
    logins_by_address: Throttle
    remote_posts: Throttle

    @classmethod
    def build(cls, settings: Settings, store: Store) -> Server:
        window = timedelta(minutes=15)
        return cls(
            settings,
            store,
            Notifier(),
            logins_by_account=Throttle(5, window),
            logins_by_address=Throttle(20, window),
            remote_posts=Throttle(30, timedelta(minutes=1)),
        )


async def _server(request: Request) -> Server:
    # async: FastAPI runs a plain `def` dependency in the thread pool, a hop per request.
    server: Server = request.app.state.server
    return server


ServerDep = Annotated[Server, Depends(_server)]


def address(request: Request) -> str:
    """The caller's address, for audit rows and throttles."""
    return request.client.host if request.client else "unknown"


_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
"""Declares the bearer scheme in the OpenAPI, so /docs can log in with a password."""


Bearer = Annotated[str | None, Depends(_bearer)]
"""The bearer token as sent, if any (async: no thread-pool hop)."""


def _caller(request: Request, server: ServerDep, secret: Bearer) -> Account:
    return caller_of(request, server, secret)


def caller_of(request: Request, server: Server, secret: str | None) -> Account:
    """Who is asking (what `Caller` gives a route), for a route that settles it in its
    own thread-pool call: 401 when nobody is, 403 for a cookie without its CSRF token."""
    store = server.store
    if secret:
        held = tokens.holder(store, secret.strip(), "bearer")
        if held is None:
            raise _unauthorized("the token is invalid or has expired")
        return held.account
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        held = tokens.holder(store, cookie, "browser")
        if held is None:
            raise _unauthorized("the login has expired: log in again")
        if request.method not in SAFE_METHODS and not _csrf_ok(request, held.csrf):
            raise HTTPException(403, "missing or wrong CSRF token")
        return held.account
    raise _unauthorized("log in, or send a bearer token")


def _csrf_ok(request: Request, expected: str | None) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    return expected is not None and hmac.compare_digest(given, expected)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


Caller = Annotated[Account, Depends(_caller)]


def _owner(caller: Caller) -> Account:
    if not caller.is_owner:
        raise HTTPException(403, "only the clinic's owner may do this")
    return caller


OwnerOnly = Annotated[Account, Depends(_owner)]


async def _trail(request: Request, caller: Caller, server: ServerDep) -> audit.AuditTrail:
    return trail_of(request, caller, server)


def trail_of(request: Request, caller: Account, server: Server) -> audit.AuditTrail:
    """The request's audit trail (what `Trail` gives a route)."""
    return audit.AuditTrail(caller.email, address(request), server.store.clock())


Trail = Annotated[audit.AuditTrail, Depends(_trail)]


async def _audited_store(server: ServerDep, trail: Trail) -> AsyncIterator[Store]:
    """The store writing the request's audit rows with its writes; reads are flushed after
    (in the thread pool, and only when a read left rows to write)."""
    yield server.store.audited(trail)
    if trail.pending:
        await run_in_threadpool(audit.flush, server.store, trail)


AuditedStore = Annotated[Store, Depends(_audited_store, scope="function")]
