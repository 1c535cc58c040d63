"""Whether a position or a piece of work is allowed now, and if not, why.

Two kinds of refusal. *Hard* ones protect the client and cannot be overridden: screening
blocks and limits, the safety routine (a pause after a stop or a pain rise, a session that
should end), an area closed for the session (P9, P2), working before positioning. *Soft*
ones are protocol judgement (session-1 exclusions, the pace of escalation); the therapist
may go ahead with a recorded reason, which the note shows as a deviation.
"""

from __future__ import annotations

from tablework.protocols.schema import Position, Protocol, Sourced, Technique, sentence_case
from tablework.session.guidance import Reason
from tablework.session.model import State
from tablework.session.modifications import limit_text
from tablework.session.plan import PlannedPhase

Reasons = tuple[Reason, ...]

PAUSE_TEXT = {
    "stop": "The client asked you to stop: ask what happened and record their answer "
    "before any more work.",
    "pain": "Pain went up: ask the client what changed and record their answer before "
    "any more work.",
}


def cite(element: Sourced, text: str) -> Reason:
    """A reason citing the first reference point of a protocol element."""
    return Reason(element.sources[0] if element.sources else "protocol", text)


def screening_reason(state: State, modification: str, text: str) -> Reason:
    """A reason from a screening limit, naming what in the screening caused it."""
    cause = state.modifications.because(modification)
    return Reason(f"screening:{modification}", f"{text} ({cause})." if cause else f"{text}.")


def screening_limits(state: State) -> Reasons:
    """Every screening limit in the therapist's words, said at the start of the session."""
    reasons = []
    for modification in state.modifications.ids:
        text = limit_text(modification, state.protocol)
        if text is None:
            continue
        cause = state.modifications.because(modification)
        reasons.append(
            Reason(f"screening:{modification}", f"{text}: {cause}." if cause else f"{text}.")
        )
    return tuple(reasons)


def blocked_reasons(state: State) -> Reasons:
    """Why screening stops the session: the advice of each flag of the winning severity."""
    screening = state.screening or {}
    if state.block_kind == "incomplete":
        missing = ", ".join(str(n).replace("_", " ") for n in screening["emergency_not_asked"])
        return (
            Reason(
                "screening:incomplete",
                f"Emergency questions not asked: {missing}. Ask them, or record why they "
                "could not be asked, before any treatment.",
            ),
        )
    disposition = screening.get("disposition")
    flags = [f for f in screening.get("flags", []) if isinstance(f, dict)]
    reasons = tuple(
        Reason(str(f.get("point") or f"screening:{f.get('id')}"), str(f["advice"]))
        for f in flags
        if f.get("severity") == disposition and f.get("advice")
    )
    return reasons or (
        Reason(
            "screening",
            f"Screening result '{disposition}': do not treat without a documented clearance.",
        ),
    )


def check_position(state: State, position: str) -> Reasons:
    """Hard reasons against placing the client in `position`, if any."""
    if state.blocked:
        return blocked_reasons(state)
    if state.ending is not None:
        return (ending_reason(state),)
    mods = state.modifications
    if position == "prone" and mods.no_prone:
        return (
            screening_reason(
                state, "no_prone", "No lying face down: use side-lying (left side preferred)"
            ),
        )
    if position == "supine" and mods.no_supine:
        return (
            screening_reason(
                state,
                "no_supine",
                "No lying face up: the womb can press on the large vein to the heart. "
                "Use side-lying (left side preferred)",
            ),
        )
    return ()


def ending_reason(state: State) -> Reason:
    if state.ending == "reactive":
        return cite(
            state.protocol.reactivity,
            "Area after area tightened under touch: the back is too reactive to work today.",
        )
    return cite(
        state.protocol.safety_routine,
        "Pain kept rising during the session: end it now, with advice to rest and to seek a "
        "review if it keeps getting worse.",
    )


def check_work(state: State, area: str, technique_id: str, level: int) -> tuple[Reasons, Reasons]:
    """(hard, soft) reasons against this work now; both empty when it is allowed."""
    hard = _hard_reasons(state, area, technique_id, level)
    if hard:
        return hard, ()
    return (), _soft_reasons(state, area, technique_id, level)


