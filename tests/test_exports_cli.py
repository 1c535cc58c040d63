"""`tablework export ...` and `outcomes`: -o FILE or - for stdout, and clean refusals."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from tablework.cli import app

TEXT_EXPORTS = (["export", "fhir", "--client"], ["export", "ical", "--client"])
MOMENT_STAMPS = ("DTSTAMP", '  "timestamp"')  # when the export ran: differs between runs


def timeless(content: bytes) -> list[str]:
    return [line for line in content.decode().splitlines() if not line.startswith(MOMENT_STAMPS)]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    variables = {
        "TABLEWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TABLEWORK_CLINIC_NAME": "Praxis Jürgen & 李",
        "TABLEWORK_TIMEZONE": "Europe/Berlin",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert CliRunner().invoke(app, ["demo"]).exit_code == 0
    return {**os.environ, **variables}


@pytest.fixture
def ids(env: dict[str, str]) -> tuple[str, str]:
    runner = CliRunner()
    client = json.loads(runner.invoke(app, ["client", "list", "--format", "json"]).output)[0]
    sessions = runner.invoke(app, ["session", "list", "--client", client["id"], "-f", "json"])
    return client["id"], json.loads(sessions.output)[0]["id"]


def run(
    *args: str, env: dict[str, str], stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tablework", *args],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )


def test_every_text_export_writes_to_a_file_or_stdout(ids: tuple[str, str], tmp_path: Path) -> None:
    client_id, _ = ids
    runner = CliRunner()
    for args in TEXT_EXPORTS:
        to_stdout = runner.invoke(app, [*args, client_id])
        path = tmp_path / "out"
        to_file = runner.invoke(app, [*args, client_id, "-o", str(path)])
        dash = runner.invoke(app, [*args, client_id, "-o", "-"])
        assert to_stdout.exit_code == to_file.exit_code == dash.exit_code == 0
        assert timeless(path.read_bytes()) == timeless(dash.stdout_bytes)
    outcomes = tmp_path / "outcomes.csv"
    result = runner.invoke(app, ["outcomes", "--format", "csv", "-o", str(outcomes)])
    assert result.exit_code == 0 and outcomes.read_text().startswith("session_id,")


def test_pdfs_write_to_a_file_and_to_stdout(ids: tuple[str, str], tmp_path: Path) -> None:
    _, session_id = ids
    runner = CliRunner()
    for kind in ("pdf", "handout"):
        path = tmp_path / f"{kind}.pdf"
        to_file = runner.invoke(app, ["export", kind, "--session", session_id, "-o", str(path)])
        assert to_file.exit_code == 0 and f"Wrote {path}" in to_file.stderr
        to_stdout = runner.invoke(app, ["export", kind, "--session", session_id, "-o", "-"])
        assert to_stdout.exit_code == 0
        for content in (path.read_bytes(), to_stdout.stdout_bytes):
            first_page = PdfReader(io.BytesIO(content)).pages[0].extract_text()
            assert first_page.startswith("Praxis Jürgen & 李 | ")


def test_a_pdf_goes_down_a_real_pipe(ids: tuple[str, str], env: dict[str, str]) -> None:
    _, session_id = ids
    piped = run("export", "pdf", "--session", session_id, "-o", "-", env=env)
    assert piped.returncode == 0 and piped.stderr == b""
    assert PdfReader(io.BytesIO(piped.stdout)).pages


def test_a_pdf_is_not_sent_to_a_terminal(ids: tuple[str, str], env: dict[str, str]) -> None:
    _, session_id = ids
    leader, follower = pty.openpty()
    try:
        result = run("export", "pdf", "--session", session_id, "-o", "-", env=env, stdout=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "error: a PDF is binary: give -o FILE, or pipe or redirect stdout"
    ]


def test_an_unwritable_output_is_one_line_and_leaves_nothing(
    ids: tuple[str, str], tmp_path: Path
) -> None:
    client_id, session_id = ids
    for args in (
        ["export", "fhir", "--client", client_id, "-o", str(tmp_path)],
        ["export", "pdf", "--session", session_id, "-o", str(tmp_path / "missing" / "x.pdf")],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1
        assert "cannot write" in result.stderr or "will not replace" in result.stderr
    left = [p.name for p in tmp_path.iterdir() if not p.name.startswith(("db.sqlite3", "config"))]
    assert left == []  # the database and the record key (config/) were there before


def test_a_bad_time_zone_is_refused_in_one_line(
    ids: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client_id, _ = ids
    monkeypatch.setenv("TABLEWORK_TIMEZONE", "Mars/Olympus_Mons")
    result = CliRunner().invoke(app, ["export", "fhir", "--client", client_id])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: TABLEWORK_TIMEZONE is not an IANA time zone (such as Europe/Paris): "
        "'Mars/Olympus_Mons'"
    ]
