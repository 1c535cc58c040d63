from __future__ import annotations

import pytest
from pydantic import ValidationError

from tablework.conditions import Condition, evaluate


def cond(data: object) -> Condition:
    return Condition.model_validate(data)


@pytest.mark.parametrize(
    ("data", "facts", "expected"),
    [
        ({"fact": "positioned"}, {"positioned": True}, True),
        ({"fact": "positioned"}, {"positioned": False}, False),
        ({"fact": "age", "op": "gte", "value": 70}, {"age": 70}, True),
        ({"fact": "age", "op": "gte", "value": 70}, {"age": 69}, False),
        ({"fact": "age", "op": "lt", "value": 15}, {"age": 14}, True),
        ({"fact": "age", "op": "gt", "value": 60}, {"age": 60}, False),
        ({"fact": "age", "op": "lte", "value": 60}, {"age": 60}, True),
        ({"fact": "dvt", "op": "ne", "value": "none"}, {"dvt": "left"}, True),
        ({"fact": "dvt", "op": "in", "value": ["left", "both"]}, {"dvt": "both"}, True),
        ({"fact": "dvt", "op": "in", "value": ["left", "both"]}, {"dvt": "right"}, False),
        ({"all": [{"fact": "a"}, {"fact": "b"}]}, {"a": True, "b": True}, True),
        ({"all": [{"fact": "a"}, {"fact": "b"}]}, {"a": True, "b": False}, False),
        ({"any": [{"fact": "a"}, {"fact": "b"}]}, {"a": False, "b": True}, True),
        ({"not": {"fact": "a"}}, {"a": False}, True),
    ],
)
def test_conditions_evaluate_as_written(
    data: object, facts: dict[str, object], expected: bool
) -> None:
    assert evaluate(cond(data), facts) is expected


def test_a_missing_fact_makes_a_comparison_false() -> None:
    assert evaluate(cond({"fact": "age", "op": "gte", "value": 70}), {}) is False


def test_a_comparison_of_the_wrong_type_is_false_not_an_error() -> None:
    assert evaluate(cond({"fact": "age", "op": "gte", "value": 70}), {"age": "old"}) is False


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"fact": "a", "all": [{"fact": "b"}]},
        {"fact": "a", "op": "in", "value": 3},
        {"fact": "a", "op": "like", "value": 3},
        {"fact": "a", "code": "__import__('os')"},
    ],
)
def test_malformed_conditions_are_rejected(data: object) -> None:
    with pytest.raises(ValidationError):
        cond(data)


def test_it_lists_every_fact_it_reads() -> None:
    condition = cond({"all": [{"fact": "a"}, {"not": {"any": [{"fact": "b"}, {"fact": "c"}]}}]})
    assert list(condition.facts()) == ["a", "b", "c"]