def _hard_reasons(state: State, area: str, technique_id: str, level: int) -> Reasons:
    protocol = state.protocol
    mods = state.modifications
    if state.blocked:
        return blocked_reasons(state)
    if state.ending is not None:
        return (ending_reason(state),)
    if state.paused is not None:
        point = protocol.check_in if state.paused == "stop" else protocol.safety_routine
        return (cite(point, PAUSE_TEXT[state.paused]),)
    if not state.positioned:
        first = min(protocol.positions, key=lambda p: p.preference)
        return (cite(first, "Position the client and let them settle before any work."),)
    closed = state.closed(area)
    if closed is not None:
        return (closed_reason(state, closed.why),)
    if area in mods.avoid_areas:
        return (
            screening_reason(state, f"avoid_area:{area}", "Screening rules this area out today"),
        )
    side = _side(protocol, area)
    if mods.disables(technique_id, side):
        key = next(
            f"disable_technique:{technique_id}:{s}"
            for s in (side, "both")
            if f"disable_technique:{technique_id}:{s}" in mods.ids
        )
        return (
            screening_reason(
                state, key, f"No {protocol.technique_name(technique_id)} on the {side} side"
            ),
        )
    if mods.cap_level is not None and level > mods.cap_level:
        return (screening_reason(state, mods.cap_cause(), f"Level capped at {mods.cap_level}"),)
    area_cap = state.area_cap(area)
    if area_cap is not None and level > area_cap:
        return (area_cap_reason(state, area, area_cap),)
    technique = protocol.technique(technique_id)
    if technique is not None and technique.positions and state.position not in technique.positions:
        return (cite(technique, f"{technique.name} needs another position."),)
    if not reachable(state, area):
        position = current_position(state)
        return (cite(position, f"This area is out of reach: {sentence_case(position.name)}."),)
    return ()


def closed_reason(state: State, why: str) -> Reason:
    if why == "pain":
        return cite(
            state.protocol.safety_routine,
            "Pain went up while this area was worked: leave it for the rest of the session.",
        )
    return cite(
        state.protocol.reactivity,
        "This area tightened in response to touch earlier in the session: leave it alone "
        "until next time.",
    )


def area_cap_reason(state: State, area: str, cap: int) -> Reason:
    if area in state.area_caps and state.area_caps[area] == cap:
        return cite(
            state.protocol.check_in,
            f"The client stopped you here: not above level {cap} in this area today.",
        )
    return cite(
        state.protocol.reactivity,
        f"This area tightened last session: stay at level {cap} until it settles today.",
    )


def _soft_reasons(state: State, area: str, technique_id: str, level: int) -> Reasons:
    protocol = state.protocol
    technique = protocol.technique(technique_id)
    assert technique is not None
    reasons: list[Reason] = []
    if technique.earliest_session > state.session_index:
        reasons.append(
            cite(
                technique,
                technique.deferral_reason or f"Not before session {technique.earliest_session}.",
            )
        )
    elif not_planned := _deferred_area_reason(state, area):
        reasons.append(not_planned)
    if technique.not_while_reactive and state.reactive_areas:
        reasons.append(
            cite(technique, f"No {technique.name.lower()} while any area is reactive today.")
        )
    if area not in technique.areas:
        reasons.append(cite(technique, f"{technique.name} is not meant for this area."))
    if level not in technique.levels:
        reasons.append(
            cite(
                technique,
                f"{technique.name} is used at levels "
                f"{min(technique.levels)}-{max(technique.levels)}.",
            )
        )
    phase_max = phase_max_level(state, area)
    if level > phase_max:
        home = home_phase(state, area)
        if home is not None:
            reasons.append(cite(home.phase, f"{home.phase.name}: level {phase_max} or below."))
    reasons.extend(_pace_reasons(state, area, technique, level))
    return tuple(reasons)


def _deferred_area_reason(state: State, area_id: str) -> Reason | None:
    """Why a deferred area (QL, hip flexors) is not part of today's plan, if it is not."""
    area = state.protocol.area(area_id)
    if area is None or area.role != "deferred" or area_id in set(state.plan.area_ids()):
        return None
    for withheld in state.plan.withheld:
        if area_id in withheld.follow_up.areas:
            return cite(
                withheld.follow_up, f"{withheld.follow_up.title} is not for today: {withheld.why}."
            )
    return cite(area, "This area is left for a later session.")


