from __future__ import annotations

import pytest

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
