"""The session as a fold over its events: `state = apply(state, event)`.

`apply` is pure: it never mutates the state it is given, reads no clock and does no I/O, so
replaying stored events rebuilds exactly the state the live session had. Whether a piece of
work is allowed is decided in `admission`; what to do next is decided in `engine.advise`.
The safety routine (CLINICAL.md 9) is folded here: a stop or a pain rise pauses the work
until the client answers again, and pain that keeps rising marks the session for ending.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tablework.conditions import evaluate
from tablework.protocols.schema import Protocol
from tablework.session import admission, plan
from tablework.session.events import (
    RETRACT_SECONDS,
    CheckIn,
    Event,
    EventError,
    History,
    Note,
    Positioned,
    Retracted,
    SessionEnded,
    SessionStarted,
    TighteningObserved,
    WorkStarted,
    WorkStopped,
)
from tablework.session.model import (
    ACCEPTING,
    BLOCKING_DISPOSITIONS,
    Deviation,
    Log,
    Placement,
    Progress,
    Refusal,
    State,
    Stopped,
    Work,
)
from tablework.session.modifications import parse_modifications

MAX_GAP_INTERVALS = 3
"""Contact counted for one silent gap between events, in check-in intervals."""

__all__ = [
    "BLOCKING_DISPOSITIONS",
    "Deviation",
    "Log",
    "Refusal",
    "State",
    "Work",
    "apply",
    "start",
]


def start(event: SessionStarted, protocol: Protocol) -> State:
    """The state right after `session_started`, checked against the pinned protocol."""
    if event.protocol not in (protocol.ref, protocol.id):
        raise EventError(f"session_started names {event.protocol}, not {protocol.ref}")
    try:
        modifications = parse_modifications(event.modifications, protocol, event.screening)
    except ValueError as error:
        raise EventError(str(error)) from None
    history = event.history or History()
    for past in history.sessions:
        for area in past.reactive_areas:
            if protocol.area(area) is None:
                raise EventError(f"session_started: history names unknown area '{area}'")
    state = State(
        protocol=protocol,
        session_index=event.session_index,
        modifications=modifications,
        screening=event.screening,
        clearance=event.clearance,
        pain_before=event.pain_before,
        history=history,
        check_in_seconds=event.check_in_seconds,
        plan=plan.build(protocol, event.session_index, modifications, history),
        last_at=event.at,
        phase_started_at=event.at,
    )
    state.last_pain = event.pain_before
    _advance_phase(state, event.at)
    return state


def apply(state: State, event: Event) -> State:
    """The state after `event`; `state` itself is left unchanged."""
    if isinstance(event, SessionStarted):
        raise EventError("the session has already started")
    if state.ended:
        raise EventError(f"{event.type} after the session ended")
    if event.at < state.last_at:
        raise EventError(
            f"{event.type} at {event.at} s is earlier than the last event "
            f"({state.last_at} s): time cannot go backwards"
        )
    if isinstance(event, Retracted):
        return _retracted(state, event)
    _check_ids(state.protocol, event)
    new = _clone(state)
    _accrue_contact(new, event.at)
    new.last_at = event.at
    new.last_event = event.type
    new.refusal = None
    new.seq = state.seq + 1
    new.before_last = _clone(state)
    new.before_last.before_last = None
    _HANDLERS[type(event)](new, event)
    _advance_phase(new, event.at)
    return new


def _retracted(state: State, event: Retracted) -> State:
    """The session as if its last event had not happened, `event.at` seconds in.

    Only the last event can be retracted, once, and only within RETRACT_SECONDS of it:
    anything older has been acted on, and is corrected by recording what happened next.
    """
    if event.seq != state.seq:
        raise EventError(
            f"retracted: seq {event.seq} is not the last event (that is {state.seq}); "
            "only the last event can be retracted"
        )
    previous = state.before_last
    if previous is None:
        what = "the session's start" if state.seq == 1 else "a retraction"
        raise EventError(f"retracted: event {event.seq} is {what}, which cannot be retracted")
    if event.at - state.last_at > RETRACT_SECONDS:
        raise EventError(
            f"retracted: event {event.seq} was recorded {event.at - state.last_at:g} s ago; "
            f"an event can be retracted within {RETRACT_SECONDS} s only"
        )
    new = _clone(previous)
    _accrue_contact(new, event.at)
    new.last_at = event.at
    new.refusal = None
    new.seq = state.seq + 1
    new.before_last = None
    _advance_phase(new, event.at)
    return new


def _clone(state: State) -> State:
    # A shallow copy is enough: every collection in a State is immutable or copied on
    # write. Copying the instance dict directly is several times faster than copy.copy.
    new = object.__new__(State)
    new.__dict__.update(state.__dict__)
    return new


def _check_ids(protocol: Protocol, event: Event) -> None:
    area = getattr(event, "area", None)
    if area is not None and protocol.area(area) is None:
        raise EventError(f"{event.type}: unknown area '{area}' for {protocol.ref}")
    if isinstance(event, WorkStarted) and protocol.technique(event.technique) is None:
        raise EventError(f"work_started: unknown technique '{event.technique}' for {protocol.ref}")
    if isinstance(event, Positioned):
        known = {s.id for s in protocol.supports} | {"client_adjusted"}
        for support in event.supports:
            if support not in known:
                raise EventError(f"positioned: unknown support '{support}' for {protocol.ref}")


def _accrue_contact(new: State, at: float) -> None:
    work = new.work
    if work is None:
        return
    # A long silence is not hours of contact: count at most a few check-in intervals.
    elapsed = min(at - new.last_at, MAX_GAP_INTERVALS * new.check_in_interval)
    new.contact_seconds += elapsed
    new.contact_at_level += elapsed
    new.contact_since_check_in += elapsed
    new.contact_in_phase += elapsed
    progress = new.progress.get(work.area, Progress())
    _set_progress(new, work.area, Progress(progress.contact + elapsed, progress.accepted))


def _set_progress(new: State, area: str, progress: Progress) -> None:
    new.progress = {**new.progress, area: progress}
    rule = new.protocol.settling_rule
    settled = progress.accepted >= rule.good_check_ins and progress.contact >= rule.contact_seconds
    if settled and area not in new.settled and new.closed(area) is None:
        new.settled = new.settled | {area}


def _refuse(new: State, refusal: Refusal) -> None:
    refusal = replace(refusal, seq=new.seq)
    new.refusal = refusal
    new.refusals = new.refusals.append(refusal)


def _positioned(new: State, event: Positioned) -> None:
    hard = admission.check_position(new, event.position)
    if hard:
        _refuse(new, Refusal(event.at, hard, overridable=False, position=event.position))
        return
    supports = tuple(s for s in event.supports if s != "client_adjusted")
    new.position = event.position
    new.supports = frozenset(supports)
    new.client_adjusted = event.client_adjusted or "client_adjusted" in event.supports
    new.placements = new.placements.append(Placement(event.at, event.position, supports))
    new.work = None


def _work_started(new: State, event: WorkStarted) -> None:
    hard, soft = admission.check_work(new, event.area, event.technique, event.level)
    if hard or (soft and not event.override_reason):
        refusal = Refusal(
            event.at,
            hard or soft,
            overridable=not hard,
            area=event.area,
            technique=event.technique,
            level=event.level,
        )
        _refuse(new, refusal)
        return
    if soft and event.override_reason:
        deviation = Deviation(
            event.at, event.area, event.technique, event.level, event.override_reason, soft
        )
        new.deviations = new.deviations.append(deviation)
    else:
        ceiling = new.lighter_ceiling(event.area)
        if ceiling is not None and event.level > ceiling:
            new.lighter = None  # admitted above it: the escalation rule was met afresh
    work = Work(event.area, event.technique, event.level, overridden=bool(soft))
    _begin_work(new, work, event.at)


def _begin_work(new: State, work: Work, at: float) -> None:
    previous = new.work
    if previous != work:
        new.change_check_in_due = at + new.protocol.check_in.after_change_seconds
    previous_level = previous.level if previous else new.last_level
    # A new area or level has to earn the client's acceptance again before going up (P6).
    if work.level != previous_level or work.area != new.last_area:
        new.contact_at_level = 0
        new.good_streak = 0
    # A request for less pressure stands until the level actually goes down.
    if (
        new.signal not in ("lighter", "pain_rise")
        or previous is None
        or work.level < previous.level
    ):
        new.signal = None
    new.work = work
    new.last_area = work.area
    new.worked_before = True
    new.last_level = work.level
    new.max_level = work.level if new.max_level is None else max(new.max_level, work.level)
    if work.area not in new.areas_worked:
        new.areas_worked = (*new.areas_worked, work.area)
    new.areas_in_phase = new.areas_in_phase | {work.area}


def _check_in(new: State, event: CheckIn) -> None:
    if event.pressure is None:
        _pain_only(new, event)
        return
    new.check_ins += 1
    new.contact_since_check_in = 0
    new.change_check_in_due = None
    work = new.work
    area = event.area or (work.area if work else None)
    if event.tightening and area is not None:
        _close_area(new, area, event.at, "tightening")
    if _pain_routine(new, event, area):
        return
    if event.pressure == "stop":
        _pause(new, "stop", area)
        return
    new.paused = None
    if event.tightening:
        return
    if event.pressure == "lighter" and work is not None and work.level == 0:
        new.work = None  # nothing lighter than a still hold: hands off and ask
        new.area_caps = {**new.area_caps, work.area: 0}
        new.signal = "lighter_at_zero"
        new.good_streak = 0
        return
    if event.pressure == "lighter" or new.signal == "pain_rise":
        if work is not None and event.pressure == "lighter":
            ceiling = max(work.level - 1, 0)
            new.accepted_level = (
                ceiling if new.accepted_level is None else min(new.accepted_level, ceiling)
            )
            standing = new.lighter_ceiling(work.area)
            if standing is None or ceiling < standing:
                new.lighter = (work.area, ceiling)
        new.signal = "lighter" if event.pressure == "lighter" else "pain_rise"
        new.good_streak = 0
        new.contact_at_level = 0
        return
    new.signal = event.pressure
    new.good_streak += 1
    new.good_in_phase += 1
    if work is not None and event.pressure in ACCEPTING:
        asked_lighter = new.lighter_ceiling(work.area)
        level = work.level if asked_lighter is None else min(work.level, asked_lighter)
        new.accepted_level = max(new.accepted_level or 0, level)
        progress = new.progress.get(work.area, Progress())
        _set_progress(new, work.area, Progress(progress.contact, progress.accepted + 1))


def _pain_only(new: State, event: CheckIn) -> None:
    """A pain rating with no pressure answer: the pain routine applies (CLINICAL.md 9),
    a tightening closes the area, but it is not the pressure check-in of P8, so the
    check-in clock, the pace of work and a pause for "stop" stand as they were."""
    work = new.work
    area = event.area or (work.area if work else None)
    if event.tightening and area is not None:
        _close_area(new, area, event.at, "tightening")
    _pain_routine(new, event, area)


def _pain_routine(new: State, event: CheckIn, area: str | None) -> bool:
    """Apply CLINICAL.md 9 to a pain rating; True when it paused or ended the work.

    A rating of `pain_stop_at` or more, or a rise of `pain_rise_points` above the start,
    stops the area and pauses; a second such rise, or pain still rising at level 0 (above
    the start), ends the session. A smaller rise that is not below the start eases off.
    """
    pain, last = event.pain, new.last_pain
    if pain is None:
        return False
    new.last_pain = pain
    routine = new.protocol.safety_routine
    baseline = next(p for p in (new.pain_before, last, pain) if p is not None)
    rose = last is not None and pain > last
    high = pain >= routine.pain_stop_at
    marked = high or (rose and pain >= baseline + routine.pain_rise_points)
    level = new.work.level if new.work is not None else new.last_level
    if marked and (rose or last is None):
        new.pain_rises += 1
    still_rising = rose and pain > baseline and level == 0 and new.worked_before
    if (marked and new.pain_rises >= routine.end_after_rises) or still_rising:
        _end_early(new, "pain")
        return True
    if marked:
        if area is not None:
            _close_area(new, area, event.at, "pain", pain)
        _pause(new, "pain", area)
        return True
    if rose and pain >= baseline:
        new.signal = "pain_rise"
    elif new.signal == "pain_rise":
        new.signal = None
    return False


def _end_early(new: State, why: str) -> None:
    new.ending = why
    new.work = None
    new.signal = "pain_rise" if why == "pain" else new.signal


def _pause(new: State, why: str, area: str | None) -> None:
    work = new.work
    if why == "stop" and work is not None and area is not None and new.closed(area) is None:
        cap = max(work.level - 1, 0)
        new.area_caps = {**new.area_caps, area: min(new.area_caps.get(area, cap), cap)}
    new.paused = why
    new.pause_area = area
    new.work = None
    new.signal = why if why == "stop" else "pain_rise"
    new.good_streak = 0


def _tightening(new: State, event: TighteningObserved) -> None:
    _close_area(new, event.area, event.at, "tightening")


def _close_area(new: State, area: str, at: float, why: str, pain: int | None = None) -> None:
    if new.closed(area) is None:
        new.stopped = (*new.stopped, Stopped(area, at, why, pain))
        new.settled = new.settled - {area}
        limit = new.protocol.safety_routine.end_after_reactive
        if why == "tightening" and len(new.reactive_areas) >= limit and new.ending is None:
            _end_early(new, "reactive")
    if why == "tightening":
        new.signal = "tightening"
        new.good_streak = 0
    if new.work is not None and new.work.area == area:
        new.work = None


def _work_stopped(new: State, event: WorkStopped) -> None:
    if new.work is not None and new.work.area == event.area:
        new.work = None
        new.signal = "stopped"


def _note(new: State, event: Note) -> None:
    """Notes change nothing the engine reasons about."""


def _session_ended(new: State, event: SessionEnded) -> None:
    new.ended = True
    new.work = None
    new.pain_after = event.pain_after


_HANDLERS: dict[type, Any] = {
    Positioned: _positioned,
    WorkStarted: _work_started,
    CheckIn: _check_in,
    TighteningObserved: _tightening,
    WorkStopped: _work_stopped,
    Note: _note,
    SessionEnded: _session_ended,
}


def _advance_phase(new: State, at: float) -> None:
    planned = new.planned_phase
    while planned is not None and _phase_done(new, at):
        new.phase_index += 1
        new.phase_started_at = at
        new.contact_in_phase = 0
        new.good_in_phase = 0
        new.areas_in_phase = frozenset()
        planned = new.planned_phase


def _phase_done(state: State, at: float) -> bool:
    planned = state.planned_phase
    assert planned is not None
    phase = planned.phase
    if phase.areas and not state.open_areas(planned):
        return True
    if phase.exit is not None:
        return evaluate(phase.exit, state.facts(at))
    return not phase.areas
