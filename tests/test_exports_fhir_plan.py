"""The protocol's PlanDefinition validates against the R4B models and round-trips."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.plandefinition import PlanDefinition

from fhir_schema import r4_errors
from tablework.exports.fhir import AREA_SYSTEM, plan_definition, plan_definition_json
from tablework.protocols.loader import get
from tablework.protocols.schema import Protocol


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return get("acute-low-back-spasm")


def test_the_export_round_trips_through_the_r4b_models(protocol: Protocol) -> None:
    exported = json.loads(plan_definition_json(protocol))
    parsed = PlanDefinition.model_validate_json(json.dumps(exported))
    assert parsed.model_dump(mode="json", by_alias=True, exclude_none=True) == exported


def test_the_export_is_valid_r4_json(protocol: Protocol) -> None:
    assert r4_errors(plan_definition(protocol)) == []


def test_the_plan_definition_has_a_canonical_https_url(protocol: Protocol) -> None:
    url = plan_definition(protocol)["url"]
    assert url == f"https://tablework.org/fhir/PlanDefinition/{protocol.id}"


def test_each_technique_is_an_activity_with_its_areas_and_levels(protocol: Protocol) -> None:
    parsed = PlanDefinition.model_validate(plan_definition(protocol))
    activities = {a.id: a for a in parsed.contained}
    for technique in protocol.techniques:
        activity = activities[technique.id]
        areas = [site.coding[0].code for site in activity.bodySite]
        assert areas == list(technique.areas)
        assert activity.bodySite[0].coding[0].system == AREA_SYSTEM
        levels = [e.valueInteger for e in activity.extension if e.url.endswith("pressure-level")]
        assert levels == list(technique.levels)
        assert [r.label for r in activity.relatedArtifact] == list(technique.sources)


def test_phases_come_first_and_in_order(protocol: Protocol) -> None:
    parsed = PlanDefinition.model_validate(plan_definition(protocol))
    ids = [action.id for action in parsed.action]
    assert ids[: len(protocol.phases)] == [f"phase-{p.id}" for p in protocol.phases]


def test_deferred_techniques_carry_a_session_condition(protocol: Protocol) -> None:
    parsed = PlanDefinition.model_validate(plan_definition(protocol))
    deferred = {a.id: a for a in parsed.action if a.id.startswith("deferred-")}
    assert set(deferred) == {
        "deferred-rocking",
        "deferred-ql-pressure",
        "deferred-hip-flexor-release",
    }
    assert deferred["deferred-ql-pressure"].condition[0].expression.expression == (
        "%sessionIndex >= 2"
    )


def test_every_action_reference_points_to_a_contained_activity(protocol: Protocol) -> None:
    data = plan_definition(protocol)
    contained = {f"#{c['id']}" for c in data["contained"]}

    def canonicals(actions: list[dict[str, object]]) -> list[str]:
        found = []
        for action in actions:
            if "definitionCanonical" in action:
                found.append(str(action["definitionCanonical"]))
            found += canonicals(action.get("action", []))  # type: ignore[arg-type]
        return found

    assert set(canonicals(data["action"])) <= contained


def test_the_check_in_interval_is_a_timing(protocol: Protocol) -> None:
    data = plan_definition(protocol)
    check_in = next(a for a in data["action"] if a["id"] == "check-in")
    assert check_in["timingTiming"]["repeat"]["period"] == 180
    assert check_in["timingTiming"]["repeat"]["periodUnit"] == "s"
