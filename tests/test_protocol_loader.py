from __future__ import annotations

import re
from pathlib import Path

import pytest

from tablework.protocols.loader import (
    ProtocolError,
    UnknownProtocolError,
    get,
    load_file,
    load_text,
)

PROTOCOLS = Path(__file__).parent / "data" / "protocols"
BROKEN = sorted(p for p in PROTOCOLS.glob("*.yaml") if p.name != "minimal.yaml")


def expectation(path: Path) -> tuple[int, str]:
    """Each broken file says on its first line where its error is and what it says."""
    match = re.match(r"# expect: (\d+): (.*)", path.read_text().splitlines()[0])
    assert match, f"{path.name} needs an '# expect: LINE: text' first line"
    return int(match.group(1)), match.group(2)


def test_the_minimal_protocol_is_valid() -> None:
    protocol = load_file(PROTOCOLS / "minimal.yaml")
    assert protocol.ref == "minimal-example@0.1.0"


def test_there_is_a_broken_file_for_each_kind_of_mistake() -> None:
    names = {p.stem for p in BROKEN}
    assert {
        "bad_yaml",
        "unknown_reference",
        "duplicate_id",
        "level_out_of_range",
        "missing_sources",
    } <= names


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_a_broken_file_is_reported_at_its_line(path: Path) -> None:
    line, fragment = expectation(path)
    with pytest.raises(ProtocolError) as error:
        load_file(path)
    messages = [str(problem) for problem in error.value.problems]
    assert any(m.startswith(f"{path}:{line}: ") and fragment in m for m in messages), messages


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    text = (PROTOCOLS / "minimal.yaml").read_text()
    text = text.replace("techniques: [hold]", "techniques: [hold, nope]")
    text = text.replace("areas: [low-back]\n    sources", "areas: [low-back, elbow]\n    sources")
    with pytest.raises(ProtocolError) as error:
        load_text(text, "two.yaml")
    assert len(error.value.problems) == 2


def test_an_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot read file"):
        load_file(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProtocolError, match="not valid UTF-8"):
        load_file(binary)


def test_a_wrong_plane_for_a_motion_is_rejected() -> None:
    text = (PROTOCOLS / "minimal.yaml").read_text() + (
        "home_care:\n"
        "  - id: s\n    name: S\n    plane: frontal\n    motion: flexion\n    lengthens: x\n"
        "    instructions: y\n    dose: {hold_seconds: [10, 30], repetitions: [2, 4], "
        "frequency: daily}\n    acute_safe: true\n    posture: seated\n    sources: [R1]\n"
    )
    with pytest.raises(ProtocolError, match="not in the frontal plane"):
        load_text(text)


def test_escalation_caps_must_start_at_session_one() -> None:
    text = (
        (PROTOCOLS / "minimal.yaml")
        .read_text()
        .replace("[{from_session: 1, max_level: 1}]", "[{from_session: 2, max_level: 1}]")
    )
    with pytest.raises(ProtocolError, match="start at session 1"):
        load_text(text)


def test_a_deferred_technique_must_say_why() -> None:
    text = (
        (PROTOCOLS / "minimal.yaml")
        .read_text()
        .replace("    levels: [0, 1]", "    levels: [0, 1]\n    earliest_session: 2")
    )
    with pytest.raises(ProtocolError, match="deferral_reason"):
        load_text(text)


def test_get_finds_the_active_version_by_id_and_any_by_exact_version() -> None:
    assert get("acute-low-back-spasm").version == "1.1.0"
    retired = get("acute-low-back-spasm@1.0.0")
    assert retired.id == "acute-low-back-spasm" and retired.status == "retired"


@pytest.mark.parametrize("ref", ["nope", "acute-low-back-spasm@9.9.9"])
def test_get_refuses_unknown_protocols(ref: str) -> None:
    with pytest.raises(UnknownProtocolError, match=r"known: acute-low-back-spasm@1\.0\.0"):
        get(ref)


def test_a_protocol_body_in_bytes_is_read_like_a_file() -> None:
    from tablework.datafile import load_model
    from tablework.protocols.schema import Protocol

    body = (PROTOCOLS / "minimal.yaml").read_bytes()
    protocol, _ = load_model(body, "body", Protocol)
    assert protocol.id
    with pytest.raises(ProtocolError, match="body:1: not valid UTF-8"):
        load_model(b"id: \xff\n" + body, "body", Protocol)


def test_a_yaml_file_over_its_limit_is_refused(tmp_path: Path) -> None:
    from tablework.inputs import MAX_YAML_BYTES

    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * MAX_YAML_BYTES)
    with pytest.raises(ProtocolError, match="too large \\(the limit is 1 MiB\\)"):
        load_file(path)
