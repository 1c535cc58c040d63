"""Logging in: bearer tokens for scripts, a cookie session for the browser, and throttling."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from tablework.store import tokens
from tablework.store.accounts import Account, authenticate
from tablework.web.deps import SESSION_COOKIE, Caller, Server, ServerDep, address

router = APIRouter(prefix="/api/auth", tags=["auth"])
LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]
TOO_MANY = "too many failed logins: wait a few minutes"


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: str


class LoginOut(BaseModel):
    email: str
    role: str
    csrf_token: str
    expires_at: str


@router.post("/token", responses={401: {}, 429: {}})
def issue_token(form: LoginForm, request: Request, server: ServerDep) -> TokenOut:
    """A bearer token for scripts (OAuth2 password form)."""
    user = login(server, form.username, form.password, address(request))
    issued = tokens.issue(server.store, user, "bearer", timedelta(days=server.settings.token_days))
    return TokenOut(access_token=issued.secret, expires_at=issued.expires_at.isoformat())


@router.delete("/token", status_code=204, responses={401: {}})
def revoke_token(caller: Caller, request: Request, server: ServerDep) -> Response:
    """Revoke the bearer token this request carries."""
    secret = request.headers.get("authorization", "").partition(" ")[2].strip()
    if secret:
        tokens.revoke(server.store, secret)
    return Response(status_code=204)


@router.post("/login", responses={401: {}, 429: {}})
def log_in(form: LoginForm, request: Request, response: Response, server: ServerDep) -> LoginOut:
    """A browser session: an HttpOnly cookie, and the CSRF token to send back as the
    X-CSRF-Token header on every state-changing request. A new session every login."""
    user = login(server, form.username, form.password, address(request))
    issued = start_browser_session(server, user, request, response)
    return LoginOut(
        email=user.email,
        role=user.role,
        csrf_token=issued.csrf or "",
        expires_at=issued.expires_at.isoformat(),
    )


@router.post("/logout", status_code=204, responses={401: {}, 403: {}})
def log_out(caller: Caller, request: Request, server: ServerDep) -> Response:
    """End the browser session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        tokens.revoke(server.store, cookie)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def start_browser_session(
    server: Server, user: Account, request: Request, response: Response
) -> tokens.Issued:
    """A new browser session for `user` (any earlier one of this browser revoked): the
    HttpOnly cookie set on `response`, Secure behind TLS."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        tokens.revoke(server.store, old)
    lifetime = timedelta(hours=server.settings.login_hours)
    issued = tokens.issue(server.store, user, "browser", lifetime)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return issued


def login(server: Server, username: str, password: str, where: str) -> Account:
    """The account, or 401; 429 while the account or the address has failed too often."""
    now = server.store.clock()
    account_key = username.strip().lower()
    if server.logins_by_account.blocked(account_key, now) or server.logins_by_address.blocked(
        where, now
    ):
        raise HTTPException(429, TOO_MANY, headers={"Retry-After": "900"})
    user = authenticate(server.store, username, password)
    if user is None:
        server.logins_by_account.hit(account_key, now)
        server.logins_by_address.hit(where, now)
        raise HTTPException(401, "wrong email or password", headers={"WWW-Authenticate": "Bearer"})
    server.logins_by_account.clear(account_key)
    return user
