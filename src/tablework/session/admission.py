"""Whether a position or a piece of work is allowed now, and if not, why.

Two kinds of refusal. *Hard* ones protect the client and cannot be overridden: screening
blocks and limits, an area that tightened under touch (P9), working before positioning.
*Soft* ones are protocol judgement (session-1 exclusions, pace of escalation); the therapist
may go ahead with a recorded reason, which the note shows as a deviation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tablework.protocols.schema import Phase, Position, Protocol, Sourced, Technique, sentence_case
from tablework.session.guidance import Reason

if TYPE_CHECKING:
    from tablework.session.state import State

Reasons = tuple[Reason, ...]


def cite(element: Sourced, text: str) -> Reason:
    """A reason citing the first reference point of a protocol element."""
    return Reason(element.sources[0] if element.sources else "protocol", text)


def screening_reason(modification: str, text: str) -> Reason:
    return Reason(f"screening:{modification}", text)


def blocked_reasons(state: State) -> Reasons:
    """Why screening stops the session: the advice of each flag of the winning severity."""
    screening = state.screening or {}
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
    if position == "prone" and state.modifications.no_prone:
        return (
            screening_reason(
                "no_prone",
                "Screening rules out lying face down (pregnancy "
                "from about 13 weeks): use left side-lying instead.",
            ),
        )
    return ()


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
    if not state.positioned:
        first = min(protocol.positions, key=lambda p: p.preference)
        return (cite(first, "Position the client and let them settle before any work."),)
    if area in state.reactive_areas:
        return (
            cite(
                protocol.reactivity,
                "This area tightened in response to touch earlier "
                "in the session: leave it alone until next time.",
            ),
        )
    if area in mods.avoid_areas:
        return (
            screening_reason(
                f"avoid_area:{area}", "Screening rules this area out for this client."
            ),
        )
    side = _side(protocol, area)
    if mods.disables(technique_id, side):
        return (
            screening_reason(
                f"disable_technique:{technique_id}:{side}",
                "Screening rules this technique out on this side of the body.",
            ),
        )
    if mods.cap_level is not None and level > mods.cap_level:
        return (
            screening_reason(
                f"cap_level:{mods.cap_level}",
                f"Screening limits pressure to level {mods.cap_level} or below for this client.",
            ),
        )
    return ()


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
    if area not in technique.areas:
        reasons.append(cite(technique, f"{technique.name} is not meant for this area."))
    if technique.positions and state.position not in technique.positions:
        reasons.append(cite(technique, f"{technique.name} needs another position."))
    elif not reachable(state, area):
        position = _position(state)
        reasons.append(
            cite(position, f"This area is out of reach: {sentence_case(position.name)}.")
        )
    if level not in technique.levels:
        reasons.append(
            cite(
                technique,
                f"{technique.name} is used at levels "
                f"{min(technique.levels)}-{max(technique.levels)}.",
            )
        )
    reasons.extend(_pace_reasons(state, area, technique, level))
    return tuple(reasons)


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
        if level > escalation.start_level or not technique.broad:
            return [
                cite(
                    escalation,
                    f"Start slow and broad: a broad technique at level "
                    f"{escalation.start_level} or below first.",
                )
            ]
        if _role(protocol, area) == "primary" and _has_guarding(protocol):
            return [Reason("P7", "Soothe the guarding muscles around the sore area first.")]
        return []
    previous = state.last_level if state.work is None else state.work.level
    if previous is not None and level > previous:
        if level - previous > escalation.step:
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


def may_increase(state: State) -> bool:
    """Whether the client has accepted the current level long enough to go up one."""
    escalation = state.protocol.escalation
    return (
        state.signal not in ("lighter", "pain_rise", "tightening", "stop")
        and state.good_streak >= escalation.good_check_ins_required
        and state.contact_at_level >= escalation.min_seconds_at_level
    )


def usable_techniques(state: State, phase: Phase, area: str) -> list[Technique]:
    """Techniques of `phase` that could be used on `area` now without any refusal."""
    found = []
    for technique_id in phase.techniques:
        technique = state.protocol.technique(technique_id)
        if technique is None or area not in technique.areas:
            continue
        if technique.earliest_session > state.session_index:
            continue
        if technique.positions and state.position not in technique.positions:
            continue
        if state.modifications.disables(technique.id, _side(state.protocol, area)):
            continue
        if min(technique.levels) > min(state.level_cap(), phase.max_level):
            continue
        found.append(technique)
    return found


def workable_areas(state: State, phase: Phase) -> list[str]:
    """Areas of `phase` that may still be worked this session, in the phase's order."""
    blocked = state.reactive_areas | state.modifications.avoid_areas
    return [
        area
        for area in phase.areas
        if area not in blocked and reachable(state, area) and usable_techniques(state, phase, area)
    ]


def reachable(state: State, area_id: str) -> bool:
    """Whether the therapist can reach `area_id` with the client as positioned."""
    area = state.protocol.area(area_id)
    if state.position is None or area is None:
        return True
    return _position(state).reaches(area)


def _position(state: State) -> Position:
    return next(p for p in state.protocol.positions if p.id == state.position)


def _side(protocol: Protocol, area: str) -> str:
    found = protocol.area(area)
    return found.side if found else "midline"


def _role(protocol: Protocol, area: str) -> str:
    found = protocol.area(area)
    return found.role if found else ""


def _has_guarding(protocol: Protocol) -> bool:
    return any(a.role == "guarding" for a in protocol.areas)
