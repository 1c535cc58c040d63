"""`tablework db ...`: schema migrations."""

from __future__ import annotations

import typer

from tablework.cli.output import fail

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration to the configured database."""
    from sqlalchemy.exc import SQLAlchemyError

    from tablework.settings import SettingsError, load
    from tablework.store.database import current_revision, migrate, open_engine

    try:
        engine = open_engine(load().database_url)
        before = current_revision(engine)
        migrate(engine)
        after = current_revision(engine)
    except SettingsError as error:
        fail(f"error: {error}")
    except SQLAlchemyError as error:
        fail(f"error: cannot migrate the database: {type(error).__name__}", code=1)
    typer.echo(f"database schema: {before or 'empty'} -> {after}")
