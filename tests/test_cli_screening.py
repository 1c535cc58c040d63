"""`tablework screen`, `client` and `intake` as a therapist would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tablework.cli import app

INTAKES = Path(__file__).parent.parent / "examples" / "intakes"


def test_screen_json_has_the_contract_fields(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["screen", str(INTAKES / "emergency-bladder.json"), "--format", "json"]
    )
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert {"disposition", "flags", "modifications", "not_asked"} <= set(body)
    assert body["disposition"] == "emergency"
    assert {"id", "severity", "advice", "source"} <= set(body["flags"][0])


def test_screen_text_on_an_emergency_says_do_not_treat_on_the_first_line(cli: CliRunner) -> None:
    result = cli.invoke(app, ["screen", str(INTAKES / "emergency-bladder.json")])
    assert result.output.splitlines()[0].startswith("DO NOT TREAT. EMERGENCY")


def test_screen_text_says_when_the_screen_is_incomplete(cli: CliRunner) -> None:
    result = cli.invoke(app, ["screen", str(INTAKES / "incomplete.json")])
    lines = result.output.splitlines()
    assert lines[0].startswith("DO NOT TREAT YET")  # its emergency questions were not asked
    assert "SCREEN INCOMPLETE" in lines[1]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"age": -3}, "age"),
        ({"pain_now": 14}, "pain_now"),
        ({"region": "elbow"}, "region"),
        ({"pregnancy_weeks": "yes"}, "pregnancy_weeks"),
    ],
)
def test_bad_answers_exit_2_naming_the_field(
    tmp_path: Path, answers: dict[str, object], field: str
) -> None:
    path = tmp_path / "intake.json"
    path.write_text(json.dumps({"answers": answers}))
    result = subprocess.run(
        [sys.executable, "-m", "tablework", "screen", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"{field}:" in result.stderr and "Traceback" not in result.stderr


def test_malformed_intake_json_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "intake.json"
    path.write_text('{"answers": ')
    result = cli.invoke(app, ["screen", str(path)])
    assert result.exit_code == 2 and "malformed JSON" in result.output


def test_intakes_are_stored_as_versions_per_client(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    client_id = cli.invoke(app, ["client", "add", "Invented Client"]).output.strip()
    listed = json.loads(cli.invoke(app, ["client", "list", "--format", "json"]).output)
    assert [c["id"] for c in listed] == [client_id]
    for name in ("complete-proceed.json", "emergency-bladder.json"):
        result = cli.invoke(app, ["intake", "add", client_id, str(INTAKES / name)])
        assert result.exit_code == 0, result.output
    versions = json.loads(cli.invoke(app, ["intake", "list", client_id, "--format", "json"]).output)
    assert [(v["version"], v["disposition"]) for v in versions] == [(1, "modify"), (2, "emergency")]


def test_a_bad_intake_stores_nothing(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    client_id = cli.invoke(app, ["client", "add", "Invented Client"]).output.strip()
    result = cli.invoke(app, ["intake", "add", client_id, str(INTAKES / "bad-types.json")])
    assert result.exit_code == 2
    listed = cli.invoke(app, ["intake", "list", client_id, "--format", "json"])
    assert json.loads(listed.output) == []


def test_an_intake_for_an_unknown_client_exits_2(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = cli.invoke(app, ["intake", "add", "0" * 32, str(INTAKES / "incomplete.json")])
    assert result.exit_code == 2 and "no client" in result.output
    listed = cli.invoke(app, ["intake", "list", "0" * 32])
    assert listed.exit_code == 2 and "no client" in listed.output


def test_instrument_validate_and_list(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(__file__).parent / "data" / "instruments"
    ok = cli.invoke(app, ["instrument", "validate", str(folder / "invented-sleep.yaml")])
    assert ok.exit_code == 0
    bad = cli.invoke(app, ["instrument", "validate", str(folder / "bad-band.yaml")])
    assert bad.exit_code == 2 and "bad-band.yaml:" in bad.output
    monkeypatch.setenv("TABLEWORK_INSTRUMENTS_DIR", str(folder / "missing"))
    result = cli.invoke(app, ["instrument", "list"])
    assert result.exit_code == 2 and "not a folder" in result.output
