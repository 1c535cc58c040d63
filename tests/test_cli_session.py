"""`tablework session simulate | list | replay` as a therapist or script would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tablework.cli import app
from tablework.store.database import HEAD

EXAMPLE = Path(__file__).parent.parent / "examples" / "sessions" / "first-session-settles.json"


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "script.json"
    path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"protocol": "acute-low-back-spasm", "events": [', "malformed JSON"),
        (
            '{"protocol": "acute-low-back-spasm", "events": [{"type": "dance", "at": 1}]}',
            "events[0]: unknown event type 'dance'",
        ),
        (
            '{"protocol": "acute-low-back-spasm", "events": [{"type": "tightening_observed", '
            '"at": 1, "area": "elbow"}]}',
            "events[0]: tightening_observed: unknown area 'elbow'",
        ),
        ('{"protocol": "nope", "events": []}', "unknown protocol 'nope'"),
        ('{"protocol": "acute-low-back-spasm", "events": {}}', "'events' must be a list"),
        ('{"protocol": "acute-low-back-spasm", "session_index": 0, "events": []}', "session_index"),
        (
            '{"protocol": "acute-low-back-spasm", "modifications": ["cap_level:9"], "events": []}',
            "modification 'cap_level:9'",
        ),
        ("[]", "JSON object"),
    ],
)
def test_a_bad_script_exits_2_with_a_clear_message(
    tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, content)
    result = subprocess.run(
        [sys.executable, "-m", "tablework", "session", "simulate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_script_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["session", "simulate", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "cannot read file" in result.output


def test_a_saved_session_replays_to_the_same_trace(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    saved = cli.invoke(app, ["session", "simulate", str(EXAMPLE), "--save", "--format", "json"])
    assert saved.exit_code == 0, saved.output
    simulated = json.loads(saved.output)
    session_id = simulated.pop("session_id")
    listed = cli.invoke(app, ["session", "list", "--format", "json"])
    assert [s["id"] for s in json.loads(listed.output)] == [session_id]
    replayed = cli.invoke(app, ["session", "replay", session_id, "--format", "json"])
    assert replayed.exit_code == 0
    body = json.loads(replayed.output)
    assert body.pop("session_id") == session_id
    assert body == simulated
    text = cli.invoke(app, ["session", "replay", session_id])
    assert "stored session" in text.output


def test_replaying_an_unknown_session_exits_2(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = cli.invoke(app, ["session", "replay", "0" * 32])
    assert result.exit_code == 2 and "no session" in result.output


def test_a_bad_database_url_is_a_clear_error(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", "mysql://nobody@nowhere/x")
    result = cli.invoke(app, ["session", "list"])
    assert result.exit_code == 2 and "TABLEWORK_DATABASE_URL" in result.output


def test_db_upgrade_reports_the_schema(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = cli.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and f"empty -> {HEAD}" in result.output


def test_save_with_client_stores_the_session_under_that_client(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    client_id = cli.invoke(app, ["client", "add", "Zoë Ñúñez"]).stdout.strip()
    saved = cli.invoke(
        app,
        ["session", "simulate", str(EXAMPLE), "--save", "--client", client_id, "-f", "json"],
    )
    assert saved.exit_code == 0, saved.output
    session_id = json.loads(saved.stdout)["session_id"]
    listed = cli.invoke(app, ["session", "list", "--client", client_id, "--format", "json"])
    assert [s["id"] for s in json.loads(listed.stdout)] == [session_id]
    clients = cli.invoke(app, ["client", "list", "--format", "json"])
    assert [c["id"] for c in json.loads(clients.stdout)] == [client_id]


def test_client_without_save_is_refused(cli: CliRunner) -> None:
    result = cli.invoke(app, ["session", "simulate", str(EXAMPLE), "--client", "abc"])
    assert result.exit_code == 2 and "--client only applies with --save" in result.stderr
