"""Databases for store tests: a fresh SQLite file, and a fresh PostgreSQL schema when
TABLEWORK_TEST_DATABASE_URL is set. Each test gets its own, so runs never collide."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

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
