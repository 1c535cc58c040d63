"""Properties of the engine over random event sequences (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_helpers import begin
from tablework.protocols.loader import get
from tablework.session.engine import CHECK_IN_ALSO_DUE, advise, replay
from tablework.session.events import (
    CheckIn,
    Event,
    SessionEnded,
    SessionStarted,
    TighteningObserved,
    WorkStarted,
    parse_event,
)
from tablework.session.guidance import Guidance
from tablework.session.state import State, apply

PROTOCOL = get("acute-low-back-spasm")
AREAS = [a.id for a in PROTOCOL.areas]
TECHNIQUES = [t.id for t in PROTOCOL.techniques]
SUPPORTS = [s.id for s in PROTOCOL.supports]
WORK_ACTIONS = {
    "begin",
    "continue",
    "increase_level",
    "decrease_level",
    "move_to_area",
    "check_in_now",
}
MODIFICATIONS = [
    "cap_level:2",
    "cap_level:1",
    "no_prone",
    "prefer_side_lying_left",
    "emphasize_hip_pillow",
    "avoid_area:sacrum",
    "disable_technique:posterior-thigh-superior:left",
    "no_supine",
]
HISTORIES = [
    None,
    {"sessions": [{"pain_before": 7, "pain_after": 4, "reactive_areas": []}]},
    {"sessions": [{"pain_before": 6, "pain_after": 6, "reactive_areas": ["gluteals-left"]}]},
]

positions = st.fixed_dictionaries(
    {
        "type": st.just("positioned"),
        "position": st.sampled_from(["prone", "supine", "side_lying_left", "side_lying_right"]),
        "supports": st.lists(st.sampled_from(SUPPORTS), max_size=2, unique=True),
        "client_adjusted": st.booleans(),
    }
)
works = st.fixed_dictionaries(
    {
        "type": st.just("work_started"),
        "area": st.sampled_from(AREAS),
        "technique": st.sampled_from(TECHNIQUES),
        "level": st.integers(0, 5),
    },
    optional={"override_reason": st.just("therapist judgement")},
)
check_ins = st.fixed_dictionaries(
    {
        "type": st.just("check_in"),
        "pressure": st.sampled_from(["lighter", "good", "deeper", "stop"]),
    },
    optional={"pain": st.integers(0, 10), "tightening": st.booleans()},
)
others = st.one_of(
    st.fixed_dictionaries({"type": st.just("tightening_observed"), "area": st.sampled_from(AREAS)}),
    st.fixed_dictionaries({"type": st.just("work_stopped"), "area": st.sampled_from(AREAS)}),
    st.just({"type": "note", "text": "remark"}),
)
# Work and good check-ins are the common case, so sessions get far enough to escalate.
bodies = st.one_of(works, works, check_ins, check_ins, check_ins, positions, others)


@st.composite
def sessions(draw: st.DrawFn) -> tuple[State, list[Event]]:
    state = begin(
        session_index=draw(st.integers(1, 3)),
        modifications=tuple(
            draw(st.lists(st.sampled_from(MODIFICATIONS), max_size=3, unique=True))
        ),
        pain_before=draw(st.none() | st.integers(0, 10)),
        history=draw(st.sampled_from(HISTORIES)),
    )
    at = 0
    events: list[Event] = []
    if draw(st.booleans()):
        events.append(
            parse_event(
                {
                    "type": "positioned",
                    "at": 5,
                    "position": "side_lying_left",
                    "supports": ["pillow_between_knees"],
                }
            )
        )
        at = 5
    for body in draw(st.lists(bodies, min_size=1, max_size=60)):
        at += draw(st.integers(0, 240))
        events.append(parse_event({**body, "at": at}))
    if draw(st.booleans()):
        pain_after = draw(st.none() | st.integers(0, 10))
        events.append(SessionEnded(at=at + 1, pain_after=pain_after))
    return state, events


def walk(state: State, events: list[Event]) -> list[tuple[State, State, Event, Guidance]]:
    steps = []
    for event in events:
        after = apply(state, event)
        steps.append((state, after, event, advise(after)))
        state = after
    return steps


common = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(sessions())
def test_no_guidance_sends_work_to_a_reactive_area(session: tuple[State, list[Event]]) -> None:
    for _, after, _, guidance in walk(*session):
        if guidance.action in WORK_ACTIONS:
            assert guidance.area not in after.reactive_areas


@common
@given(sessions())
def test_the_level_never_exceeds_the_session_or_screening_cap(
    session: tuple[State, list[Event]],
) -> None:
    for _, after, _, guidance in walk(*session):
        if guidance.action in WORK_ACTIONS and guidance.level is not None:
            assert guidance.level <= after.level_cap()
        screening_cap = after.modifications.cap_level
        if after.work is not None and screening_cap is not None:
            assert after.work.level <= screening_cap


@common
@given(sessions())
def test_never_increase_right_after_lighter_pain_rise_or_tightening(
    session: tuple[State, list[Event]],
) -> None:
    for before, _, event, guidance in walk(*session):
        pain_rose = (
            isinstance(event, CheckIn)
            and event.pain is not None
            and before.last_pain is not None
            and event.pain > before.last_pain
        )
        warning = isinstance(event, TighteningObserved) or (
            isinstance(event, CheckIn)
            and (event.pressure == "lighter" or event.tightening or pain_rose)
        )
        if warning:
            assert guidance.action != "increase_level"


@common
@given(sessions())
def test_a_check_in_never_becomes_overdue_without_check_in_now(
    session: tuple[State, list[Event]],
) -> None:
    for _, after, event, guidance in walk(*session):
        due = after.check_in_due_at()
        if due is None:
            continue
        for at in (event.at, due, due + 1):
            if at < due:
                continue
            late = advise(after, at=at)
            assert late.action == "check_in_now" or any(
                r.point == "P8" and r.text == CHECK_IN_ALSO_DUE for r in late.reasons
            ), (at, due, late)
        assert guidance.check_in_due_at == due


@common
@given(sessions())
def test_replaying_stored_events_gives_the_live_state(session: tuple[State, list[Event]]) -> None:
    state, events = session
    live = state
    for event in events:
        live = apply(live, event)
    opening = _opening(state)
    assert replay(PROTOCOL, [opening, *events]) == live


def _opening(state: State) -> SessionStarted:
    data: dict[str, Any] = {
        "at": 0,
        "protocol": PROTOCOL.ref,
        "session_index": state.session_index,
        "modifications": state.modifications.ids,
        "pain_before": state.pain_before,
        "history": state.history.model_dump() if state.history.sessions else None,
    }
    return SessionStarted.model_validate(data)


@st.composite
def lighter_sessions(draw: st.DrawFn) -> tuple[State, list[Event]]:
    """A client who asked for lighter at level 2, then a random run of work and answers on
    the same areas: the case the lighter rule is about."""
    state = begin(pain_before=5)
    script: list[dict[str, Any]] = [
        {
            "type": "positioned",
            "position": "prone",
            "supports": ["hip_pillow_asis"],
            "client_adjusted": True,
        },
        {
            "type": "work_started",
            "area": "gluteals-left",
            "technique": "broad-compression",
            "level": 1,
        },
        {"type": "check_in", "pressure": "good"},
        {"type": "check_in", "pressure": "good"},
        {
            "type": "work_started",
            "area": "gluteals-left",
            "technique": "broad-compression",
            "level": 2,
        },
        {"type": "check_in", "pressure": "lighter"},
    ]
    near = st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("work_started"),
                "area": st.sampled_from(["gluteals-left", "gluteals-right"]),
                "technique": st.just("broad-compression"),
                "level": st.integers(1, 3),
            }
        ),
        st.fixed_dictionaries(
            {"type": st.just("check_in"), "pressure": st.sampled_from(["good", "lighter"])}
        ),
    )
    script += draw(st.lists(near, min_size=1, max_size=25))
    events, at = [], 0
    for body in script:
        at += draw(st.integers(5, 150))
        events.append(parse_event({**body, "at": at}))
    return state, events


SAFE_AFTER_STOP = {"pause", "refused", "end_session"}


@common
@given(sessions())
def test_after_a_stop_no_guidance_names_a_new_area_until_the_client_answers(
    session: tuple[State, list[Event]],
) -> None:
    stopped = False
    for _, after, event, guidance in walk(*session):
        if isinstance(event, CheckIn):
            stopped = event.pressure == "stop" or (stopped and after.paused is not None)
        if stopped:
            assert guidance.action in SAFE_AFTER_STOP, (event, guidance)


@common
@given(st.one_of(sessions(), lighter_sessions()))
def test_a_work_start_is_never_answered_with_move_elsewhere(
    session: tuple[State, list[Event]],
) -> None:
    for _, after, event, guidance in walk(*session):
        if isinstance(event, WorkStarted) and after.refusal is None:
            assert guidance.action not in ("move_to_area", "begin"), (event, guidance)


@common
@given(st.one_of(sessions(), lighter_sessions()))
def test_after_lighter_the_refused_level_waits_for_the_escalation_rule_afresh(
    session: tuple[State, list[Event]],
) -> None:
    required = PROTOCOL.escalation.good_check_ins_required
    refused: dict[str, tuple[int, int]] = {}  # area -> (level that was too much, goods since)
    for before, after, event, guidance in walk(*session):
        if isinstance(event, CheckIn) and before.work is not None and after.refusal is None:
            area, level = before.work.area, before.work.level
            pain_rose = event.pain is not None and (before.last_pain or 0) < event.pain
            if event.pressure == "lighter" and level > 0:
                refused[area] = (level, 0)
            elif area in refused and (event.pressure == "stop" or event.tightening or pain_rose):
                refused[area] = (refused[area][0], 0)
            elif area in refused and event.pressure in ("good", "deeper"):
                refused[area] = (refused[area][0], refused[area][1] + 1)
        offered = guidance.action in ("increase_level", "begin", "move_to_area")
        if offered and guidance.area in refused and guidance.level is not None:
            level, goods = refused[guidance.area]
            assert guidance.level < level or goods >= required, (event, guidance)


@common
@given(sessions())
def test_every_session_that_ends_has_pain_after_asked_for(
    session: tuple[State, list[Event]],
) -> None:
    for _, after, event, guidance in walk(*session):
        if guidance.action == "end_session" and after.pain_after is None:
            assert "pain" in guidance.prompt.lower(), guidance
        if isinstance(event, SessionEnded) and event.pain_after is None:
            assert "pain 0-10" in guidance.prompt, guidance
