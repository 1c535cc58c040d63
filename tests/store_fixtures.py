"""Databases for store tests: a fresh SQLite file, and a fresh PostgreSQL schema when
TABLEWORK_TEST_DATABASE_URL is set. Each test gets its own, so runs never collide."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, create_engine, text

if TYPE_CHECKING:
    from tablework.store.repo import Store

PG_ENV = "TABLEWORK_TEST_DATABASE_URL"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tablework.sqlite3'}"


def postgresql_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL store tests skipped: set {PG_ENV} to run them")
    schema = f"tw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def as_attacker(store: Store) -> Iterator[Connection]:
    """A transaction with every trigger out of the way, as a database owner can."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for (name,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).all():
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield conn
