"""The day's plan: which areas to work today, phase by phase, and in which positions.

Built once when the session starts, from the protocol, the session index, the screening
modifications and the client's earlier sessions (CLINICAL.md 10). It is pure data: the fold
tracks how far each area has come, and the advisor picks what is reachable in the position
the client is in, so a change of position never loses the rest of the plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tablework.conditions import evaluate
from tablework.protocols.schema import FollowUp, Phase, Position, Protocol, Technique
from tablework.session.events import History
from tablework.session.modifications import Modifications


@dataclass(frozen=True, slots=True)
class PlannedArea:
    """One area in one phase of today's plan."""

    id: str
    techniques: tuple[str, ...]
    start_level: int | None = None
    """A lower start than the protocol's (an area that was reactive last time), or None."""
    follow_up: str | None = None
    """The follow-up item that brought a deferred area into today's plan."""


@dataclass(frozen=True, slots=True)
class PlannedPhase:
    """A phase of the protocol with the areas planned for it today."""

    phase: Phase
    areas: tuple[PlannedArea, ...]

    def area(self, area_id: str) -> PlannedArea | None:
        return next((a for a in self.areas if a.id == area_id), None)


@dataclass(frozen=True, slots=True)
class Withheld:
    """A follow-up that is not part of today's plan, and why."""

    follow_up: FollowUp
    why: str


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Today's phases in order, with the follow-ups that shaped them."""

    phases: tuple[PlannedPhase, ...]
    follow_ups: tuple[FollowUp, ...] = ()
    withheld: tuple[Withheld, ...] = ()

    def area_ids(self) -> Iterator[str]:
        """Every planned area, once, in plan order."""
        seen: set[str] = set()
        for planned in self.phases:
            for area in planned.areas:
                if area.id not in seen:
                    seen.add(area.id)
                    yield area.id

    def start_level(self, area_id: str) -> int | None:
        """The lowered start level of an area, if the plan sets one."""
        levels = [a.start_level for p in self.phases for a in p.areas if a.id == area_id]
        return next((level for level in levels if level is not None), None)


def build(
    protocol: Protocol, session_index: int, modifications: Modifications, history: History
) -> DayPlan:
    """Today's plan for this client."""
    applied, withheld = follow_ups(protocol, session_index, history)
    invited = {area: item.id for item in applied for area in item.areas}
    last = history.last
    restart = protocol.reactivity.next_session_level
    reactive_last = set(last.reactive_areas) if last is not None else set()
    phases = []
    for phase in protocol.phases:
        if phase.from_session > session_index:
            continue
        areas = []
        for area_id in phase.areas:
            area = protocol.area(area_id)
            if area is None or area_id in modifications.avoid_areas:
                continue
            if area.role == "deferred" and area_id not in invited:
                continue
            if not any(p.reaches(area) for p in phase_positions(protocol, phase, modifications)):
                continue
            techniques = tuple(
                t.id
                for t in _techniques(protocol, phase)
                if allowed_on(t, area_id, session_index, modifications, protocol)
            )
            if not techniques:
                continue
            start = restart if area_id in reactive_last else None
            areas.append(PlannedArea(area_id, techniques, start, invited.get(area_id)))
        phases.append(PlannedPhase(phase, tuple(areas)))
    return DayPlan(tuple(phases), applied, withheld)


def allowed_on(
    technique: Technique,
    area_id: str,
    session_index: int,
    modifications: Modifications,
    protocol: Protocol,
) -> bool:
    """Whether `technique` may be planned on `area_id` today, whatever the position."""
    area = protocol.area(area_id)
    if area is None or area_id not in technique.areas:
        return False
    if technique.earliest_session > session_index:
        return False
    if modifications.disables(technique.id, area.side):
        return False
    cap = protocol.max_level_for_session(session_index)
    if modifications.cap_level is not None:
        cap = min(cap, modifications.cap_level)
    return min(technique.levels) <= cap


def allowed_positions(protocol: Protocol, modifications: Modifications) -> list[Position]:
    """Positions screening allows, best first (left side-lying first when preferred)."""
    positions = sorted(protocol.positions, key=lambda p: p.preference)
    if modifications.no_prone:
        positions = [p for p in positions if p.id != "prone"]
    if modifications.no_supine:
        positions = [p for p in positions if p.id != "supine"]
    if modifications.prefer_side_lying_left:
        positions.sort(key=lambda p: p.id != "side_lying_left")
    return positions


def phase_positions(
    protocol: Protocol, phase: Phase, modifications: Modifications
) -> list[Position]:
    """The allowed positions for a phase's work, in the phase's order of preference."""
    allowed = allowed_positions(protocol, modifications)
    if not phase.positions:
        return allowed
    chosen = [p for p in allowed if p.id in phase.positions]
    chosen.sort(key=lambda p: phase.positions.index(p.id))
    if modifications.prefer_side_lying_left:
        chosen.sort(key=lambda p: p.id != "side_lying_left")
    return chosen


def _techniques(protocol: Protocol, phase: Phase) -> Iterator[Technique]:
    for technique_id in phase.techniques:
        technique = protocol.technique(technique_id)
        if technique is not None:
            yield technique


def follow_ups(
    protocol: Protocol, session_index: int, history: History
) -> tuple[tuple[FollowUp, ...], tuple[Withheld, ...]]:
    """The follow-up items that apply to session `session_index`, and those held back."""
    facts = history.facts()
    applied: list[FollowUp] = []
    withheld: list[Withheld] = []
    for item in protocol.follow_up:
        if item.from_session > session_index:
            withheld.append(Withheld(item, f"planned from session {item.from_session}"))
        elif item.when is not None and not evaluate(item.when, facts):
            withheld.append(Withheld(item, _why_not(facts)))
        else:
            applied.append(item)
    return tuple(applied), tuple(withheld)


def _why_not(facts: dict[str, object]) -> str:
    if facts["previous_sessions"] == 0:
        return "no earlier session on record to show the back has settled"
    if facts["adverse_last_session"]:
        return "pain was worse after the latest session: reconsider the approach first"
    if facts["reactive_areas_last_session"]:
        return "an area tightened under touch in the latest session: wait until it settles"
    if facts["pain_trend"] != "down":
        return "pain did not come down in the latest session: wait until it does"
    return "its condition over earlier sessions is not met"
