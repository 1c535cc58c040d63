"""`tablework protocol ...`: list, show, validate and export protocols."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tablework.cli.output import FormatOption, OutputFormat, fail, print_json

if TYPE_CHECKING:
    from tablework.protocols.schema import Protocol

ProtocolId = Annotated[str, typer.Argument(metavar="ID", help="Protocol id or id@version.")]

app = typer.Typer(help="List, show, validate and export treatment protocols.", no_args_is_help=True)


@app.command("list")
def list_protocols(output: FormatOption = OutputFormat.text) -> None:
    """List the bundled protocols."""
    from tablework.protocols import loader

    protocols = loader.library()
    if output is OutputFormat.json:
        print_json(
            [
                {"id": p.id, "version": p.version, "status": p.status, "title": p.title}
                for p in protocols
            ]
        )
        return
    for p in protocols:
        typer.echo(f"{p.ref:32} {p.status:8} {p.title}")


@app.command("show")
def show(protocol_id: ProtocolId, output: FormatOption = OutputFormat.text) -> None:
    """Show one protocol, every field and source included in JSON."""
    from tablework.protocols.describe import describe

    protocol = _get(protocol_id)
    if output is OutputFormat.json:
        print_json(protocol.model_dump(mode="json", by_alias=True, exclude_none=True))
    else:
        sys.stdout.write(describe(protocol))


@app.command("validate")
def validate(path: Annotated[Path, typer.Argument(metavar="PATH")]) -> None:
    """Check a protocol file; print every problem as path:line: message."""
    from tablework.protocols.loader import ProtocolError, load_file

    try:
        protocol = load_file(path)
    except ProtocolError as error:
        fail(str(error))
    typer.echo(
        f"{path}: ok - {protocol.ref}, {len(protocol.techniques)} techniques, "
        f"{len(protocol.phases)} phases"
    )


@app.command("export-fhir")
def export_fhir(
    protocol_id: ProtocolId,
    output: Annotated[
        str, typer.Option("-o", "--output", help="File to write, or - for stdout.")
    ] = "-",
) -> None:
    """The protocol as a FHIR R4 PlanDefinition (validated), on stdout or in a file."""
    from tablework.cli.export import write_output
    from tablework.exports.fhir import plan_definition_json

    write_output(output, (plan_definition_json(_get(protocol_id)) + "\n").encode("utf-8"))


def _get(protocol_id: str) -> Protocol:
    from tablework.protocols.loader import UnknownProtocolError, get

    try:
        return get(protocol_id)
    except UnknownProtocolError as error:
        fail(f"error: {error.args[0]}")
