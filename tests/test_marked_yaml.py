from __future__ import annotations

import time
from importlib import resources
from typing import Any

import pytest

from tablework.inputs import MAX_NESTING, MAX_YAML_VALUES
from tablework.marked_yaml import YamlError, parse


def test_it_keeps_the_line_of_every_value() -> None:
    document = parse("a: 1\nb:\n  - x\n  - {c: 2}\n")
    assert document.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert document.line_of(("a",)) == 1
    assert document.line_of(("b", 1, "c")) == 4


def test_a_missing_location_falls_back_to_its_nearest_parent() -> None:
    document = parse("a:\n  b: 1\n")
    assert document.line_of(("a", "missing", 3)) == 1


def test_duplicate_keys_are_an_error_at_their_line() -> None:
    with pytest.raises(YamlError) as error:
        parse("a: 1\nb: 2\na: 3\n")
    assert error.value.line == 3
    assert "duplicate key 'a'" in error.value.message


def test_broken_yaml_reports_a_line_not_a_traceback() -> None:
    with pytest.raises(YamlError) as error:
        parse("a: [1, 2\nb: 3\n")
    assert error.value.line == 2


def test_an_empty_file_is_an_error() -> None:
    with pytest.raises(YamlError, match="empty"):
        parse("# nothing but a comment\n")


def test_anchors_and_aliases_are_resolved() -> None:
    document = parse("a: &x [1, 2]\nb: *x\n")
    assert document.data["b"] == [1, 2]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_quickly() -> None:
    started = time.thread_time()
    with pytest.raises(YamlError, match=f"more than {MAX_YAML_VALUES} keys and values"):
        parse(billion_laughs())
    assert time.thread_time() - started < 1.0


def test_aliases_within_the_budget_are_expanded() -> None:
    document = parse(billion_laughs(levels=3))
    assert len(document.data["c"]) == 9 and document.data["c"][0][0] == ["lol"] * 9


@pytest.mark.parametrize("text", ["a: &a [1, *a]\n", "a: &a {b: *a}\n", "&a [*a]\n"])
def test_a_recursive_alias_is_refused(text: str) -> None:
    with pytest.raises(YamlError, match="an alias refers to a value that contains it"):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "".join("  " * i + f"k{i}:\n" for i in range(MAX_NESTING + 2)),
        "".join("  " * i + "-\n" for i in range(MAX_NESTING + 2)),
    ],
    ids=["flow", "block-mapping", "block-list"],
)
def test_nesting_beyond_the_limit_is_refused(text: str) -> None:
    started = time.thread_time()
    with pytest.raises(YamlError, match=f"nested deeper than {MAX_NESTING} levels"):
        parse(text)
    assert time.thread_time() - started < 1.5


def test_aliases_cannot_nest_deeper_than_the_limit() -> None:
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [[[[*a{i - 1}]]]]" for i in range(1, 20)]
    with pytest.raises(YamlError, match="nested deeper"):
        parse("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "numbers must be finite"),
        ("-.inf", "numbers must be finite"),
        (".nan", "numbers must be finite"),
        ("1.0e+400", "numbers must be finite"),
        ("9" * 5000, "number out of range"),
        ("0x" + "f" * 14, "number out of range"),
        (":".join(["59"] * 3000), "number out of range"),
        ("1.0e+300", "number out of range"),
        ("2024-13-45", "invalid value"),
    ],
    ids=["inf", "-inf", "nan", "1e400", "huge", "hex", "sexagesimal", "1e300", "bad-date"],
)
def test_numbers_must_be_finite_and_in_range(value: str, message: str) -> None:
    with pytest.raises(YamlError, match=message) as error:
        parse(f"ok: 1\nvalue: {value}\n")
    assert error.value.line == 2


def test_a_huge_integer_key_is_refused() -> None:
    with pytest.raises(YamlError, match="number out of range"):
        parse(f"? {'9' * 5000}\n: 1\n")


@pytest.mark.parametrize(("char", "code"), [("\0", "0000"), ("\x07", "0007")])
def test_a_control_character_is_refused_with_its_line(char: str, code: str) -> None:
    with pytest.raises(YamlError, match=f"character #x{code} is not allowed") as error:
        parse(f"a: 1\nb: x{char}y\n")
    assert error.value.line == 2


def test_a_lone_surrogate_escape_is_refused() -> None:
    with pytest.raises(YamlError, match="half a character"):
        parse('a: "\\udcff"\n')


BUNDLED = sorted(
    [
        *(resources.files("tablework.protocols") / "library").iterdir(),
        *(resources.files("tablework.screening") / "library").iterdir(),
    ],
    key=str,
)


@pytest.mark.parametrize("entry", [e for e in BUNDLED if e.name.endswith(".yaml")], ids=str)
def test_a_bundled_file_parses_to_the_same_data_and_lines_either_way(entry: Any) -> None:
    text = entry.read_text(encoding="utf-8")
    plain, fast = parse(text), parse(text, bundled=True)
    assert fast.data == plain.data
    assert fast.lines == plain.lines


def test_the_fast_path_keeps_the_builders_checks() -> None:
    with pytest.raises(YamlError, match="duplicate key"):
        parse("a: 1\na: 2\n", bundled=True)
