"""Opening the configured store for a command, and the one place database errors end up.

A database that cannot be reached, is locked, full or read-only is not a bug: every
command reports it in one line on stderr and exits 1, however deep the error rose from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typer.core import TyperGroup

from tablework.cli.output import fail

if TYPE_CHECKING:
    from tablework.store.repo import Store

DATABASE_UNAVAILABLE = 1
"""Exit code when the database, not the user's input, is why a command failed."""

_EXPLANATIONS = [
    (
        ("locked", "busy", "lock timeout"),
        "the database is locked by another program: try again shortly",
    ),
    (("readonly", "read-only"), "the database is read-only: Tablework cannot write to it"),
    (("disk is full", "no space left", "disk full"), "the disk holding the database is full"),
    (("unable to open database file",), "cannot open the database file (check its folder)"),
    (("file is not a database", "malformed"), "the database file is damaged or not SQLite"),
    (
        ("connection failed", "could not connect", "connection refused", "could not translate"),
        "cannot reach the database server",
    ),
]


def open_store() -> Store:
    """The store at TABLEWORK_DATABASE_URL (default: the SQLite file, migrated as needed)."""
    from tablework.settings import SettingsError, load
    from tablework.store import record_key
    from tablework.store.database import SchemaOutOfDate, open_configured
    from tablework.store.repo import Store

    try:
        settings = load()
        key = record_key.load_or_create(settings.key_file)
        engine = open_configured(settings.database_url, auto_migrate=settings.auto_migrate)
    except (SettingsError, SchemaOutOfDate) as error:
        fail(f"error: {error}")
    except record_key.RecordKeyError as error:
        fail(f"error: {error}", code=1)
    return Store(engine, key=key)


def database_error_line(error: BaseException) -> str | None:
    """One line saying what went wrong with the database, or None if `error` is not that."""
    import sqlite3

    import psycopg
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from tablework.store.database import DatabaseUnavailable

    if isinstance(error, DatabaseUnavailable):
        return f"error: {error}"
    if isinstance(error, DBAPIError) and error.orig is not None:
        cause: BaseException = error.orig
    elif isinstance(error, sqlite3.Error | psycopg.Error | SQLAlchemyError):
        cause = error
    else:
        return None
    detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    lowered = detail.lower()
    for words, explanation in _EXPLANATIONS:
        if any(word in lowered for word in words):
            return f"error: {explanation} ({detail})"
    return f"error: database error: {detail}"


def refused_input_line(error: BaseException) -> str | None:
    """One line for a write the store refused as bad input, or None if `error` is not that."""
    from tablework.store.repo import IdempotencyKeyReused, InvalidIdempotencyKey

    if isinstance(error, InvalidIdempotencyKey | IdempotencyKeyReused):
        return f"error: {error}"
    return None


class CommandsWithDatabaseErrors(TyperGroup):
    """The root command group: a database error in any command becomes one line, exit 1;
    a write the store refuses as bad input (a malformed or reused idempotency key), exit 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            refused = refused_input_line(error)
            if refused is not None:
                fail(refused)
            line = database_error_line(error) or stored_record_line(error)
            if line is None:
                raise
            fail(line, code=DATABASE_UNAVAILABLE)


def stored_record_line(error: BaseException) -> str | None:
    """One line for a record the store cannot read or trust (a key that does not fit, a
    stored event that is not valid), or None if `error` is not that."""
    import json

    from tablework.session.events import EventError
    from tablework.store.record_key import RecordKeyError

    if isinstance(error, RecordKeyError):
        return f"error: {error}"
    if isinstance(error, json.JSONDecodeError | EventError):
        return (
            "error: a stored record cannot be read (it was changed outside Tablework): "
            "run `tablework db check`"
        )
    if isinstance(error, OSError) and error.errno is not None:
        return f"error: cannot write the output: {error.strerror}"
    return None
