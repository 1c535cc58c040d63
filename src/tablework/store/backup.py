"""Backing up a database to one file, and restoring that file into an empty database.

SQLite uses its online backup API: a consistent copy while the app keeps writing.
PostgreSQL uses the server's own tools, `pg_dump` (custom format, the schema in use) and
`pg_restore`; they must be on PATH. A restore only ever goes into an empty database, so
it can never mix two records or overwrite one.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import URL, make_url

from tablework.store.name_search import INDEX as TRIGRAM_INDEX
from tablework.store.name_search import add_trigram_index
from tablework.store.tables import metadata


class BackupError(ValueError):
    """Something the user can fix: a path that exists, a file that is not a backup."""


class ToolError(RuntimeError):
    """A PostgreSQL client tool is not installed (or not on PATH), or it failed."""


def backup(engine: Engine, path: Path) -> None:
    """Write a backup of the database behind `engine` to the new file `path`."""
    if path.exists():
        raise BackupError(f"{path} exists: a backup never overwrites a file")
    if engine.dialect.name == "sqlite":
        source = _sqlite_file(engine.url)
        if not source.is_file():
            raise BackupError(f"there is no database at {source} to back up")
        _sqlite_copy(source, path)
    else:
        _pg_dump(engine, path)


def restore(engine: Engine, path: Path) -> None:
    """Load the backup `path` into the empty database behind `engine`."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    held = nonempty_tables(engine)
    if held:
        raise BackupError(
            f"the database is not empty ({', '.join(held)} hold records): "
            "restore only into an empty database"
        )
    if engine.dialect.name == "sqlite":
        _check_sqlite_backup(path)
        engine.dispose()
        _sqlite_copy(path, _sqlite_file(engine.url))
        return
    if set(inspect(engine).get_table_names()) & set(metadata.tables):
        raise BackupError(
            "the database already has Tablework tables (though no records): restore into a "
            "new PostgreSQL database, before `tablework db upgrade`"
        )
    _pg_restore(engine, path)


def nonempty_tables(engine: Engine) -> list[str]:
    """Tablework tables in the database that hold at least one row."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return [
            table.name
            for table in metadata.sorted_tables
            if table.name in present and conn.execute(select(table).limit(1)).first()
        ]


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    source_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_conn = sqlite3.connect(target)
    try:
        source_conn.backup(target_conn)
    finally:
        target_conn.close()
        source_conn.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            sound = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        found = sound = None
    if found is None or sound is None or sound[0] != "ok":
        raise BackupError(f"{path}: not a Tablework SQLite backup")


def _pg_dump(engine: Engine, path: Path) -> None:
    with engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
    _run(
        "pg_dump",
        ["--format=custom", "--no-owner", f"--schema={schema}", f"--file={path}"],
        engine.url,
    )


def _pg_restore(engine: Engine, path: Path) -> None:
    listing = _run("pg_restore", ["--list", str(path)], None)
    with engine.connect() as conn:
        schemas = set(conn.scalars(text("SELECT nspname FROM pg_namespace")))
    # A schema that already exists (always `public`) is not created again.
    # The trigram index names its operator class with the source's schema, and a dump of
    # one schema leaves the extension out: it is made again after the restore.
    kept = [
        line
        for line in listing.splitlines()
        if not any(f"SCHEMA - {name} " in line + " " for name in schemas)
        and f" {TRIGRAM_INDEX} " not in line
        and "pg_trgm" not in line
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as chosen:
        chosen.write("\n".join(kept) + "\n")
    try:
        _run(
            "pg_restore",
            [
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--use-list={chosen.name}",
                str(path),
            ],
            engine.url,
        )
    finally:
        os.unlink(chosen.name)
    with engine.begin() as conn:
        add_trigram_index(conn)


def _run(tool: str, arguments: list[str], url: URL | None) -> str:
    found = shutil.which(tool)
    if found is None:
        raise ToolError(
            f"{tool} is not on PATH: install the PostgreSQL client tools "
            "(e.g. apt install postgresql-client) to back up or restore PostgreSQL"
        )
    environment = dict(os.environ)
    command = [found, *arguments]
    if url is not None:
        libpq = make_url(url).set(drivername="postgresql", password=None)
        if url.password is not None:
            environment["PGPASSWORD"] = str(url.password)
        command.append(f"--dbname={libpq.render_as_string(hide_password=False)}")
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise ToolError(f"{tool} failed: {first}")
    return done.stdout
