"""`tablework screen INTAKE.json`: safety screening of an intake."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tablework.cli.output import FormatOption, OutputFormat, fail, print_json, read_json


def screen_command(
    intake_path: Annotated[Path, typer.Argument(metavar="INTAKE.json", help="Intake answers.")],
    output: FormatOption = OutputFormat.text,
    ruleset: Annotated[str, typer.Option(help="Screening ruleset id.")] = "low-back",
) -> None:
    """Screen an intake: disposition, flags, session changes and questions not asked."""
    from tablework.screening import screen
    from tablework.screening.answers import AnswerError, parse_intake
    from tablework.screening.report import report
    from tablework.screening.rules import bundled

    data = read_json(intake_path)
    try:
        intake = parse_intake(data)
        rules = bundled(ruleset)
    except AnswerError as error:
        fail(f"{intake_path}: " + "\n".join(error.problems))
    except LookupError as error:
        fail(f"error: {error.args[0]}")
    result = screen(intake.answers, rules)
    if output is OutputFormat.json:
        print_json(result.as_json())
    else:
        sys.stdout.write(report(result))
