"""`tablework backup PATH` and `tablework restore PATH`: the whole record in one file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tablework.cli.output import fail

if TYPE_CHECKING:
    from sqlalchemy import Engine

BackupPath = Annotated[Path, typer.Argument(metavar="PATH")]


def backup_command(path: BackupPath) -> None:
    """Back up the configured database to a new file (SQLite backup API, or pg_dump)."""
    from tablework.store.backup import BackupError, ToolError, backup

    engine = _configured_engine()
    try:
        backup(engine, path)
    except BackupError as error:
        fail(f"error: {error}")
    except ToolError as error:
        fail(f"error: {error}", code=1)
    typer.echo(f"Backed up to {path}. Keep the record key file safe too: it is not in it.")


def restore_command(path: BackupPath) -> None:
    """Restore a backup into the configured database, which must be empty; then verify it."""
    from tablework.store.backup import BackupError, ToolError, restore
    from tablework.store.database import migrate, open_engine
    from tablework.store.record_key import RecordKeyError
    from tablework.store.verify import verify_all

    engine = _configured_engine()
    try:
        restore(engine, path)
    except BackupError as error:
        fail(f"error: {error}")
    except ToolError as error:
        fail(f"error: {error}", code=1)
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    restored = open_engine(engine.url.render_as_string(hide_password=False))
    try:
        migrate(restored)
        problems = verify_all(restored)
    except CommandError:
        fail("restored, but the backup's schema is newer than this Tablework: upgrade it", code=1)
    except RecordKeyError as error:
        fail(f"restored, but cannot verify: {error}", code=1)
    except SQLAlchemyError as error:
        fail(f"restored, but cannot read it back: {type(error).__name__}", code=1)
    if problems:
        fail("restored, but ALTERED: " + "\nALTERED: ".join(problems), code=1)
    typer.echo(f"Restored from {path}; every record verifies against the chain.")


def _configured_engine() -> Engine:
    from sqlalchemy.exc import SQLAlchemyError

    from tablework.settings import SettingsError, load
    from tablework.store.database import open_engine

    try:
        return open_engine(load().database_url)
    except SettingsError as error:
        fail(f"error: {error}")
    except SQLAlchemyError as error:
        fail(f"error: cannot open the database: {type(error).__name__}", code=1)
