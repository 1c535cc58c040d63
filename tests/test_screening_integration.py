"""Screening feeds the session engine: blocks refuse, clearances are kept, cautions modify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tablework.session.simulator import ScriptError, simulate

DATA = yaml.safe_load((Path(__file__).parent / "data" / "screening_vignettes.yaml").read_text())
COMPLETE = DATA["complete_intake"]
PRONE = {
    "type": "positioned",
    "at": 10,
    "position": "prone",
    "supports": ["hip_pillow_asis"],
    "client_adjusted": True,
}


def script(
    answers: dict[str, Any], events: list[dict[str, Any]] | None = None, **header: Any
) -> dict[str, Any]:
    return {
        "protocol": "acute-low-back-spasm",
        "session_index": 1,
        "intake": {"answers": {**COMPLETE, **answers}},
        "events": events or [],
        **header,
    }


@pytest.mark.parametrize(
    ("answers", "prompt_start"),
    [
        ({"saddle_numbness": True}, "DO NOT TREAT"),
        ({"long_term_steroids": True}, "Do not treat today"),
        ({"intoxicated": True}, "No session today"),
        ({"region": "cervical"}, "Not covered by this protocol"),
    ],
)
def test_a_blocking_screen_makes_the_first_guidance_refused(
    answers: dict[str, Any], prompt_start: str
) -> None:
    result = simulate(
        script(
            answers,
            [
                PRONE,
                {
                    "type": "work_started",
                    "at": 20,
                    "area": "gluteals-left",
                    "technique": "still-hold",
                    "level": 1,
                },
            ],
        )
    )
    assert result.opening.action == "refused"
    assert result.opening.prompt.startswith(prompt_start)
    assert all(step.guidance.action == "refused" for step in result.steps)
    assert result.state.work is None and not result.state.positioned


def test_the_refusal_carries_the_flags_advice() -> None:
    result = simulate(script({"bladder_dysfunction": True}))
    assert result.opening.reasons[0].point == "screening:ces-bladder"
    assert "emergency department" in result.opening.reasons[0].text


def test_out_of_scope_cites_p1() -> None:
    result = simulate(script({"region": "thoracic"}))
    assert [r.point for r in result.opening.reasons] == ["P1"]


def test_a_recorded_clearance_lets_the_session_go_ahead_and_is_kept() -> None:
    clearance = {
        "by": "Dr A. Example, GP (invented)",
        "when": "2026-11-20",
        "note": "Reviewed; gentle massage fine.",
    }
    result = simulate(script({"osteoporosis": True, "pain_now": 8}, [PRONE], clearance=clearance))
    assert result.opening.action == "position_client"
    assert any(r.point == "clearance" for r in result.opening.reasons)
    assert result.opening_event.clearance is not None
    assert result.as_json()["start"]["event"]["clearance"]["by"] == clearance["by"]
    assert result.as_json()["summary"]["clearance"]["when"] == "2026-11-20"
    assert result.state.level_cap() == 2  # the osteoporosis caution still applies


def test_pregnancy_from_13_weeks_turns_positioning_to_left_side_lying() -> None:
    result = simulate(script({"pregnancy_weeks": 13}, [PRONE]))
    assert result.opening.action == "position_client"
    assert result.opening.position == "side_lying_left"
    assert result.steps[0].guidance.action == "refused"


def test_anticoagulants_cap_the_level_at_two() -> None:
    events = [
        PRONE,
        {
            "type": "work_started",
            "at": 20,
            "area": "gluteals-left",
            "technique": "broad-compression",
            "level": 1,
        },
        {"type": "check_in", "at": 100, "pressure": "good"},
        {"type": "check_in", "at": 150, "pressure": "good"},
        {
            "type": "work_started",
            "at": 160,
            "area": "gluteals-left",
            "technique": "broad-compression",
            "level": 2,
        },
        {"type": "check_in", "at": 300, "pressure": "deeper"},
        {"type": "check_in", "at": 400, "pressure": "deeper"},
        {
            "type": "work_started",
            "at": 410,
            "area": "gluteals-left",
            "technique": "broad-compression",
            "level": 3,
            "override_reason": "client asks for more",
        },
    ]
    result = simulate(script({"anticoagulants": True}, events))
    assert "cap_level:2" in result.opening_event.modifications
    assert result.steps[5].guidance.action != "increase_level"
    last = result.steps[-1].guidance
    assert last.action == "refused" and not last.overridable


def test_a_left_clot_refuses_posterior_thigh_work_on_the_left() -> None:
    events = [
        PRONE,
        {
            "type": "work_started",
            "at": 20,
            "area": "posterior-thigh-left",
            "technique": "posterior-thigh-superior",
            "level": 1,
        },
    ]
    result = simulate(script({"dvt": "left"}, events))
    assert result.steps[-1].guidance.action == "refused"
    assert not result.steps[-1].guidance.overridable


def test_pain_now_becomes_the_pain_before_the_session() -> None:
    result = simulate(script({"pain_now": 8}))
    assert result.state.pain_before == 8


def test_an_incomplete_intake_is_said_at_the_start() -> None:
    result = simulate(
        {
            "protocol": "acute-low-back-spasm",
            "intake": {"answers": {"region": "lumbar"}},
            "events": [],
        }
    )
    assert any(r.point == "screening:incomplete" for r in result.opening.reasons)


def test_bad_intake_answers_are_a_script_error_naming_the_field() -> None:
    with pytest.raises(ScriptError, match="intake: pain_now"):
        simulate(script({"pain_now": 14}))
