"""Checks across a protocol that one field alone cannot make.

Each check yields `(location, message)`; the loader turns the location into a line of the
file. Unknown references, duplicate ids, uncited elements and untraced reference points are
all reported together so an author can fix a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pydantic import BaseModel

from tablework.marked_yaml import Loc
from tablework.protocols.schema import (
    HISTORY_FACTS,
    PLANE_MOTIONS,
    SESSION_FACTS,
    Protocol,
    Sourced,
)

Problem = tuple[Loc, str]

_ID_COLLECTIONS = (
    "principles",
    "supports",
    "positions",
    "areas",
    "techniques",
    "phases",
    "follow_up",
    "home_care",
)


def check_protocol(protocol: Protocol) -> list[Problem]:
    """All cross-reference problems in `protocol`, in file order as far as possible."""
    checks = (
        _duplicate_ids,
        _position_references,
        _technique_references,
        _phase_references,
        _follow_up_references,
        _escalation,
        _home_care_planes,
        _sources,
        _reference_coverage,
    )
    return [problem for check in checks for problem in check(protocol)]


def _duplicate_ids(protocol: Protocol) -> Iterator[Problem]:
    for collection in _ID_COLLECTIONS:
        seen: set[str] = set()
        for index, element in enumerate(getattr(protocol, collection)):
            if element.id in seen:
                yield (collection, index, "id"), f"duplicate id '{element.id}' in {collection}"
            seen.add(element.id)


def _unknown(loc: Loc, ids: Sequence[str], known: Iterable[str], kind: str) -> Iterator[Problem]:
    known_set = set(known)
    for index, item in enumerate(ids):
        if item not in known_set:
            yield (*loc, index), f"unknown {kind} '{item}'"


def _position_references(protocol: Protocol) -> Iterator[Problem]:
    supports = [s.id for s in protocol.supports]
    for i, position in enumerate(protocol.positions):
        yield from _unknown(("positions", i, "supports"), position.supports, supports, "support")


def _technique_references(protocol: Protocol) -> Iterator[Problem]:
    areas = [a.id for a in protocol.areas]
    positions = [p.id for p in protocol.positions]
    for i, technique in enumerate(protocol.techniques):
        yield from _unknown(("techniques", i, "areas"), technique.areas, areas, "area")
        yield from _unknown(
            ("techniques", i, "positions"), technique.positions, positions, "position"
        )
        if technique.earliest_session > 1 and not technique.deferral_reason:
            yield (
                ("techniques", i, "earliest_session"),
                f"technique '{technique.id}' waits until session {technique.earliest_session} "
                "but gives no deferral_reason to show the therapist",
            )


def _phase_references(protocol: Protocol) -> Iterator[Problem]:
    areas = [a.id for a in protocol.areas]
    techniques = {t.id: t for t in protocol.techniques}
    positions = [p.id for p in protocol.positions]
    for i, phase in enumerate(protocol.phases):
        yield from _unknown(("phases", i, "areas"), phase.areas, areas, "area")
        yield from _unknown(("phases", i, "techniques"), phase.techniques, techniques, "technique")
        yield from _unknown(("phases", i, "positions"), phase.positions, positions, "position")
        if phase.exit is not None:
            yield from _unknown_facts(("phases", i, "exit"), phase.exit.facts(), SESSION_FACTS)
        elif phase.revisit:
            yield (("phases", i, "revisit"), "a phase that revisits areas needs an exit condition")


def _unknown_facts(loc: Loc, facts: Iterable[str], known: dict[str, str]) -> Iterator[Problem]:
    for fact in facts:
        if fact not in known:
            yield loc, f"unknown fact '{fact}' (known: {', '.join(sorted(known))})"


def _follow_up_references(protocol: Protocol) -> Iterator[Problem]:
    areas = [a.id for a in protocol.areas]
    techniques = [t.id for t in protocol.techniques]
    for i, item in enumerate(protocol.follow_up):
        yield from _unknown(
            ("follow_up", i, "techniques"), item.techniques, techniques, "technique"
        )
        yield from _unknown(("follow_up", i, "areas"), item.areas, areas, "area")
        if item.when is not None:
            yield from _unknown_facts(("follow_up", i, "when"), item.when.facts(), HISTORY_FACTS)


def _escalation(protocol: Protocol) -> Iterator[Problem]:
    caps = protocol.escalation.max_level_by_session
    if caps[0].from_session != 1:
        yield (
            ("escalation", "max_level_by_session", 0, "from_session"),
            "the first level cap must start at session 1",
        )
    for i in range(1, len(caps)):
        if caps[i].from_session <= caps[i - 1].from_session:
            yield (
                ("escalation", "max_level_by_session", i, "from_session"),
                "level caps must be in increasing session order",
            )
    start = protocol.escalation.start_level
    if not any(t.broad and start in t.levels for t in protocol.techniques):
        yield (("escalation", "start_level"), f"no broad technique allows the start level {start}")


def _home_care_planes(protocol: Protocol) -> Iterator[Problem]:
    for i, exercise in enumerate(protocol.home_care):
        if exercise.motion not in PLANE_MOTIONS[exercise.plane]:
            allowed = " or ".join(PLANE_MOTIONS[exercise.plane])
            yield (
                ("home_care", i, "motion"),
                f"motion '{exercise.motion}' is not in the {exercise.plane} plane (use {allowed})",
            )


def _sources(protocol: Protocol) -> Iterator[Problem]:
    points = {p.id for p in protocol.reference.points} if protocol.reference else set()
    for loc, element in _sourced_elements(protocol, ()):
        if protocol.reference is not None and not element.sources:
            yield (
                (*loc, "sources"),
                f"missing sources: {_describe(element)} must cite the reference points it encodes",
            )
        for index, point in enumerate(element.sources):
            if point not in points:
                yield (*loc, "sources", index), f"unknown reference point '{point}'"
    for i, note in enumerate(protocol.notes):
        yield from _unknown(("notes", i, "points"), note.points, points, "reference point")


def _reference_coverage(protocol: Protocol) -> Iterator[Problem]:
    if protocol.reference is None:
        return
    cited = {point for _, element in _sourced_elements(protocol, ()) for point in element.sources}
    cited |= {point for note in protocol.notes for point in note.points}
    for i, point in enumerate(protocol.reference.points):
        if point.id not in cited:
            yield (
                ("reference", "points", i),
                f"reference point {point.id} is not encoded by any element nor explained in notes",
            )


def _sourced_elements(model: BaseModel, loc: Loc) -> Iterator[tuple[Loc, Sourced]]:
    if isinstance(model, Sourced):
        yield loc, model
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _sourced_elements(value, (*loc, name))
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _sourced_elements(item, (*loc, name, index))


def _describe(element: Sourced) -> str:
    element_id = getattr(element, "id", None)
    return f"'{element_id}'" if element_id else "this element"
