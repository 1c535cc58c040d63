"""The bundled acute low back spasm protocol encodes every reference point (CLINICAL.md)."""

from __future__ import annotations

import json

import pytest

from tablework.protocols.loader import get
from tablework.protocols.schema import PLANE_MOTIONS, Protocol

ALL_POINTS = [f"P{i}" for i in range(1, 17)]


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return get("acute-low-back-spasm")


def cited_points(data: object) -> set[str]:
    """Every point in a `sources` list or a note's `points`, anywhere in the JSON."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("sources", "points") and isinstance(value, list):
                found |= {v for v in value if isinstance(v, str)}
            found |= cited_points(value)
    elif isinstance(data, list):
        for item in data:
            found |= cited_points(item)
    return found


def elements_citing(protocol: Protocol, point: str) -> list[str]:
    return [
        getattr(element, "id", "?")
        for collection in (
            protocol.techniques,
            protocol.areas,
            protocol.positions,
            protocol.supports,
            protocol.phases,
            protocol.follow_up,
            protocol.home_care,
            protocol.principles,
        )
        for element in collection
        if point in element.sources
    ]


def test_every_reference_point_is_cited(protocol: Protocol) -> None:
    data = protocol.model_dump(mode="json", by_alias=True)
    data.pop("reference")  # the reference lists the points; citing is what counts
    assert set(ALL_POINTS) <= cited_points(data)


def test_it_uses_the_contract_ids_of_the_design(protocol: Protocol) -> None:
    areas = {a.id for a in protocol.areas}
    for side in ("left", "right"):
        for area in (
            "lumbar-paraspinals",
            "thoracolumbar",
            "gluteals",
            "posterior-thigh",
            "ql",
            "hip-flexors",
        ):
            assert f"{area}-{side}" in areas
    assert "sacrum" in areas
    assert {t.id for t in protocol.techniques} >= {
        "still-hold",
        "broad-compression",
        "broad-gliding",
        "specific-pressure",
        "posterior-thigh-superior",
        "rocking",
        "ql-pressure",
        "hip-flexor-release",
    }
    assert {s.id for s in protocol.supports} >= {"hip_pillow_asis", "knee_pillow"}


def test_upper_back_and_neck_are_refused_with_a_reason(protocol: Protocol) -> None:
    refused = {r.region: r for r in protocol.scope.refuses}
    assert set(refused) == {"thoracic", "cervical"}
    assert all("P1" in r.sources and r.reason for r in refused.values())


def test_the_hip_pillow_is_adjusted_by_the_client(protocol: Protocol) -> None:
    pillow = next(s for s in protocol.supports if s.id == "hip_pillow_asis")
    assert pillow.client_adjusts
    assert set(pillow.emphasize_for) == {"larger_body", "pronounced_lordosis"}
    prone = next(p for p in protocol.positions if p.id == "prone")
    assert "hip_pillow_asis" in prone.supports and "P3" in prone.sources


def test_work_starts_broad_and_at_level_one(protocol: Protocol) -> None:
    assert protocol.escalation.start_level == 1
    first_work = next(p for p in protocol.phases if p.techniques)
    assert all(protocol.technique(t).broad for t in first_work.techniques)  # type: ignore[union-attr]
    assert all(protocol.area(a).role == "guarding" for a in first_work.areas)  # type: ignore[union-attr]


def test_check_ins_default_to_every_three_minutes_and_every_change(protocol: Protocol) -> None:
    assert protocol.check_in.interval_seconds == 180
    assert set(protocol.check_in.on_change) == {"area", "technique", "level"}


@pytest.mark.parametrize(
    ("technique", "point"),
    [("rocking", "P11"), ("ql-pressure", "P12"), ("hip-flexor-release", "P13")],
)
def test_session_one_exclusions_wait_for_session_two(
    protocol: Protocol, technique: str, point: str
) -> None:
    found = protocol.technique(technique)
    assert found is not None
    assert found.earliest_session == 2 and point in found.sources and found.deferral_reason


def test_the_thigh_to_si_option_is_optional_and_ruled_out_by_dvt(protocol: Protocol) -> None:
    option = protocol.technique("posterior-thigh-superior")
    assert option is not None and option.optional and "dvt" in option.contraindications


def test_home_care_covers_every_plane_both_ways(protocol: Protocol) -> None:
    covered = {(x.plane, x.motion) for x in protocol.home_care}
    wanted = {(plane, motion) for plane, motions in PLANE_MOTIONS.items() for motion in motions}
    assert covered >= wanted


def test_acute_safe_stretches_are_the_gentle_ones(protocol: Protocol) -> None:
    assert {x.id for x in protocol.home_care if x.acute_safe} == {
        "knee-to-chest",
        "supported-figure-4",
        "side-lying-knee-draw",
        "seated-figure-4",
    }


def test_the_responder_rule_is_two_points_or_thirty_percent(protocol: Protocol) -> None:
    assert protocol.outcomes.responder.min_drop_points == 2
    assert protocol.outcomes.responder.min_drop_percent == 30
    assert protocol.outcomes.loinc == "72514-3"


def test_follow_up_plans_ql_and_hip_flexors(protocol: Protocol) -> None:
    assert "ql-work" in elements_citing(protocol, "P12")
    assert "hip-flexors" in elements_citing(protocol, "P13")


def test_the_json_form_round_trips(protocol: Protocol) -> None:
    data = json.loads(protocol.model_dump_json(by_alias=True))
    assert Protocol.model_validate(data) == protocol
