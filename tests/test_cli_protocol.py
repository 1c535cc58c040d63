from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tablework.cli import app

PROTOCOLS = Path(__file__).parent / "data" / "protocols"


def test_list_names_the_bundled_protocol(cli: CliRunner) -> None:
    result = cli.invoke(app, ["protocol", "list", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert {p["id"] for p in listed} == {"acute-low-back-spasm"}
    assert {p["version"]: p["status"] for p in listed} == {"1.0.0": "retired", "1.1.0": "active"}


def test_show_json_names_every_point_from_p1_to_p16(cli: CliRunner) -> None:
    result = cli.invoke(app, ["protocol", "show", "acute-low-back-spasm", "--format", "json"])
    assert result.exit_code == 0
    text = result.output
    data = json.loads(text)
    data.pop("reference")
    cited = json.dumps(data)
    for i in range(1, 17):
        assert f'"P{i}"' in cited


def test_show_text_is_readable(cli: CliRunner) -> None:
    result = cli.invoke(app, ["protocol", "show", "acute-low-back-spasm"])
    assert result.exit_code == 0
    assert "Hip pillow" in result.output and "[P9]" in result.output


def test_show_an_unknown_protocol_exits_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["protocol", "show", "nope"])
    assert result.exit_code == 2
    assert "unknown protocol 'nope'" in result.output


def test_validate_accepts_a_good_file(cli: CliRunner) -> None:
    result = cli.invoke(app, ["protocol", "validate", str(PROTOCOLS / "minimal.yaml")])
    assert result.exit_code == 0 and "ok" in result.output


def test_validate_reports_path_line_message_without_a_traceback() -> None:
    """Run the real console script, as a protocol author would."""
    for path in sorted(PROTOCOLS.glob("*.yaml")):
        if path.name == "minimal.yaml":
            continue
        result = subprocess.run(
            [sys.executable, "-m", "tablework", "protocol", "validate", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, path
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(f"{path}:"), result.stderr


def test_export_fhir_prints_a_plan_definition(cli: CliRunner) -> None:
    result = cli.invoke(app, ["protocol", "export-fhir", "acute-low-back-spasm"])
    assert result.exit_code == 0
    assert json.loads(result.output)["resourceType"] == "PlanDefinition"


def test_help_lists_the_command_groups(cli: CliRunner) -> None:
    result = cli.invoke(app, ["--help"])
    assert result.exit_code == 0 and "protocol" in result.output


def test_export_fhir_writes_to_a_file_with_o(cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    result = cli.invoke(app, ["protocol", "export-fhir", "acute-low-back-spasm", "-o", str(target)])
    assert result.exit_code == 0
    assert json.loads(target.read_text())["resourceType"] == "PlanDefinition"
