"""Shared output helpers for commands: formats, JSON printing, and clean failures."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

BAD_INPUT = 2
"""Exit code for input the user can fix: a bad file, an unknown id, a malformed script."""


class OutputFormat(StrEnum):
    """How a command prints its result."""

    json = "json"
    text = "text"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def print_json(value: Any) -> None:
    """Print `value` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print `message` on stderr and exit with `code`, without a traceback."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    raise typer.Exit(code)


def read_json(path: Path) -> Any:
    """Parsed JSON from `path`, or a clean exit 2 naming what is wrong with the file."""
    from tablework.inputs import InputError
    from tablework.inputs import read_json as read_input

    try:
        return read_input(path)
    except InputError as error:
        fail(str(error))
