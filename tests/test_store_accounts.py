"""Accounts and migration 0007 (users, access, tokens, audit addresses) on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tablework.store.accounts import AccountError, add_user, authenticate
from tablework.store.database import HEAD, current_revision, migrate
from tablework.store.repo import Store
from test_store_append_only import downgrade


def test_the_migration_can_be_undone_and_redone_keeping_audit_append_only(store: Store) -> None:
    downgrade(store, "0005")
    assert current_revision(store.engine) == "0005"
    with store.engine.begin() as conn:  # row triggers need a row
        conn.execute(
            text("INSERT INTO audit (actor, action, record, at) VALUES ('a', 'b', 'c', :at)"),
            {"at": store.clock()},
        )
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit SET actor = 'x'"))
    migrate(store.engine)
    assert current_revision(store.engine) == HEAD
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit SET address = 'x'"))


def test_passwords_are_argon2id_hashes(store: Store) -> None:
    add_user(store, "Dana@Example.org", "therapist", "a long password")
    with store.engine.connect() as conn:
        stored = conn.scalar(text("SELECT password_hash FROM users"))
    assert str(stored).startswith("$argon2id$")
    assert authenticate(store, "dana@example.org", "a long password") is not None
    assert authenticate(store, "dana@example.org", "a wrong password") is None


def test_an_email_has_one_account(store: Store) -> None:
    add_user(store, "dana@example.org", "therapist", "a long password")
    with pytest.raises(AccountError, match="already"):
        add_user(store, "DANA@example.org", "owner", "a long password")
