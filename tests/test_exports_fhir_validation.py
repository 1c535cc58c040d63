"""Validating each distinct element once still refuses whatever the R4B models refuse."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from tablework.exports.fhir_validation import validate_resource

PAIN = {"coding": [{"system": "http://loinc.org", "code": "72514-3"}], "text": "Pain 0-10"}


def _observation(value: int, code: dict[str, Any] = PAIN) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": copy.deepcopy(code),
        "subject": {"reference": "urn:uuid:7f1b1f4e-6c84-4bde-9a55-5f0c2d6a1b7e"},
        "effectiveDateTime": "2026-11-25T10:00:00Z",
        "valueInteger": value,
    }


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}", "resource": r}
            for i, r in enumerate(resources)
        ],
    }


def _both_refuse(bundle: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle)
    with pytest.raises(ValidationError):
        validate_resource(bundle)


def test_a_valid_bundle_with_repeated_elements_passes() -> None:
    bundle = _bundle(*(_observation(pain) for pain in (7, 4, 7, 3)))
    Bundle.model_validate(bundle)
    validate_resource(bundle)


def test_a_repeat_that_differs_only_in_a_bad_value_is_refused() -> None:
    bad = {"coding": [{"system": "http://loinc.org", "code": 72514}], "text": "Pain 0-10"}
    _both_refuse(_bundle(_observation(7), _observation(4, bad)))


def test_a_repeat_with_an_unknown_field_is_refused() -> None:
    second = _observation(4)
    second["subject"]["bogus"] = "x"
    _both_refuse(_bundle(_observation(7), second))


def test_a_bad_primitive_in_a_resource_is_refused() -> None:
    second = _observation(4)
    second["effectiveDateTime"] = "yesterday"
    _both_refuse(_bundle(_observation(7), second))


def test_an_int_is_not_taken_for_an_equal_bool() -> None:
    first, second = _observation(7), _observation(4)
    first["code"]["coding"][0]["userSelected"] = True
    second["code"]["coding"][0]["userSelected"] = 1.5
    _both_refuse(_bundle(first, second))


def test_a_resource_of_the_wrong_kind_in_a_field_is_refused() -> None:
    second = _observation(4)
    second["subject"] = {"resourceType": "Patient", "id": "p"}
    _both_refuse(_bundle(_observation(7), second))
