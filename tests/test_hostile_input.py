"""The hostile-input corpus of issue 9, through the real command line.

Every case must exit 2 with exactly one line on stderr, no traceback, nothing on stdout,
nothing stored, and finish in well under 2 s (the billion laughs and 100,000-deep JSON
cases used to take 32 s and a RecursionError).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from tablework.cli import app
from tablework.inputs import MAX_INPUT_BYTES, MAX_YAML_BYTES

if TYPE_CHECKING:
    from tablework.store.repo import Store

INTAKE = Path(__file__).parent.parent / "examples" / "intakes" / "complete-proceed.json"
TIME_LIMIT = 2.0
"""CPU seconds of this thread a refusal may cost: a bomb that got through would take
minutes. This thread's CPU, not wall time nor the whole process's, so neither a busy
machine nor a server thread left by another test fails it."""
PYTHON_START = 3.0
"""Allowance for starting an interpreter and importing the CLI."""

Argument = str | bytes
Case = Callable[[Path, str], tuple[list[Argument], str]]


def _file(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return str(path)


def _script(at: str) -> str:
    return (
        '{"protocol": "acute-low-back-spasm", "events": '
        f'[{{"type": "note", "at": {at}, "text": "x"}}]}}'
    )


def _simulate(folder: Path, at: str) -> list[Argument]:
    return ["session", "simulate", _file(folder, "script.json", _script(at)), "--save"]


def _intake(folder: Path, client: str, content: str | bytes) -> list[Argument]:
    return ["intake", "add", client, _file(folder, "intake.json", content)]


def _validate(folder: Path, content: str | bytes) -> list[Argument]:
    return ["protocol", "validate", _file(folder, "protocol.yaml", content)]


def _laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _fifo(folder: Path) -> str:
    path = folder / "script.json"
    os.mkfifo(path)
    return str(path)


def _sparse(folder: Path, size: int) -> str:
    path = folder / "big.json"
    with path.open("wb") as file:
        file.truncate(size)
    return str(path)


def _intake_with(replacement: tuple[str, str]) -> str:
    return INTAKE.read_text().replace(*replacement)


DEEP = 100_000

# Each case builds its arguments in a fresh folder, given an existing client's id.
IN_PROCESS: dict[str, Case] = {
    "deep-json-script": lambda d, c: (
        [
            "session",
            "simulate",
            _file(d, "s.json", '{"events": ' + "[" * DEEP + "]" * DEEP + "}"),
            "--save",
        ],
        "nested deeper than 64 levels",
    ),
    "deep-json-intake": lambda d, c: (
        _intake(d, c, '{"answers": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}"),
        "nested deeper than 64 levels",
    ),
    "deep-yaml-flow": lambda d, c: (_validate(d, "[" * DEEP + "]" * DEEP), "nested deeper"),
    "deep-yaml-block": lambda d, c: (
        _validate(d, "".join("  " * i + f"k{i}:\n" for i in range(200))),
        "nested deeper",
    ),
    "huge-integer": lambda d, c: (_simulate(d, str(10**400)), "number out of range"),
    "float-1e400": lambda d, c: (_simulate(d, "1e400"), "numbers must be finite"),
    "at-1e308": lambda d, c: (_simulate(d, "1e308"), "number out of range"),
    "at-over-a-day": lambda d, c: (_simulate(d, "86401"), "less than or equal to 86400"),
    "nan-literal": lambda d, c: (_simulate(d, "NaN"), "NaN is not a number"),
    "infinity-literal": lambda d, c: (
        _intake(d, c, _intake_with(('"pain_now": 7', '"pain_now": -Infinity'))),
        "-Infinity is not a number",
    ),
    "billion-laughs": lambda d, c: (_validate(d, _laughs()), "keys and values (an alias counts"),
    "recursive-alias": lambda d, c: (_validate(d, "a: &a [1, *a]\n"), "contains it"),
    "nul-byte-yaml": lambda d, c: (_validate(d, "id: x\0y\n"), "NUL byte"),
    "nul-byte-json": lambda d, c: (_intake(d, c, '{"answers": {}}\0'), "NUL byte"),
    "invalid-utf8-file": lambda d, c: (
        _intake(d, c, _intake_with(("toddler", "t\xf6ddler")).encode("latin-1")),
        "not valid UTF-8",
    ),
    "lone-surrogate-escape": lambda d, c: (
        _intake(d, c, _intake_with(("Lower back", "Lower \\udcff back"))),
        "not valid UTF-8",
    ),
    "directory": lambda d, c: (["session", "simulate", str(d), "--save"], "a directory"),
    "over-size-limit": lambda d, c: (
        ["session", "simulate", _sparse(d, MAX_INPUT_BYTES + 1), "--save"],
        "too large",
    ),
    "yaml-over-size-limit": lambda d, c: (
        _validate(d, "a: " + "x" * MAX_YAML_BYTES),
        "too large (the limit is 1 MiB)",
    ),
    "yaml-too-many-values": lambda d, c: (
        _validate(d, "".join(f"k{i}: {i}\n" for i in range(30_000))),
        "more than 20000 keys and values",
    ),
    "ruleset-path": lambda d, c: (
        ["screen", str(INTAKE), "--ruleset", "../../protocols/library/acute-low-back-spasm"],
        "unknown screening ruleset",
    ),
    "ruleset-parent": lambda d, c: (
        ["screen", str(INTAKE), "--ruleset", "../.."],
        "unknown screening ruleset",
    ),
    "unknown-client-list": lambda d, c: (["session", "list", "--client", "nope"], "no client"),
    "unknown-protocol-outcomes": lambda d, c: (
        ["outcomes", "--protocol", "nope"],
        "unknown protocol 'nope'",
    ),
    "unknown-client-save": lambda d, c: (
        ["session", "simulate", _file(d, "ok.json", _script("1")), "--save", "--client", "nope"],
        "no client with id nope",
    ),
}

# Cases only a real process can show: argv bytes, and files that would hang a reader.
SUBPROCESS: dict[str, Case] = {
    "invalid-utf8-argument": lambda d, c: (["client", "add", b"Zo\xff"], "not valid UTF-8"),
    "fifo": lambda d, c: (["session", "simulate", _fifo(d), "--save"], "a pipe"),
    "dev-zero": lambda d, c: (["session", "simulate", "/dev/zero", "--save"], "a device"),
}


def snapshot(store: Store) -> dict[str, list[str]]:
    """Every row of every table, to show a refused command stored nothing."""
    tables = MetaData()
    tables.reflect(store.engine)
    with store.engine.connect() as conn:
        return {
            name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for name, table in tables.tables.items()
        }


@pytest.fixture
def stored_client(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with one client in it, named by TABLEWORK_DATABASE_URL."""
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", database_url)
    return store.add_client("Existing client")