def _pace_reasons(state: State, area: str, technique: Technique, level: int) -> list[Reason]:
    protocol = state.protocol
    escalation = protocol.escalation
    session_cap = protocol.max_level_for_session(state.session_index)
    if level > session_cap:
        return [
            cite(
                escalation,
                f"Session {state.session_index} stays at level {session_cap} "
                "or below: build up over sessions, not in one.",
            )
        ]
    if not state.worked_before:
        return _first_work_reasons(state, area, technique, level)
    accepted = state.accepted_level if state.accepted_level is not None else escalation.start_level
    current = state.work.level if state.work is not None else accepted
    allowed = max(accepted, current, escalation.start_level)
    ceiling = state.lighter_ceiling(area)
    if ceiling is not None:
        allowed = min(allowed, ceiling)
    if level <= allowed:
        return []
    if level - allowed > escalation.step:
        return [cite(escalation, f"Go up {escalation.step} level at a time.")]
    if not may_increase(state):
        return [
            cite(
                escalation,
                f"Go up only after {escalation.good_check_ins_required} "
                f"good check-ins and {escalation.min_seconds_at_level} s at a level.",
            )
        ]
    return []


def _first_work_reasons(state: State, area: str, technique: Technique, level: int) -> list[Reason]:
    escalation = state.protocol.escalation
    broad_offered = any(
        t.broad
        for t in planned_techniques(state, area)
        if escalation.start_level in t.levels or min(t.levels) <= escalation.start_level
    )
    if level > escalation.start_level or (not technique.broad and broad_offered):
        return [
            cite(
                escalation,
                f"Start slow and broad: a broad technique at level "
                f"{escalation.start_level} or below first.",
            )
        ]
    if _role(state.protocol, area) == "primary" and _has_guarding(state):
        return [Reason("P7", "Soothe the guarding muscles around the sore area first.")]
    return []


def may_increase(state: State) -> bool:
    """Whether the client has accepted the current level long enough to go up one."""
    escalation = state.protocol.escalation
    return (
        state.signal not in ("lighter", "pain_rise", "tightening", "stop")
        and state.good_streak >= escalation.good_check_ins_required
        and state.contact_at_level >= escalation.min_seconds_at_level
    )


def phase_of(state: State, area: str) -> PlannedPhase | None:
    """The phase today's plan works `area` in: the current one, else the next that has it."""
    phases = state.plan.phases
    for planned in phases[state.phase_index :]:
        if planned.area(area) is not None:
            return planned
    return None


def home_phase(state: State, area: str) -> PlannedPhase | None:
    """The phase that works `area`: the current one if it does, else the working (not
    closing) phase that plans it, else the current one."""
    current = state.planned_phase
    if current is not None and current.area(area) is not None:
        return current
    working = [p for p in state.plan.phases if p.area(area) and not p.phase.revisit]
    return working[0] if working else current


def phase_max_level(state: State, area: str) -> int:
    """The phase limit on `area` (see `home_phase`)."""
    home = home_phase(state, area)
    return home.phase.max_level if home else 0


def planned_techniques(state: State, area: str) -> list[Technique]:
    """The techniques today's plan offers for `area`, in its phase."""
    planned = phase_of(state, area)
    entry = planned.area(area) if planned else None
    if entry is None:
        return []
    found = (state.protocol.technique(t) for t in entry.techniques)
    return [t for t in found if t is not None]


def usable_techniques(state: State, area: str, level: int) -> list[Technique]:
    """Planned techniques for `area` usable now, in this position, at `level`."""
    return [t for t in usable_techniques_at_any_level(state, area) if level in t.levels]


def usable_techniques_at_any_level(state: State, area: str) -> list[Technique]:
    """Planned techniques for `area` usable now: right position, nothing reactive against."""
    return [
        t
        for t in planned_techniques(state, area)
        if (not t.positions or state.position in t.positions)
        and not (t.not_while_reactive and state.reactive_areas)
    ]


def reachable(state: State, area_id: str) -> bool:
    """Whether the therapist can reach `area_id` with the client as positioned."""
    area = state.protocol.area(area_id)
    if state.position is None or area is None:
        return True
    return current_position(state).reaches(area)


def current_position(state: State) -> Position:
    return next(p for p in state.protocol.positions if p.id == state.position)


def _side(protocol: Protocol, area: str) -> str:
    found = protocol.area(area)
    return found.side if found else "midline"


def _role(protocol: Protocol, area: str) -> str:
    found = protocol.area(area)
    return found.role if found else ""


def _has_guarding(state: State) -> bool:
    return any(
        state.protocol.area(a) is not None and _role(state.protocol, a) == "guarding"
        for a in state.plan.area_ids()
    )
