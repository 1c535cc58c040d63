"""The `tablework` command itself: options that apply before any command."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from tablework.cli import app


def test_version_prints_the_installed_version(cli: CliRunner) -> None:
    result = cli.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"tablework {version('tablework')}\n"
