"""Bundle entries' data: empty values pruned (FHIR forbids them), false and zero kept."""

from __future__ import annotations

from tablework.exports.fhir_ids import pruned


def test_empty_values_go_at_any_depth_and_false_and_zero_stay() -> None:
    value = {
        "a": [{}, [], "", None, 0, False, 0.0, {"b": [None]}, {"c": [{"d": ""}], "e": 1}],
        "f": {"g": {}},
        "h": "x",
    }
    assert pruned(value) == {"a": [0, False, 0.0, {"e": 1}], "h": "x"}
