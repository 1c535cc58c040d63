"""The session leaving the easy path: one test per behaviour a therapist reported (issue #8).

Each runs an example script from examples/sessions (whose whole trace is also golden-tested)
and states the behaviour that was wrong before, so a regression names itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tablework.documents.careplan import plan_care
from tablework.documents.handout import compose
from tablework.documents.record import build
from tablework.documents.soap import draft
from tablework.screening.answers import parse_intake
from tablework.session.simulator import Simulation, simulate

EXAMPLES = Path(__file__).parent.parent / "examples" / "sessions"


def run(name: str) -> Simulation:
    return simulate(json.loads((EXAMPLES / f"{name}.json").read_text()))


def trace(name: str) -> list[dict[str, Any]]:
    return [step.as_json() for step in run(name).steps]


def at(steps: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    return next(s["guidance"] for s in steps if s["event"]["at"] == seconds)


def documents(name: str) -> tuple[str, str]:
    script = json.loads((EXAMPLES / f"{name}.json").read_text())
    result = simulate(script)
    record = build(result.protocol, [result.opening_event, *(s.event for s in result.steps)])
    intake = parse_intake(script["intake"]) if "intake" in script else None
    plan = plan_care(record, intake.answers.onset_days if intake else None)
    return draft(record, intake, plan).as_text(), compose(plan, record.state.block_kind).as_text()


def test_a_stop_pauses_and_no_new_area_is_started_until_the_client_answers() -> None:
    steps = trace("stop-then-new-area")
    assert at(steps, 160)["action"] == "pause"
    tap = at(steps, 170)  # the therapist taps another area before asking
    assert tap["action"] == "refused" and not tap["overridable"]
    assert at(steps, 180)["action"] == "pause"  # a note is not the client's answer
    assert at(steps, 190)["action"] == "move_to_area"  # the client said good


def test_a_stop_and_a_tightening_in_one_answer_keep_both() -> None:
    steps = trace("stop-then-new-area")
    both = at(steps, 230)
    assert both["action"] == "pause"
    assert {r["point"] for r in both["reasons"]} >= {"P8", "P9"}
    assert at(steps, 270)["action"] == "refused"  # the area that tightened stays closed
    stopped_here = at(steps, 280)  # the stopped area, above the level it was stopped at
    assert stopped_here["action"] == "refused" and "not above level 0" in json.dumps(
        stopped_here["reasons"]
    )


def test_pain_rising_pauses_then_ends_the_session_instead_of_easing_off_again() -> None:
    steps = trace("pain-keeps-rising")
    assert at(steps, 60)["action"] == "pause"  # 6 -> 8
    assert at(steps, 130)["action"] == "end_session"  # a second rise
    assert "pain" in at(steps, 130)["prompt"].lower()
    assert at(steps, 140)["action"] == "refused"
    actions = [s["guidance"]["action"] for s in steps]
    assert actions.count("decrease_level") == 0


def test_pain_still_rising_at_level_zero_ends_the_session() -> None:
    steps = trace("pain-rising-at-level-zero")
    assert at(steps, 130)["action"] == "end_session"
    assert "pain 0-10" in at(steps, 180)["prompt"]  # ended without pain after: ask for it


def test_going_supine_keeps_the_plan_and_turning_back_resumes_it() -> None:
    steps = trace("supine-and-back")
    supine = at(steps, 110)
    assert supine["action"] == "position_client" and supine["position"] == "prone"
    resumed = at(steps, 260)
    assert resumed["action"] == "move_to_area" and resumed["area"] == "gluteals-left"
    assert all("plan for today is done" not in s["guidance"]["prompt"] for s in steps)


def test_supine_is_refused_from_20_weeks_of_pregnancy_with_side_lying_offered() -> None:
    steps = trace("pregnancy-30-weeks-supine")
    refused = at(steps, 20)
    assert refused["action"] == "refused" and not refused["overridable"]
    assert "left side" in refused["prompt"]
    assert at(steps, 50)["action"] == "begin"


def test_session_two_offers_hip_flexors_supine_and_accepts_them_as_first_work() -> None:
    steps = trace("second-session-hip-flexors")
    offered = at(steps, 15)
    assert offered["area"] == "hip-flexors-left" and offered["technique"] == "hip-flexor-release"
    assert at(steps, 30)["action"] == "continue"


def test_session_two_offers_the_p10_option_and_accepts_ql_after_rocking() -> None:
    steps = trace("second-session-hip-flexors")
    assert "P10" in {r["point"] for r in at(steps, 200)["reasons"]}
    assert at(steps, 400)["action"] == "continue"  # rocking at a low level, nothing reactive
    assert at(steps, 440)["action"] == "continue"  # QL pressure after the rocking


def test_ql_waits_while_an_area_was_reactive_last_time_and_that_area_restarts_at_zero() -> None:
    steps = trace("second-session-after-reactive")
    restart = at(steps, 30)
    assert restart["action"] == "refused" and "level 0" in json.dumps(restart["reasons"])
    assert at(steps, 40)["action"] == "continue"
    assert "tightened under touch in the latest session" in json.dumps(at(steps, 100)["reasons"])


def test_a_work_start_across_a_phase_boundary_is_not_answered_with_move() -> None:
    steps = trace("first-session-settles")
    assert at(steps, 420)["action"] == "continue"


def test_a_long_session_keeps_guiding_while_areas_are_still_open() -> None:
    steps = trace("long-session")
    late = [s["guidance"] for s in steps if s["event"]["at"] >= 1800]
    assert late and all(g["action"] != "end_session" for g in late[:-1])


def test_after_lighter_the_level_that_was_too_much_is_not_offered_straight_back() -> None:
    steps = trace("lighter-not-offered-again")
    assert at(steps, 200)["action"] == "decrease_level"
    assert at(steps, 230)["action"] == "decrease_level"  # still at the level that was too much
    early = [s["guidance"] for s in steps if 200 <= s["event"]["at"] < 370]
    assert all(not (g["action"] == "increase_level" and g["level"] >= 2) for g in early)
    assert at(steps, 370)["action"] == "increase_level"  # the rule met afresh


def test_screening_limits_are_said_at_the_start_and_named_in_refusals() -> None:
    result = run("older-osteoporosis-limits")
    opening = {r.text for r in result.opening.reasons}
    assert "Level capped at 2: blood thinners; osteoporosis." in opening
    refused = at([s.as_json() for s in result.steps], 330)
    assert refused["action"] == "refused"
    assert "Level capped at 2 (blood thinners; osteoporosis)." in json.dumps(refused["reasons"])


def test_a_suspected_clot_is_an_emergency_and_its_documents_refer_only() -> None:
    steps = trace("dvt-suspected")
    assert all(s["guidance"]["action"] in ("refused", "end_session") for s in steps)
    note, handout = documents("dvt-suspected")
    assert "Referral: Possible new blood clot in a leg" in note
    assert "Home care" not in note and "Follow-up in about" not in note
    assert "Your stretches" not in handout and "coming back" not in handout
    assert "emergency department" in handout


def test_unasked_emergency_questions_block_until_a_reason_is_recorded() -> None:
    steps = trace("emergency-questions-unasked")
    assert all(s["guidance"]["action"] in ("refused", "end_session") for s in steps)
    cleared = trace("emergency-questions-reason-recorded")
    assert at(cleared, 40)["action"] == "continue"
    note, _ = documents("emergency-questions-reason-recorded")
    assert "Protocol deviation: emergency questions not asked" in note


def test_the_note_keeps_notes_positions_refusal_reasons_and_flags_an_adverse_response() -> None:
    note, _ = documents("adverse-response")
    assert "Therapist's note at 1:40:" in note
    assert "Positioned face down" in note and "Repositioned on the left side" in note
    assert "(P11: Rocking is avoided early on" in note
    assert "Adverse response: pain rose from 6/10 to 9/10" in note
    assert "not a meaningful improvement" not in note
    assert "Reconsider the approach" in note
