"""`tablework demo`: fill the database with invented clients and sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from tablework.cli.context import open_store
from tablework.cli.output import fail

MAX_CLIENTS = 1_000_000
MAX_SESSIONS = 10_000


def demo_command(
    clients: Annotated[
        int | None,
        typer.Option("--clients", help="Invent this many clients (with --sessions), in bulk."),
    ] = None,
    sessions: Annotated[
        int | None, typer.Option("--sessions", help="Sessions per invented client.")
    ] = None,
) -> None:
    """Add invented demo clients and sessions that show every feature (run once).

    With --clients N --sessions M, add N invented clients with M sessions each instead,
    checked by the engine and inserted in bulk (for benchmarks); run it as often as wanted.
    """
    if clients is None and sessions is None:
        _showcase()
        return
    if clients is None or sessions is None:
        fail("error: --clients and --sessions go together")
    if not 1 <= clients <= MAX_CLIENTS or not 1 <= sessions <= MAX_SESSIONS:
        fail(f"error: --clients is 1 to {MAX_CLIENTS} and --sessions 1 to {MAX_SESSIONS}")
    from tablework.demo.scale import fill_at_scale

    filled = fill_at_scale(open_store(), clients, sessions, datetime.now(UTC))
    typer.echo(
        f"Added {filled.clients} invented clients with {filled.sessions} sessions "
        f"({filled.events} events)."
    )


def _showcase() -> None:
    from tablework.demo import fill

    summary = fill(open_store(), datetime.now(UTC))
    if summary.already_present:
        typer.echo("Demo data is already in this database; nothing added.")
        return
    typer.echo(
        f"Added {summary.clients} invented clients with {summary.sessions} sessions. "
        "Try: tablework client list, tablework outcomes"
    )
