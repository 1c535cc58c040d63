"""`tablework db ...`: schema migrations and the integrity check."""

from __future__ import annotations

import typer

from tablework.cli.output import fail

app = typer.Typer(help="Manage and check the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration to the configured database."""
    from tablework.settings import SettingsError, load
    from tablework.store.database import current_revision, migrate, open_engine

    try:
        engine = open_engine(load().database_url)
    except SettingsError as error:
        fail(f"error: {error}")
    before = current_revision(engine)
    migrate(engine)
    after = current_revision(engine)
    typer.echo(f"database schema: {before or 'empty'} -> {after}")


@app.command("check")
def check() -> None:
    """Check the record is whole: file integrity, event numbering, ends, note digests.

    Exits 1 if anything is a problem; warnings (such as sessions with no end) exit 0.
    """
    from tablework.cli.context import open_store
    from tablework.store.check import Severity, check_database

    report = check_database(open_store())
    for finding in report.findings:
        typer.echo(
            f"{finding.severity}: {finding.message}", err=finding.severity is Severity.problem
        )
    counted = ", ".join(f"{n} {what}" for what, n in report.counts.items())
    if not report.ok:
        problems = sum(f.severity is Severity.problem for f in report.findings)
        fail(f"db check: {problems} problem(s) in {counted}", code=1)
    typer.echo(f"ok: {len(report.checks)} checks passed on {counted}")


@app.command("rebuild")
def rebuild() -> None:
    """Recompute every session's summary from its stored events, and the outcome counts
    from the summaries (the record is unchanged)."""
    from tablework.cli.context import open_store
    from tablework.store.summaries import rebuild as rebuild_summaries

    count = rebuild_summaries(open_store().engine)
    typer.echo(f"rebuilt the summaries of {count} session(s) from their events")
