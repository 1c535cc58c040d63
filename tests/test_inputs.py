"""The one input reader: what it accepts, what it refuses, and how it says so."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tablework.inputs import (
    MAX_INTEGER,
    MAX_NESTING,
    InputError,
    check_argument,
    load_json,
    read_file,
    read_json,
    text_of,
    value_problem,
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_it_reads_a_regular_file_and_follows_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "script.json"
    target.write_text('{"a": [1, 2.5, "x"]}')
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert read_json(link) == {"a": [1, 2.5, "x"]}


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file: No such file"):
        read_file(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda d: d, "a directory"),
        (lambda d: (os.mkfifo(d / "pipe"), d / "pipe")[1], "a pipe"),
        (lambda d: Path("/dev/zero"), "a device"),
        (lambda d: Path("/dev/null"), "a device"),
    ],
    ids=["directory", "fifo", "dev-zero", "dev-null"],
)
def test_only_regular_files_are_read(tmp_path: Path, make: object, kind: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(InputError, match=f"not a regular file \\({kind}\\)"):
        read_file(path)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 101)
    assert read_file(path, limit=101) == b"x" * 101
    with pytest.raises(InputError, match="too large \\(the limit is 100 bytes\\)"):
        read_file(path, limit=100)


def test_a_body_over_the_limit_is_refused() -> None:
    with pytest.raises(InputError, match="too large"):
        text_of(b"x" * 11, "body", limit=10)


def test_invalid_utf8_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as error:
        text_of(b'{\n"name": "Zo\xeb"}', "intake.json")
    assert str(error.value) == "intake.json:2: not valid UTF-8 text"


def test_text_with_surrogates_is_refused_like_invalid_utf8() -> None:
    with pytest.raises(InputError, match="not valid UTF-8"):
        text_of("Zo\udceb", "body")


def test_a_nul_byte_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as error:
        text_of("a\nb\0", "f.yaml")
    assert str(error.value) == "f.yaml:2: contains a NUL byte"


def test_unicode_text_is_kept() -> None:
    assert load_json('{"name": "Zoë Ñúñez 王小明"}'.encode()) == {"name": "Zoë Ñúñez 王小明"}


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert load_json(nested(MAX_NESTING)) is not None


def test_nesting_beyond_the_limit_is_refused() -> None:
    with pytest.raises(InputError, match=f"nested deeper than {MAX_NESTING} levels"):
        load_json(nested(MAX_NESTING + 1))


def test_a_100000_deep_document_is_refused_quickly_without_recursion() -> None:
    started = time.thread_time()
    with pytest.raises(InputError, match="nested deeper"):
        load_json('{"a": ' * 100_000 + "1" + "}" * 100_000)
    assert time.thread_time() - started < 0.5


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '["' + "[" * 1000 + '\\"{{{"]'
    assert load_json(text) == ["[" * 1000 + '"{{{']


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_numbers_json_does_not_allow_are_refused(literal: str) -> None:
    with pytest.raises(InputError, match=f"{literal} is not a number JSON allows"):
        load_json(f'{{"at": {literal}}}')


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_floats_that_overflow_are_refused(number: str) -> None:
    with pytest.raises(InputError, match="numbers must be finite"):
        load_json(f"[{number}]")


@pytest.mark.parametrize("number", [str(10**400), str(MAX_INTEGER + 1), "1e308", "-1e20"])
def test_numbers_out_of_range_are_refused(number: str) -> None:
    with pytest.raises(InputError, match="number out of range"):
        load_json(f"[{number}]")


def test_numbers_in_range_are_kept() -> None:
    assert load_json(f"[{MAX_INTEGER}, {-MAX_INTEGER}, 0.5, 1e15]") == [
        MAX_INTEGER,
        -MAX_INTEGER,
        0.5,
        1e15,
    ]


def test_malformed_json_names_its_line() -> None:
    with pytest.raises(InputError) as error:
        load_json('{\n"a": 1', "s.json")
    assert str(error.value).startswith("s.json:2: malformed JSON")


def test_value_problem_accepts_booleans_and_plain_text() -> None:
    assert value_problem(True) is None
    assert value_problem("1e400") is None
    assert value_problem(float("nan")) == "numbers must be finite"


def test_an_argument_that_is_not_utf8_is_refused() -> None:
    assert check_argument("Zoë", "argument 1") == "Zoë"
    with pytest.raises(InputError, match="argument 2: not valid UTF-8"):
        check_argument("Zo\udcff", "argument 2")


@pytest.mark.parametrize("text", [r'{"a": "\udcff"}', r'{"\ud800": 1}', r'[["\uDE00"]]'])
def test_a_lone_surrogate_escape_is_refused_like_invalid_utf8(text: str) -> None:
    with pytest.raises(InputError, match="not valid UTF-8 text"):
        load_json(text)


def test_a_surrogate_pair_escape_is_one_character() -> None:
    assert load_json(r'{"a": "\ud83d\ude00"}') == {"a": "\N{GRINNING FACE}"}


def test_value_problem_names_text_with_half_a_character() -> None:
    assert value_problem("Zoë") is None
    assert value_problem("\udcff") == "not valid UTF-8 text (an escape names half a character)"


def test_a_repeated_key_is_refused_not_silently_overwritten() -> None:
    with pytest.raises(InputError, match="duplicate key 'cancer_history'"):
        load_json('{"answers": {"cancer_history": true, "cancer_history": false}}')


@pytest.mark.parametrize("text", ["\\u001b[31m", "\\u0007", "a\\u202eb", "\\u0000"])
def test_control_characters_in_text_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="control character"):
        load_json('{"note": "' + text + '"}')


def test_tabs_and_newlines_in_text_are_kept() -> None:
    assert load_json('{"note": "one\\ttwo\\nthree"}') == {"note": "one\ttwo\nthree"}
