"""`tablework user ...`: accounts that log in to the server."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer

from tablework.cli.context import open_store
from tablework.cli.output import fail

app = typer.Typer(help="Add accounts, change passwords, deactivate accounts.", no_args_is_help=True)
Email = Annotated[str, typer.Argument(metavar="EMAIL")]


class Role(StrEnum):
    owner = "owner"
    therapist = "therapist"


@app.command("add")
def add(
    email: Email,
    role: Annotated[Role, typer.Option("--role", help="owner or therapist.")],
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic's id.")] = "default",
) -> None:
    """Add an account (password from TABLEWORK_PASSWORD, or asked for)."""
    from tablework.store.accounts import AccountError, add_user

    try:
        user = add_user(open_store(), email, role.value, _password(), clinic)
    except AccountError as error:
        fail(f"error: {error}")
    typer.echo(f"Added {user.role} {user.email} (clinic {user.clinic})")


@app.command("passwd")
def passwd(email: Email) -> None:
    """Set a new password (from TABLEWORK_PASSWORD, or asked for)."""
    from tablework.store.accounts import AccountError, set_password
    from tablework.store.repo import NotFound

    try:
        set_password(open_store(), email, _password())
    except (AccountError, NotFound) as error:
        fail(f"error: {error}")
    typer.echo(f"Password changed for {email}")


@app.command("deactivate")
def deactivate(email: Email) -> None:
    """Stop an account from logging in; its tokens stop working at once."""
    from tablework.store.accounts import deactivate as stop
    from tablework.store.repo import NotFound

    try:
        stop(open_store(), email)
    except NotFound as error:
        fail(f"error: {error}")
    typer.echo(f"Deactivated {email}")


def _password() -> str:
    given = os.environ.get("TABLEWORK_PASSWORD")
    if given:
        return given
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
