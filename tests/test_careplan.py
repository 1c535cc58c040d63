"""Home-care plans cover every plane both ways, or say which directions they leave out."""

from __future__ import annotations

import json
from pathlib import Path

from tablework.documents.careplan import CarePlan, choose_stretches, plan_care
from tablework.documents.handout import compose
from tablework.documents.record import build
from tablework.protocols.loader import get
from tablework.protocols.schema import PLANE_MOTIONS
from tablework.session.simulator import simulate

EXAMPLES = Path(__file__).parent.parent / "examples"

PROTOCOL = get("acute-low-back-spasm")
ALL_DIRECTIONS = {(plane, motion) for plane, motions in PLANE_MOTIONS.items() for motion in motions}


def test_after_the_acute_phase_every_plane_is_covered_both_ways() -> None:
    stretches, gaps = choose_stretches(PROTOCOL, acute=False)
    assert {(x.plane, x.motion) for x in stretches} == ALL_DIRECTIONS
    assert gaps == ()


def test_while_acute_only_gentle_stretches_are_given_and_the_gaps_are_named() -> None:
    stretches, gaps = choose_stretches(PROTOCOL, acute=True)
    assert all(x.acute_safe for x in stretches)
    assert {x.id for x in stretches} == {"knee-to-chest", "supported-figure-4"}
    covered = {(x.plane, x.motion) for x in stretches}
    assert {(g.plane, g.motion) for g in gaps} == ALL_DIRECTIONS - covered
    assert all("acute phase" in g.why for g in gaps)


def test_a_protocol_without_frontal_stretches_reports_that_it_cannot_cover_them() -> None:
    no_frontal = PROTOCOL.model_copy(
        update={"home_care": tuple(x for x in PROTOCOL.home_care if x.plane != "frontal")}
    )
    _, gaps = choose_stretches(no_frontal, acute=False)
    assert {(g.plane, g.motion) for g in gaps} == {
        ("frontal", "abduction"),
        ("frontal", "adduction"),
    }
    assert all(g.why == "the protocol has no stretch for this direction" for g in gaps)


# Handouts adapted to the screening (CLINICAL.md 11): one vignette per adaptation.


def handout_for(answers: dict[str, object], pain_after: int = 4) -> tuple[CarePlan, str]:
    """The care plan and handout after a plain first session for a client with `answers`."""
    intake = {"answers": {**COMPLETE, **answers}}
    script = {
        "protocol": "acute-low-back-spasm",
        "intake": intake,
        "events": [
            {
                "type": "positioned",
                "at": 10,
                "position": "side_lying_left",
                "supports": ["pillow_between_knees"],
                "client_adjusted": True,
            },
            {
                "type": "work_started",
                "at": 20,
                "area": "gluteals-right",
                "technique": "still-hold",
                "level": 1,
            },
            {"type": "check_in", "at": 60, "pressure": "good"},
            {"type": "session_ended", "at": 600, "pain_after": pain_after},
        ],
    }
    result = simulate(script)
    record = build(result.protocol, [result.opening_event, *(s.event for s in result.steps)])
    plan = plan_care(record, onset_days=2)
    return plan, compose(plan, record.state.block_kind).as_text()


COMPLETE = json.loads((EXAMPLES / "intakes" / "complete-proceed.json").read_text())["answers"]


def test_from_20_weeks_of_pregnancy_no_stretch_lies_on_the_back_and_the_handout_says_so() -> None:
    plan, handout = handout_for({"pregnancy_weeks": 24})
    assert plan.home_care and all(x.posture != "supine" for x in plan.home_care)
    assert "Pregnancy from 20 weeks: no stretch lying on the back" in handout
    assert "Knee to chest" not in handout.split("CHOSEN FOR YOU")[0]


def test_at_12_weeks_of_pregnancy_stretches_on_the_back_are_still_given() -> None:
    plan, handout = handout_for({"pregnancy_weeks": 12})
    assert any(x.posture == "supine" for x in plan.home_care)
    assert "Pregnancy from 20 weeks" not in handout


def test_osteoporosis_replaces_knee_to_chest_with_a_supported_alternative() -> None:
    plan, handout = handout_for({"osteoporosis": True, "pain_now": 5})  # 7+ would refer
    ids = {x.id for x in plan.home_care}
    assert "knee-to-chest" not in ids and "side-lying-knee-draw" in ids
    assert "Osteoporosis: no stretch that curls the spine under load" in handout
    assert "Knee to chest replaced by Side-lying knee draw" in handout


def test_a_68_year_old_holds_stretches_30_to_60_seconds_and_a_40_year_old_10_to_30() -> None:
    _, older = handout_for({"age": 68})
    assert "hold 30-60 s" in older and "hold 10-30 s" not in older
    assert "65 or over" in older
    _, younger = handout_for({"age": 40})
    assert "hold 10-30 s" in younger and "65 or over" not in younger


def test_an_uncleared_emergency_leaves_a_referral_only_plan() -> None:
    plan, handout = handout_for({"saddle_numbness": True})
    assert plan.referral_only and not plan.home_care and not plan.focus
    assert plan.follow_up_days is None
    assert "Possible cauda equina" in handout and "Your stretches" not in handout


def test_a_cleared_referral_gets_the_normal_plan_with_its_clearance() -> None:
    intake = {"answers": {**COMPLETE, "significant_trauma": True}}
    script = {
        "protocol": "acute-low-back-spasm",
        "intake": intake,
        "clearance": {"by": "Dr Invented (GP)", "when": "2026-11-20"},
        "events": [{"type": "session_ended", "at": 60, "pain_after": 5}],
    }
    result = simulate(script)
    record = build(result.protocol, [result.opening_event, *(s.event for s in result.steps)])
    plan = plan_care(record, onset_days=2)
    assert not plan.referral_only and plan.home_care
    assert any("cleared by Dr Invented (GP) (2026-11-20)" in line for line in plan.referrals)
