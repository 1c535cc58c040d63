"""The `tablework` command line: one Typer app with a sub-app per command group.

Command modules import heavy libraries inside the commands that need them, so
`tablework --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tablework.cli import (
    backup,
    client,
    db,
    demo,
    export,
    instrument,
    note,
    protocol,
    screen,
    serve,
    session,
    user,
    voice,
)
from tablework.cli.context import CommandsWithDatabaseErrors

app = typer.Typer(
    name="tablework",
    cls=CommandsWithDatabaseErrors,
    help="Guide a hands-on treatment session from a protocol, and chart it as it goes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"tablework {version('tablework')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Options that apply before any command."""


app.add_typer(protocol.app, name="protocol")
app.add_typer(session.app, name="session")
app.add_typer(db.app, name="db")
app.add_typer(client.app, name="client")
app.add_typer(client.intake_app, name="intake")
app.add_typer(instrument.app, name="instrument")
app.add_typer(note.app, name="note")
app.add_typer(export.app, name="export")
app.add_typer(voice.app, name="voice")
app.command("outcomes")(export.outcomes_command)
app.command("demo")(demo.demo_command)
app.command("screen")(screen.screen_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)
app.add_typer(user.app, name="user")
app.command("serve")(serve.serve_command)
app.command("audit")(serve.audit_command)


def main() -> None:
    """Console-script entry point."""
    from tablework.inputs import InputError, check_argument

    # Python turns bytes that are not UTF-8 into surrogates; refused here, once, they cannot
    # reach a name, an id or the database.
    try:
        for position, argument in enumerate(sys.argv[1:], start=1):
            check_argument(argument, f"argument {position}")
    except InputError as error:
        sys.stderr.write(f"error: {error}\n")
        raise SystemExit(2) from None
    app()
