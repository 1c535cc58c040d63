"""Each rule of DESIGN.md section 5, one behaviour at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_helpers import (
    PRONE,
    SETTLED_LAST_TIME,
    begin,
    ev,
    good,
    positioned,
    run,
    warmed_up,
    work,
)
from tablework.protocols.loader import get, load_file
from tablework.session.engine import advise, replay
from tablework.session.events import EventError, parse_event
from tablework.session.state import apply

LBS_REF = "acute-low-back-spasm"
MINIMAL = Path(__file__).parent / "data" / "protocols" / "minimal.yaml"


def points(guidance: object) -> set[str]:
    return {r.point for r in guidance.reasons}  # type: ignore[attr-defined]


# Positioning (P3-P5)


def test_positioning_comes_first_prone_with_the_hip_pillow() -> None:
    guidance = advise(begin())
    assert guidance.action == "position_client"
    assert guidance.position == "prone" and guidance.supports == ("hip_pillow_asis",)
    assert "P3" in points(guidance)


def test_work_before_positioning_is_refused() -> None:
    _, guidance = run(begin(), work(5, "gluteals-left"))
    assert guidance.action == "refused" and not guidance.overridable


def test_prone_without_the_hip_pillow_asks_to_adjust_supports() -> None:
    _, guidance = run(begin(), ev("positioned", 10, position="prone", client_adjusted=True))
    assert guidance.action == "adjust_supports"
    assert "hip_pillow_asis" in guidance.supports and "P3" in points(guidance)


def test_the_client_is_invited_to_adjust_the_hip_pillow() -> None:
    _, guidance = run(begin(), ev("positioned", 10, position="prone", supports=["hip_pillow_asis"]))
    assert guidance.action == "adjust_supports" and "P3" in points(guidance)


def test_supine_asks_for_the_knee_pillow() -> None:
    _, guidance = run(begin(), ev("positioned", 10, position="supine"))
    assert guidance.action == "adjust_supports"
    assert guidance.supports == ("knee_pillow",) and "P4" in points(guidance)


def test_side_lying_is_accepted_as_a_flexed_position() -> None:
    _, guidance = run(
        begin(), ev("positioned", 10, position="side_lying_left", supports=["pillow_between_knees"])
    )
    assert guidance.action == "begin"


def test_a_larger_body_makes_the_hip_pillow_a_stated_reason() -> None:
    guidance = advise(begin(modifications=("emphasize_hip_pillow",)))
    assert guidance.action == "position_client"
    assert any(r.point == "P3" and "larger body" in r.text for r in guidance.reasons)


# Start slow and broad, guarding areas first (P6, P7)


def test_first_work_is_broad_at_level_one_on_a_guarding_area() -> None:
    guidance = advise(positioned())
    assert guidance.action == "begin"
    assert guidance.level is not None and guidance.level <= 1
    protocol = positioned().protocol
    assert protocol.technique(guidance.technique or "").broad  # type: ignore[union-attr]
    assert protocol.area(guidance.area or "").role == "guarding"  # type: ignore[union-attr]
    assert {"P6", "P7"} <= points(guidance)


def test_first_work_too_deep_is_refused_citing_p6() -> None:
    _, guidance = run(positioned(), work(20, "gluteals-left", level=2))
    assert guidance.action == "refused" and guidance.overridable and "P6" in points(guidance)


def test_first_work_with_a_specific_technique_is_refused() -> None:
    _, guidance = run(positioned(), work(20, "gluteals-left", "specific-pressure", 2))
    assert guidance.action == "refused" and "P6" in points(guidance)


def test_going_straight_to_the_painful_area_is_refused_citing_p7() -> None:
    _, guidance = run(positioned(), work(20, "lumbar-paraspinals-left"))
    assert guidance.action == "refused" and "P7" in points(guidance)


# Check-ins (P8)


def test_a_check_in_is_due_after_the_interval_of_contact() -> None:
    state, guidance = run(positioned(), work(20, "gluteals-left"), good(40))
    assert guidance.check_in_due_at == 40 + 180
    assert advise(state, at=219).action != "check_in_now"
    assert advise(state, at=220).action == "check_in_now"


def test_time_without_contact_does_not_count_toward_a_check_in() -> None:
    state, _ = run(
        positioned(),
        work(20, "gluteals-left"),
        good(40),
        ev("work_stopped", 100, area="gluteals-left"),
    )
    assert state.check_in_due_at() is None
    state, guidance = run(state, work(400, "gluteals-left"))
    # 60 s of contact before the pause: 120 s more are allowed, but the change asks sooner.
    assert state.contact_since_check_in == 60
    assert guidance.check_in_due_at == 400 + 30


def test_a_check_in_is_due_at_every_change_of_area_technique_or_level() -> None:
    state, _ = run(positioned(), work(20, "gluteals-left"), good(40))
    for change in (work(50, "gluteals-right"), work(50, "gluteals-left", "broad-gliding")):
        changed, guidance = run(state, change)
        assert guidance.check_in_due_at == 80
        assert advise(changed, at=80).action == "check_in_now"


def test_an_overdue_check_in_is_what_the_next_event_is_told() -> None:
    _, guidance = run(
        positioned(),
        work(20, "gluteals-left"),
        good(40),
        ev("note", 300, text="client breathing slowly"),
    )
    assert guidance.action == "check_in_now" and "P8" in points(guidance)


def test_the_interval_comes_from_the_protocol() -> None:
    protocol = load_file(MINIMAL)
    state = begin(protocol)
    state, guidance = run(
        state,
        ev("positioned", 5, position="prone"),
        work(10, "low-back", "hold", 1),
        ev("check_in", 20, pressure="good"),
    )
    assert guidance.check_in_due_at == 20 + 120


def test_the_clinics_interval_recorded_at_the_start_replaces_the_protocols() -> None:
    opening = parse_event(
        {"type": "session_started", "at": 0, "protocol": LBS_REF, "check_in_seconds": 120}
    )
    state = positioned(replay(get(LBS_REF), [opening]))
    state, guidance = run(state, work(20, "gluteals-left"), good(40))
    assert guidance.check_in_due_at == 40 + 120
    assert advise(state, at=160).action == "check_in_now"


@pytest.mark.parametrize("seconds", [59, 301])
def test_a_check_in_interval_outside_one_to_five_minutes_is_refused(seconds: int) -> None:
    with pytest.raises(EventError, match="check_in_seconds"):
        parse_event(
            {"type": "session_started", "at": 0, "protocol": LBS_REF, "check_in_seconds": seconds}
        )


# Escalation (P6)


def test_escalation_needs_good_check_ins_and_time_at_the_level() -> None:
    state, guidance = run(positioned(), work(20, "gluteals-left"), good(40))
    assert guidance.action == "continue"
    state, guidance = run(state, good(100))
    assert guidance.action == "continue"  # two good check-ins, but only 80 s at the level
    _, guidance = run(state, good(150))
    assert guidance.action == "increase_level" and guidance.level == 2
    assert "P6" in points(guidance)


def test_going_up_before_the_client_has_settled_is_refused() -> None:
    _, guidance = run(
        positioned(), work(20, "gluteals-left"), good(40), work(60, "gluteals-left", level=2)
    )
    assert guidance.action == "refused" and guidance.overridable and "P6" in points(guidance)


def test_escalation_is_one_level_at_a_time() -> None:
    state, _ = run(positioned(), work(20, "gluteals-left"), good(100), good(150))
    _, guidance = run(state, work(160, "gluteals-left", level=3))
    assert guidance.action == "refused"
    assert any("1 level at a time" in r.text for r in guidance.reasons)


def test_increase_is_never_offered_above_the_session_cap() -> None:
    state = warmed_up()
    at = 200
    for level in (1, 2, 3):
        state, guidance = run(
            state,
            work(at, "lumbar-paraspinals-right", "broad-compression", level),
            good(at + 60),
            good(at + 130),
        )
        assert guidance.level is not None and guidance.level <= 3
        at += 140
    assert state.work is not None and state.work.level == 3
    assert advise(state).action != "increase_level"


def test_work_above_the_session_cap_is_refused() -> None:
    _, guidance = run(warmed_up(), work(200, "gluteals-left", "specific-pressure", 4))
    assert guidance.action == "refused" and guidance.overridable


def test_a_screening_cap_cannot_be_overridden() -> None:
    state = warmed_up(modifications=("cap_level:1",))
    state, guidance = run(state, good(300))
    assert guidance.action != "increase_level"
    _, guidance = run(state, work(310, "gluteals-left", level=2, override_reason="client asks"))
    assert guidance.action == "refused" and not guidance.overridable
    assert "screening:cap_level:1" in points(guidance)


# What the client says


def test_lighter_means_decrease_level() -> None:
    state, _ = run(
        positioned(),
        work(20, "gluteals-left"),
        good(100),
        good(150),
        work(160, "gluteals-left", level=2),
    )
    state, guidance = run(state, ev("check_in", 190, pressure="lighter"))
    assert guidance.action == "decrease_level" and guidance.level == 1
    _, guidance = run(state, work(195, "gluteals-left", level=1))
    assert guidance.action == "continue"


def test_a_small_rise_in_pain_means_decrease_level() -> None:
    state = begin(pain_before=5)
    _, guidance = run(
        positioned(state),
        work(20, "gluteals-left", level=1),
        good(80),
        good(150),
        work(160, "gluteals-left", level=2),
        ev("check_in", 190, pressure="good", pain=6),
    )
    assert guidance.action == "decrease_level" and guidance.level == 1


def test_a_rise_of_two_points_pauses_and_closes_the_area() -> None:
    state = begin(pain_before=5)
    state, guidance = run(
        positioned(state), work(20, "gluteals-left"), ev("check_in", 50, pressure="good", pain=7)
    )
    assert guidance.action == "pause" and guidance.area == "gluteals-left"
    assert "P2" in points(guidance) and state.work is None
    assert "gluteals-left" in state.closed_areas


def test_stop_means_hands_off_and_ask() -> None:
    state, guidance = run(
        positioned(), work(20, "gluteals-left"), ev("check_in", 30, pressure="stop")
    )
    assert guidance.action == "pause" and guidance.area == "gluteals-left"
    assert state.work is None and "P8" in points(guidance)


# Tightening (P9)


def test_tightening_stops_work_in_that_area() -> None:
    state, guidance = run(
        positioned(),
        work(20, "gluteals-left"),
        ev("check_in", 40, pressure="good", tightening=True),
    )
    assert guidance.action == "stop_area" and guidance.area == "gluteals-left"
    assert "P9" in points(guidance)
    assert state.reactive_areas == {"gluteals-left"}


def test_later_work_in_a_reactive_area_is_refused_citing_p9() -> None:
    state, _ = run(
        positioned(), work(20, "gluteals-left"), ev("tightening_observed", 40, area="gluteals-left")
    )
    _, guidance = run(state, work(60, "gluteals-left", override_reason="client wants it"))
    assert guidance.action == "refused" and not guidance.overridable
    assert "P9" in points(guidance)


def test_after_tightening_the_next_area_is_another_one() -> None:
    state, _ = run(
        positioned(),
        work(20, "gluteals-left"),
        ev("tightening_observed", 40, area="gluteals-left"),
        ev("note", 45, text="moving on"),
    )
    guidance = advise(state)
    assert guidance.action == "move_to_area" and guidance.area != "gluteals-left"


# Session-1 exclusions (P10-P13)


@pytest.mark.parametrize(
    ("area", "technique", "level", "point"),
    [
        ("sacrum", "rocking", 1, "P11"),
        ("ql-left", "ql-pressure", 2, "P12"),
        ("hip-flexors-left", "hip-flexor-release", 1, "P13"),
    ],
)
def test_session_one_exclusions_are_refused(
    area: str, technique: str, level: int, point: str
) -> None:
    _, guidance = run(warmed_up(), work(200, area, technique, level))
    assert guidance.action == "refused" and point in points(guidance)


def test_rocking_is_allowed_from_session_two() -> None:
    _, guidance = run(warmed_up(session_index=2), work(200, "sacrum", "rocking", 1))
    assert guidance.action != "refused"


def test_ql_pressure_is_allowed_from_session_two_when_settled() -> None:
    state, _ = run(
        warmed_up(session_index=2, history=SETTLED_LAST_TIME),
        work(200, "gluteals-left", level=1),
        good(330),
        good(340),
        work(350, "gluteals-left", level=2),
    )
    _, guidance = run(state, work(360, "ql-left", "ql-pressure", 2))
    assert guidance.action != "refused"


def test_the_thigh_to_si_option_is_offered() -> None:
    _, guidance = run(positioned(), work(20, "posterior-thigh-left", "posterior-thigh-superior", 1))
    assert guidance.action == "continue"


def test_a_left_clot_rules_out_the_thigh_option_on_the_left_only() -> None:
    state = positioned(begin(modifications=("disable_technique:posterior-thigh-superior:left",)))
    _, left = run(state, work(20, "posterior-thigh-left", "posterior-thigh-superior", 1))
    _, right = run(state, work(20, "posterior-thigh-right", "posterior-thigh-superior", 1))
    assert left.action == "refused" and not left.overridable
    assert right.action == "continue"


# Overrides and deviations


def test_an_override_with_a_reason_is_recorded_as_a_deviation() -> None:
    state, guidance = run(
        warmed_up(),
        work(200, "sacrum", "rocking", 1, override_reason="client finds rocking settles them"),
    )
    assert guidance.action != "refused"
    deviation = state.deviations[0]
    assert deviation.reason == "client finds rocking settles them"
    assert {r.point for r in deviation.rules} == {"P11"}


# Screening modifications and blocks


def test_no_prone_refuses_prone_and_suggests_left_side_lying() -> None:
    state = begin(modifications=("no_prone", "prefer_side_lying_left"))
    assert advise(state).position == "side_lying_left"
    state, guidance = run(state, parse_event({**PRONE, "at": 5}))
    assert guidance.action == "refused" and not state.positioned


def test_an_avoided_area_is_refused_and_never_suggested() -> None:
    state = positioned(begin(modifications=("avoid_area:gluteals-left",)))
    assert advise(state).area != "gluteals-left"
    _, guidance = run(state, work(20, "gluteals-left"))
    assert guidance.action == "refused" and not guidance.overridable


def test_a_blocking_screen_refuses_everything_until_cleared() -> None:
    screening = {
        "disposition": "emergency",
        "flags": [
            {
                "id": "cauda_equina",
                "severity": "emergency",
                "advice": "Send to the ED now.",
                "source": "red-flag:cauda-equina",
            }
        ],
    }
    state = begin(screening=screening)
    guidance = advise(state)
    assert guidance.action == "refused" and "Send to the ED now." in guidance.reasons[0].text
    cleared = begin(screening=screening, clearance={"by": "Dr Example (GP)", "when": "2026-11-20"})
    assert advise(cleared).action == "position_client"


# Phases


def test_after_the_guarding_phase_the_painful_area_is_next() -> None:
    state, _ = run(
        positioned(),
        work(20, "gluteals-left"),
        good(100),
        good(200),
        work(210, "gluteals-right"),
        good(300),
        good(390),
    )
    assert state.phase is not None and state.phase.id == "primary-area"
    guidance = advise(state)
    assert guidance.action == "move_to_area" and guidance.area == "lumbar-paraspinals-left"


# Bad events


def test_time_cannot_go_backwards() -> None:
    state = positioned(at=50)
    with pytest.raises(EventError, match="backwards"):
        apply(state, work(10, "gluteals-left"))


def test_unknown_area_and_technique_are_errors() -> None:
    with pytest.raises(EventError, match="unknown area 'elbow'"):
        apply(positioned(), work(20, "elbow"))
    with pytest.raises(EventError, match="unknown technique 'cupping'"):
        apply(positioned(), work(20, "gluteals-left", "cupping"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "dance", "at": 1}, "unknown event type"),
        ({"type": "check_in", "at": 1, "pressure": "good", "pain": 14}, "pain"),
        (
            {
                "type": "work_started",
                "at": 1,
                "area": "sacrum",
                "technique": "still-hold",
                "level": 6,
            },
            "level",
        ),
        ({"type": "note", "at": -1, "text": "x"}, "at"),
        ([1, 2], "JSON object"),
    ],
)
def test_malformed_events_are_errors(data: object, message: str) -> None:
    with pytest.raises(EventError, match=message):
        parse_event(data)


def test_nothing_happens_after_the_session_ends() -> None:
    state, guidance = run(positioned(), ev("session_ended", 100, pain_after=3))
    assert guidance.action == "end_session"
    with pytest.raises(EventError, match="after the session ended"):
        apply(state, ev("note", 120, text="late"))


def test_replay_starts_with_session_started() -> None:
    with pytest.raises(EventError, match="first event"):
        replay(begin().protocol, [ev("note", 1, text="x")])


def test_side_lying_keeps_work_on_the_side_facing_up() -> None:
    state, guidance = run(
        begin(), ev("positioned", 10, position="side_lying_left", supports=["pillow_between_knees"])
    )
    assert guidance.area == "gluteals-right"
    _, guidance = run(state, work(20, "gluteals-left"))
    assert guidance.action == "refused" and "out of reach" in guidance.reasons[0].text


def test_a_phase_change_leads_the_hands_to_the_new_phase() -> None:
    state, _ = run(
        positioned(),
        work(20, "gluteals-left"),
        good(100),
        good(200),
        work(210, "gluteals-right"),
        good(300),
    )
    state, guidance = run(state, good(390))
    assert state.phase is not None and state.phase.id == "primary-area"
    assert state.work is not None and state.work.area == "gluteals-right"
    assert guidance.action == "move_to_area"
    _, guidance = run(state, work(400, "lumbar-paraspinals-left"))
    assert guidance.action == "continue"