def _children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def assert_refused(stdout: str, stderr: str, code: int, message: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert message in stderr


@pytest.mark.parametrize("case", IN_PROCESS.values(), ids=IN_PROCESS.keys())
def test_hostile_input_is_refused_in_one_line(
    case: Case, tmp_path: Path, store: Store, stored_client: str
) -> None:
    arguments, message = case(tmp_path, stored_client)
    before = snapshot(store)
    started = time.thread_time()
    result = CliRunner().invoke(app, [str(a) for a in arguments])
    elapsed = time.thread_time() - started
    assert_refused(result.stdout, result.stderr, result.exit_code, message)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert elapsed < TIME_LIMIT
    assert snapshot(store) == before


@pytest.mark.parametrize("case", SUBPROCESS.values(), ids=SUBPROCESS.keys())
def test_hostile_input_is_refused_by_a_real_process(
    case: Case, tmp_path: Path, store: Store, stored_client: str
) -> None:
    arguments, message = case(tmp_path, stored_client)
    before = snapshot(store)
    command: list[Any] = [sys.executable, "-m", "tablework", *arguments]
    # A timeout, not a hang, if a reader ever blocks on a pipe or reads /dev/zero again.
    started = _children_cpu()
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    elapsed = _children_cpu() - started
    assert_refused(result.stdout, result.stderr, result.returncode, message)
    assert elapsed < TIME_LIMIT + PYTHON_START
    assert snapshot(store) == before
