"""`tablework demo`: fill the database with invented clients and sessions."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from tablework.cli.context import open_store


def demo_command() -> None:
    """Add invented demo clients and sessions that show every feature (run once)."""
    from tablework.demo import fill

    summary = fill(open_store(), datetime.now(UTC))
    if summary.already_present:
        typer.echo("Demo data is already in this database; nothing added.")
        return
    typer.echo(
        f"Added {summary.clients} invented clients with {summary.sessions} sessions. "
        "Try: tablework client list, tablework outcomes"
    )
