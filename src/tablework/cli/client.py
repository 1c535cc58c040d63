"""`tablework client ...` and `tablework intake ...`: clients and their versioned intakes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tablework.cli.context import open_store
from tablework.cli.output import FormatOption, OutputFormat, fail, print_json, read_json

app = typer.Typer(help="Add and list clients.", no_args_is_help=True)
intake_app = typer.Typer(help="Record and list clients' intakes.", no_args_is_help=True)


@app.command("add")
def add(name: Annotated[str, typer.Argument(metavar="DISPLAY_NAME")]) -> None:
    """Add a client; print the new client's id."""
    if not name.strip() or len(name) > 200:
        fail("error: a display name needs 1 to 200 characters")
    typer.echo(open_store().add_client(name.strip()))


@app.command("list")
def list_clients(output: FormatOption = OutputFormat.text) -> None:
    """List clients, oldest first."""
    store = open_store()
    clients = store.clients()
    if output is OutputFormat.json:
        print_json(
            [
                {"id": c.id, "display_name": c.display_name, "created_at": c.created_at.isoformat()}
                for c in clients
            ]
        )
        return
    if clients:
        typer.echo("\n".join(f"{c.id}  {c.display_name}" for c in clients))


@app.command("erase")
def erase(
    client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID")],
    by: Annotated[str, typer.Option("--by", help="Who erases (kept in the audit log).")] = "",
) -> None:
    """Erase a client and all their records, once the retention period has passed (the
    clinic's setting, else TABLEWORK_RETENTION_YEARS)."""
    import getpass

    from tablework.settings import SettingsError, retention_years
    from tablework.store import clinic_settings
    from tablework.store.erasure import RecordsAltered, WithinRetention, erase_client
    from tablework.store.repo import NotFound

    try:
        years = retention_years()
    except SettingsError as error:
        fail(f"error: {error}")
    store = open_store()
    actor = by.strip() or getpass.getuser()
    years = clinic_settings.retention_years(store, client_id, years)
    try:
        erased = erase_client(store, client_id, actor, years)
    except NotFound:
        fail(f"error: no client with id {client_id}")
    except WithinRetention as error:
        fail(f"error: {error}")
    except RecordsAltered as error:
        fail(f"error: {error}", code=1)
    typer.echo(
        f"Erased client {erased.client_id} and {len(erased.session_ids)} session(s) with "
        "every record of them; the audit log keeps the ids, who and when."
    )


@intake_app.command("add")
def add_intake(
    client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID")],
    intake_path: Annotated[Path, typer.Argument(metavar="INTAKE.json")],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Screen an intake and store it as the client's next intake version."""
    from tablework.screening import screen
    from tablework.screening.answers import AnswerError, parse_intake
    from tablework.screening.report import report
    from tablework.screening.rules import bundled
    from tablework.store.intakes import add_intake as store_intake
    from tablework.store.repo import NotFound

    data = read_json(intake_path)
    try:
        intake = parse_intake(data)
    except AnswerError as error:
        fail(f"{intake_path}: " + "\n".join(error.problems))
    result = screen(intake.answers, bundled("low-back"))
    try:
        stored = store_intake(
            open_store(),
            client_id,
            intake.model_dump(mode="json", exclude_unset=True),
            result.as_json(),
        )
    except NotFound:
        fail(f"error: no client with id {client_id}")
    if output is OutputFormat.json:
        print_json({"id": stored.id, "version": stored.version, "screening": result.as_json()})
        return
    typer.echo(f"Stored intake version {stored.version} ({stored.id})\n")
    typer.echo(report(result), nl=False)


@intake_app.command("list")
def list_intakes(
    client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID")],
    output: FormatOption = OutputFormat.text,
) -> None:
    """List a client's intake versions, oldest first, with their screening outcome."""
    from tablework.store.intakes import intake_versions
    from tablework.store.repo import NotFound

    store = open_store()
    try:
        store.client(client_id)
    except NotFound:
        fail(f"error: no client with id {client_id}")
    versions = intake_versions(store, client_id)
    if output is OutputFormat.json:
        print_json(
            [
                {
                    "id": v.id,
                    "version": v.version,
                    "recorded_at": v.recorded_at.isoformat(),
                    "disposition": v.screening.get("disposition"),
                }
                for v in versions
            ]
        )
        return
    for v in versions:
        typer.echo(
            f"v{v.version}  {v.recorded_at:%Y-%m-%d %H:%M}  {v.screening.get('disposition')}"
        )
