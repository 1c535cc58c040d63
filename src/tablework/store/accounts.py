"""Accounts: owners and therapists of a clinic, with argon2id password hashes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tablework.store.repo import NotFound, Store
from tablework.store.tables import users

ROLES = ("owner", "therapist")
DEFAULT_CLINIC = "default"
MIN_PASSWORD = 8
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")

_hasher = PasswordHasher()  # argon2id with the library's current parameters
_DUMMY_HASH = _hasher.hash("no such account")


class AccountError(ValueError):
    """An account request that cannot be met: bad email, role, password, or a duplicate."""


@dataclass(frozen=True)
class Account:
    """Someone who can log in: their role decides which clients of their clinic they see."""

    id: str
    email: str
    role: str
    clinic: str
    active: bool = True

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def add_user(
    store: Store, email: str, role: str, password: str, clinic: str = DEFAULT_CLINIC
) -> Account:
    """Create an account; AccountError if the email is taken or a value is unusable."""
    email = _checked_email(email)
    if role not in ROLES:
        raise AccountError(f"a role is one of {', '.join(ROLES)}, not {role!r}")
    user_id = uuid.uuid4().hex
    row = {
        "id": user_id,
        "email": email,
        "role": role,
        "clinic": clinic,
        "password_hash": _hash(password),
        "active": True,
        "created_at": store.clock(),
    }
    try:
        with store.writing() as conn:
            conn.execute(insert(users).values(row))
    except IntegrityError:
        raise AccountError(f"there is already an account for {email}") from None
    return Account(user_id, email, role, clinic)


def set_password(store: Store, email: str, password: str) -> None:
    """Give the account a new password (NotFound if there is no such account)."""
    _change(store, email, password_hash=_hash(password))


def deactivate(store: Store, email: str) -> None:
    """Stop the account from logging in; its tokens stop working at once."""
    _change(store, email, active=False)


def authenticate(store: Store, email: str, password: str) -> Account | None:
    """The active account with this email and password, or None (same work either way)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    return _account(row)


def account(store: Store, user_id: str) -> Account | None:
    """The active account with this id, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _account(row) if row is not None and row.active else None


def by_email(store: Store, email: str) -> Account | None:
    """The account with this email (active or not), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
    return _account(row) if row is not None else None


def clinic_accounts(store: Store, clinic: str) -> list[Account]:
    """Every account of a clinic, active or not, by email."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(users).where(users.c.clinic == clinic).order_by(users.c.email))
        return [_account(row) for row in rows]


def _change(store: Store, email: str, **values: Any) -> None:
    with store.writing() as conn:
        changed = conn.execute(
            update(users).where(users.c.email == email.strip().lower()).values(**values)
        ).rowcount
    if not changed:
        raise NotFound(f"no account for {email}")


def _checked_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise AccountError(f"not an email address: {email!r}")
    return email


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _account(row: Any) -> Account:
    return Account(row.id, row.email, row.role, row.clinic, bool(row.active))
