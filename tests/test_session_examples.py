"""The example scripts in examples/sessions are golden tests of the whole engine.

Each SCRIPT.json has a reviewed SCRIPT.trace.json beside it: the `session simulate --format
json` output. After an intended change, regenerate with TABLEWORK_UPDATE_GOLDEN=1 and
review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tablework.cli import app

EXAMPLES = Path(__file__).parent.parent / "examples" / "sessions"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.endswith(".trace.json"))


def test_there_are_several_examples() -> None:
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_the_trace_matches_the_reviewed_golden_file(script: Path, cli: CliRunner) -> None:
    result = cli.invoke(app, ["session", "simulate", str(script), "--format", "json"])
    assert result.exit_code == 0, result.output
    actual = json.loads(result.output)
    golden = script.with_name(f"{script.stem}.trace.json")
    if os.environ.get("TABLEWORK_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(golden.read_text())
    events = json.loads(script.read_text())["events"]
    assert len(actual["trace"]) == len(events)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_the_text_trace_reads_as_a_timeline(script: Path, cli: CliRunner) -> None:
    result = cli.invoke(app, ["session", "simulate", str(script)])
    assert result.exit_code == 0
    assert "Summary" in result.output and "->" in result.output
