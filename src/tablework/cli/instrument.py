"""`tablework instrument ...`: questionnaires a clinic installs (licensed instruments)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tablework.cli.output import fail

app = typer.Typer(help="List and validate instruments the clinic installs.", no_args_is_help=True)


@app.command("list")
def list_instruments() -> None:
    """List instruments installed in TABLEWORK_INSTRUMENTS_DIR, with their licence notices."""
    from tablework.protocols.loader import ProtocolError
    from tablework.screening.instruments import installed
    from tablework.settings import SettingsError, load

    try:
        instruments = installed(load().instruments_dir)
    except (SettingsError, ProtocolError) as error:
        fail(f"error: {error}")
    if not instruments:
        typer.echo(
            "No instruments installed (set TABLEWORK_INSTRUMENTS_DIR; see docs/screening.md)."
        )
    for instrument in instruments:
        typer.echo(f"{instrument.id}: {instrument.title} ({len(instrument.items)} items)")
        typer.echo(f"  {instrument.licence}")


@app.command("validate")
def validate(path: Annotated[Path, typer.Argument(metavar="PATH")]) -> None:
    """Check an instrument file; print problems as path:line: message."""
    from tablework.protocols.loader import ProtocolError
    from tablework.screening.instruments import load_file

    try:
        instrument = load_file(path)
    except ProtocolError as error:
        fail(str(error))
    typer.echo(f"{path}: ok - {instrument.id}, {len(instrument.items)} items")
