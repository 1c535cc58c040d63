"""Secrets handed to callers: bearer tokens, browser sessions and the client's remote.

Only the SHA-256 of a secret is stored, so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from tablework.store.accounts import Account
from tablework.store.repo import NotFound, Store, aware
from tablework.store.tables import auth_tokens, remote_tokens, users


class RemoteGone(LookupError):
    """A remote token that expired, or whose session has ended."""


@dataclass(frozen=True)
class Issued:
    """A new secret (shown once) and when it stops working."""

    secret: str
    expires_at: datetime
    csrf: str | None = None


@dataclass(frozen=True)
class Holder:
    """The account a live token or browser session belongs to."""

    account: Account
    csrf: str | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def issue(store: Store, user: Account, kind: str, lifetime: timedelta) -> Issued:
    """A new bearer token (`kind` "bearer") or browser session ("browser", with a CSRF
    token)."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "browser" else None
    now = store.clock()
    row = {
        "digest": digest(secret),
        "user_id": user.id,
        "kind": kind,
        "csrf": csrf,
        "created_at": now,
        "expires_at": now + lifetime,
        "revoked": False,
    }
    with store.writing() as conn:
        conn.execute(insert(auth_tokens).values(row))
    return Issued(secret, now + lifetime, csrf)


def holder(store: Store, secret: str, kind: str) -> Holder | None:
    """Who holds this live, unrevoked, unexpired secret, if it is one: the token and its
    account in one query."""
    with store.engine.connect() as conn:
        row = conn.execute(_HOLDER, {"digest": digest(secret), "kind": kind}).first()
    if row is None or row.revoked or not row.active or aware(row.expires_at) <= store.clock():
        return None
    return Holder(Account(row.id, row.email, row.role, row.clinic, True), row.csrf)


_HOLDER = (
    select(
        auth_tokens.c.revoked,
        auth_tokens.c.expires_at,
        auth_tokens.c.csrf,
        users.c.id,
        users.c.email,
        users.c.role,
        users.c.clinic,
        users.c.active,
    )
    .join(users, users.c.id == auth_tokens.c.user_id)
    .where(auth_tokens.c.digest == bindparam("digest"), auth_tokens.c.kind == bindparam("kind"))
)


def revoke(store: Store, secret: str) -> None:
    """The secret stops working now (nothing happens if it is unknown)."""
    with store.writing() as conn:
        conn.execute(
            update(auth_tokens).where(auth_tokens.c.digest == digest(secret)).values(revoked=True)
        )


def issue_remote(store: Store, session_id: str, lifetime: timedelta) -> Issued:
    """A token for the client's remote of one session."""
    secret = secrets.token_urlsafe(24)
    expires_at = store.clock() + lifetime
    with store.writing() as conn:
        conn.execute(
            insert(remote_tokens).values(
                digest=digest(secret), session_id=session_id, expires_at=expires_at
            )
        )
    return Issued(secret, expires_at)


def remote_session(store: Store, secret: str) -> str:
    """The session a remote token opens: NotFound if unknown, RemoteGone once dead."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(remote_tokens).where(remote_tokens.c.digest == digest(secret))
        ).first()
    if row is None:
        raise NotFound("no such remote")
    if aware(row.expires_at) <= store.clock() or store.session(row.session_id).complete:
        raise RemoteGone("this remote has expired: ask your therapist for a new one")
    return str(row.session_id)
