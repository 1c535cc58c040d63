"""Opening the database: engines tuned per dialect, and Alembic migrations.

SQLite runs in WAL mode with foreign keys on and a busy timeout. Its `synchronous` is
NORMAL by default: in WAL mode a committed write survives any crash or kill of the process
(a laptop in a treatment room must not lose a charted event to a crash); an operating-system
crash or power cut can lose the last commits, never damage the file. FULL
(TABLEWORK_SQLITE_SYNCHRONOUS=full) also syncs the disk on every commit, at a disk flush per
write inside the write lock (docs/records.md, "Saving, checking and keeping the record").
Writes open with BEGIN IMMEDIATE so two writers queue on the lock instead of failing midway
through a transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 10_000
WRITE = {"sqlite_begin": "IMMEDIATE"}
"""Execution options for a connection that will write."""


def open_engine(url: str, **engine_options: Any) -> Engine:
    """An engine for `url`; SQLite files and their folders are created as needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        is_uri = parsed.query.get("uri") == "true"  # file:...?mode=ro: opened as it is
        return _sqlite_engine(url, None if is_uri else parsed.database, **engine_options)
    engine = create_engine(url, pool_pre_ping=True, **engine_options)

    @event.listens_for(engine, "connect")
    def _wait_at_most(dbapi_connection: Any, _record: Any) -> None:
        # Behind another session's lock a command gives up with one line, as on SQLite,
        # instead of waiting for ever.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.commit()

    return engine


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened at all, for a reason outside the database itself."""


def _sqlite_engine(url: str, database: str | None, **engine_options: Any) -> Engine:
    if database and database != ":memory:":
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnavailable(
                f"cannot create the database folder {folder}: {error.strerror}"
            ) from None
    from tablework.settings import sqlite_synchronous

    synchronous = sqlite_synchronous()
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **engine_options,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` with the packaged Alembic migrations."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "tablework.store:migrations")
    with engine.connect().execution_options(**WRITE) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database.

    Read with plain SQL, so a command on a current database never imports Alembic.
    """
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    if len(versions) > 1:
        raise SchemaOutOfDate(f"the database has several schema heads: {', '.join(versions)}")
    return versions[0] if versions else None


HEAD = "0010"


class SchemaOutOfDate(RuntimeError):
    """The database is not at the schema this version of Tablework needs."""


def open_configured(url: str, *, auto_migrate: bool) -> Engine:
    """An engine for the configured database, migrated (or checked) to the current schema.

    The revision is read first, with a plain read that never waits for a writer: only a
    database that is behind takes the write lock to migrate, so a command started while
    another process writes still reads.
    """
    engine = open_engine(url)
    revision = current_revision(engine)
    if revision != HEAD and auto_migrate and revision in _known_revisions():
        migrate(engine)
    elif revision != HEAD:
        engine.dispose()
        raise SchemaOutOfDate(_out_of_date(revision))
    return engine


def _known_revisions() -> set[str | None]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "tablework.store:migrations")
    return {None, *(s.revision for s in ScriptDirectory.from_config(config).walk_revisions())}


def _out_of_date(revision: str | None) -> str:
    if revision is not None and revision not in _known_revisions():
        return (
            f"the database schema ({revision}) is newer than this version of Tablework "
            f"knows ({HEAD}): upgrade Tablework"
        )
    return "the database schema is not up to date: run `tablework db upgrade` first"
