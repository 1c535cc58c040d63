"""The safety routine and screening limits at their edges, as a reviewing therapist found them.

Each test is a short session that once gave guidance a therapist should not follow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tablework.documents.careplan import plan_care
from tablework.documents.handout import compose
from tablework.documents.record import build
from tablework.session.events import EventError, parse_event
from tablework.session.simulator import ScriptError, simulate

INTAKE = json.loads(
    (Path(__file__).parent.parent / "examples" / "intakes" / "complete-proceed.json").read_text()
)
PRONE = {
    "type": "positioned",
    "at": 10,
    "position": "prone",
    "supports": ["hip_pillow_asis"],
    "client_adjusted": True,
}


def guidance(script: dict[str, Any]) -> list[dict[str, Any]]:
    return [step.as_json()["guidance"] for step in simulate(script).steps]


def session(events: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {"protocol": "acute-low-back-spasm", **header, "events": [PRONE, *events]}


def work(at: int, area: str, level: int = 1, technique: str = "still-hold") -> dict[str, Any]:
    return {"type": "work_started", "at": at, "area": area, "technique": technique, "level": level}


def check(at: int, pressure: str = "good", **fields: Any) -> dict[str, Any]:
    return {"type": "check_in", "at": at, "pressure": pressure, **fields}


def test_a_rating_of_8_stops_the_area_even_when_the_client_arrived_at_8() -> None:
    steps = guidance(session([work(20, "gluteals-left"), check(50, pain=8)], pain_before=8))
    assert steps[-1]["action"] == "pause" and steps[-1]["area"] == "gluteals-left"


def test_a_rating_of_8_without_a_starting_rating_stops_the_area() -> None:
    steps = guidance(session([work(20, "gluteals-left"), check(50, pain=8)]))
    assert steps[-1]["action"] == "pause"


def test_pain_staying_at_9_after_a_pause_keeps_the_hands_off() -> None:
    events = [work(20, "gluteals-left"), check(50, pain=9), check(80, pain=9)]
    steps = guidance(session(events, pain_before=7))
    assert [s["action"] for s in steps[-2:]] == ["pause", "pause"]


def test_lighter_at_a_still_hold_takes_the_hands_off_and_moves_elsewhere() -> None:
    events = [work(20, "gluteals-left", level=0), check(50, "lighter"), check(80, "good")]
    steps = guidance(session(events, pain_before=5))
    assert steps[-2]["action"] == "stop_area" and "lightest level" in steps[-2]["prompt"]
    assert steps[-1]["area"] != "gluteals-left"


def test_a_small_rise_still_below_the_start_does_not_ease_off() -> None:
    events = [work(20, "gluteals-left"), check(50, pain=4), check(80, pain=5)]
    steps = guidance(session(events, pain_before=6))
    assert steps[-1]["action"] != "decrease_level"


def test_deeper_at_the_screening_cap_names_the_limit_instead_of_moving_on() -> None:
    intake = {"answers": {**INTAKE["answers"], "anticoagulants": True}}
    events = [
        work(20, "gluteals-left", 1, "broad-compression"),
        check(80),
        check(150),
        work(160, "gluteals-left", 2, "broad-compression"),
        check(230, "deeper"),
    ]
    steps = guidance(session(events, intake=intake))
    assert steps[-1]["action"] == "continue" and "limit" in steps[-1]["prompt"]
    assert steps[-1]["reasons"][0]["point"] == "screening:cap_level:2"


def test_ql_is_refused_while_an_area_is_reactive_even_in_session_two() -> None:
    history = {"sessions": [{"pain_before": 7, "pain_after": 4, "reactive_areas": []}]}
    events = [
        work(20, "thoracolumbar-left"),
        check(50, tightening=True),
        work(60, "ql-left", 2, "ql-pressure"),
    ]
    steps = guidance(session(events, session_index=2, history=history))
    assert steps[-1]["action"] == "refused"
    assert any("reactive" in r["text"] for r in steps[-1]["reasons"])


def test_three_areas_tightening_end_the_session() -> None:
    events = []
    for i, area in enumerate(["gluteals-left", "gluteals-right", "thoracolumbar-left"]):
        events += [work(20 + 40 * i, area), check(40 + 40 * i, tightening=True)]
    steps = guidance(session(events))
    assert steps[-1]["action"] == "end_session" and "too reactive" in steps[-1]["prompt"]


def test_a_cleared_suspected_clot_is_said_at_the_start_and_keeps_the_thighs_off_limits() -> None:
    intake = {"answers": {**INTAKE["answers"], "dvt_suspected": True}}
    clearance = {"by": "Dr Invented (GP)", "when": "2026-11-24", "note": "scan clear"}
    script = session(
        [work(20, "posterior-thigh-left", 1, "posterior-thigh-superior")],
        intake=intake,
        clearance=clearance,
    )
    result = simulate(script)
    opening = " ".join(r.text for r in result.opening.reasons)
    assert "Cleared, but keep in mind: Possible new blood clot in a leg" in opening
    assert result.steps[-1].guidance.action == "refused"


def test_work_out_of_reach_cannot_be_overridden() -> None:
    supine = {**PRONE, "position": "supine", "supports": ["knee_pillow"]}
    reason = {"override_reason": "client asked"}
    script = {
        "protocol": "acute-low-back-spasm",
        "events": [supine, {**work(20, "gluteals-left"), **reason}],
    }
    steps = guidance(script)
    assert steps[-1]["action"] == "refused" and not steps[-1]["overridable"]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "check_in", "at": 1, "pressure": "good", "pain": "7"},
        {**work(1, "sacrum"), "override_reason": "   "},
        {**work(1, "sacrum"), "level": "1"},
    ],
)
def test_strings_for_numbers_and_blank_reasons_are_refused(event: dict[str, Any]) -> None:
    with pytest.raises(EventError):
        parse_event(event)


def test_a_history_naming_an_unknown_area_is_refused() -> None:
    history = {"sessions": [{"pain_before": 7, "pain_after": 4, "reactive_areas": ["elbow"]}]}
    with pytest.raises(ScriptError, match="unknown area 'elbow'"):
        simulate(session([], session_index=2, history=history))


def test_a_long_silence_is_not_counted_as_hours_of_contact() -> None:
    events = [work(20, "gluteals-left"), check(20 + 10 * 3600)]
    state = simulate(session(events)).state
    assert state.contact_seconds <= 3 * 180


def test_after_pain_ends_higher_the_handout_says_rest_and_gives_no_stretches() -> None:
    events = [
        work(20, "gluteals-left"),
        check(50),
        {"type": "session_ended", "at": 600, "pain_after": 8},
    ]
    script = session(events, pain_before=5)
    result = simulate(script)
    record = build(result.protocol, [result.opening_event, *(s.event for s in result.steps)])
    plan = plan_care(record, onset_days=2)
    handout = compose(plan).as_text()
    assert plan.rest and not plan.home_care and plan.follow_up_days is None
    assert "Rest today" in handout and "Your stretches" not in handout
    assert "contact us before booking" in handout
    assert "higher than before" in result.steps[-1].guidance.prompt


def pain_only(at: int, pain: int) -> dict[str, Any]:
    return {"type": "check_in", "at": at, "pain": pain}


def test_a_pain_rating_alone_runs_the_pain_routine() -> None:
    steps = guidance(session([work(20, "gluteals-left"), pain_only(50, 8)], pain_before=4))
    assert steps[-1]["action"] == "pause" and steps[-1]["area"] == "gluteals-left"


def test_a_pain_rating_alone_does_not_answer_the_pressure_check_in_nor_lift_a_stop() -> None:
    overdue = [work(20, "gluteals-left"), pain_only(300, 3)]
    assert guidance(session(overdue, pain_before=4))[-1]["action"] == "check_in_now"
    stopped = [work(20, "gluteals-left"), check(50, "stop"), pain_only(60, 3)]
    assert guidance(session(stopped, pain_before=4))[-1]["action"] == "pause"


def test_a_check_in_with_neither_pressure_nor_pain_is_refused() -> None:
    with pytest.raises(EventError, match="pressure answer, a pain rating"):
        parse_event({"type": "check_in", "at": 5})


def test_a_session_ended_early_for_rising_pain_but_lower_after_says_so_honestly() -> None:
    # Pain rose twice during the work (the session must end), yet was lower at the end
    # than at the start: the handout must not say it ended higher.
    events = [
        work(20, "gluteals-left"),
        check(50, pain=9),
        check(80, "good", pain=7),
        work(90, "gluteals-right"),
        check(120, pain=9),
        {"type": "session_ended", "at": 600, "pain_after": 5},
    ]
    result = simulate(session(events, pain_before=7))
    record = build(result.protocol, [result.opening_event, *(s.event for s in result.steps)])
    plan = plan_care(record, onset_days=2)
    assert record.state.ending == "pain" and plan.rest and not plan.adverse
    handout = compose(plan).as_text()
    assert "higher at the end" not in handout
    assert "rose during the session" in handout
    assert "worse after" not in plan.summary()
