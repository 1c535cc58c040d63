"""The `tablework` command line: one Typer app with a sub-app per command group.

Command modules import heavy libraries inside the commands that need them, so
`tablework --help` stays fast.
"""

from __future__ import annotations

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
    session,
)

app = typer.Typer(
    name="tablework",
    help="Guide a hands-on treatment session from a protocol, and chart it as it goes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(protocol.app, name="protocol")
app.add_typer(session.app, name="session")
app.add_typer(db.app, name="db")
app.add_typer(client.app, name="client")
app.add_typer(client.intake_app, name="intake")
app.add_typer(instrument.app, name="instrument")
app.add_typer(note.app, name="note")
app.add_typer(export.app, name="export")
app.command("outcomes")(export.outcomes_command)
app.command("demo")(demo.demo_command)
app.command("screen")(screen.screen_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)


def main() -> None:
    """Console-script entry point."""
    app()
