"""The care plan after a session: next sessions' focus, home stretches, referrals.

Home stretches are chosen to cover hip motion in all three planes, both ways (P14). While
the episode is acute only the gentle, acute-safe stretches are given, and the plan says
which directions that leaves out and why, instead of pretending to cover them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tablework.documents.record import SessionRecord
from tablework.protocols.schema import PLANE_MOTIONS, Exercise, Protocol, sentence_case

ACUTE_DAYS = 14
"""Up to this many days from onset (or with a reactive area) the episode counts as acute."""
FOLLOW_UP_DAYS = {True: 7, False: 14}
"""Suggested days to the next session: acute, not acute. A default the clinic may change."""


@dataclass(frozen=True)
class Focus:
    """Something to do in a later session, and why it is planned."""

    id: str
    title: str
    description: str
    from_session: int
    sources: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Gap:
    """A direction of hip motion the home stretches do not cover, and why."""

    plane: str
    motion: str
    why: str


@dataclass(frozen=True)
class CarePlan:
    """What comes after this session."""

    next_session_index: int
    acute: bool
    focus: tuple[Focus, ...]
    home_care: tuple[Exercise, ...]
    uncovered: tuple[Gap, ...]
    referrals: tuple[str, ...]
    follow_up_days: int

    def as_json(self) -> dict[str, Any]:
        return {
            "next_session_index": self.next_session_index,
            "acute": self.acute,
            "focus": [f.__dict__ | {"sources": list(f.sources)} for f in self.focus],
            "home_care": [x.id for x in self.home_care],
            "uncovered": [g.__dict__ for g in self.uncovered],
            "referrals": list(self.referrals),
            "follow_up_days": self.follow_up_days,
        }


def is_acute(record: SessionRecord, onset_days: int | None) -> bool:
    """Acute while recent (or onset unknown: assume so) or while any area is reactive."""
    return onset_days is None or onset_days <= ACUTE_DAYS or bool(record.state.reactive)


def plan_care(record: SessionRecord, onset_days: int | None) -> CarePlan:
    """The plan that follows `record`'s session."""
    acute = is_acute(record, onset_days)
    home, gaps = choose_stretches(record.protocol, acute)
    return CarePlan(
        next_session_index=record.state.session_index + 1,
        acute=acute,
        focus=tuple(_focus(record)),
        home_care=home,
        uncovered=gaps,
        referrals=tuple(_referrals(record)),
        follow_up_days=FOLLOW_UP_DAYS[acute],
    )


def choose_stretches(
    protocol: Protocol, acute: bool
) -> tuple[tuple[Exercise, ...], tuple[Gap, ...]]:
    """One stretch per plane and direction where possible; the directions left uncovered."""
    chosen: list[Exercise] = []
    gaps: list[Gap] = []
    for plane, motions in PLANE_MOTIONS.items():
        for motion in motions:
            options = [x for x in protocol.home_care if x.plane == plane and x.motion == motion]
            safe = [x for x in options if x.acute_safe or not acute]
            if safe:
                if safe[0] not in chosen:
                    chosen.append(safe[0])
            elif options:
                gaps.append(
                    Gap(
                        plane,
                        motion,
                        "no acute-safe stretch for this direction: add "
                        f"{sentence_case(options[0].name)} once the acute phase has passed",
                    )
                )
            else:
                gaps.append(Gap(plane, motion, "the protocol has no stretch for this direction"))
    return tuple(chosen), tuple(gaps)


def _focus(record: SessionRecord) -> list[Focus]:
    state = record.state
    next_index = state.session_index + 1
    settled = not state.reactive and _pain_dropped(record)
    items = []
    for item in record.protocol.follow_up:
        if item.from_session > next_index:
            continue
        why = f"planned from session {item.from_session}"
        if item.id == "ql-work" and not settled:
            why = "wait until the back has settled (no reactive areas, pain coming down)"
        items.append(
            Focus(item.id, item.title, item.description, item.from_session, item.sources, why)
        )
    return items


def _pain_dropped(record: SessionRecord) -> bool:
    before, after = record.state.pain_before, record.state.pain_after
    return before is not None and after is not None and after < before


def _referrals(record: SessionRecord) -> list[str]:
    screening = record.opening.screening or {}
    lines = []
    for flag in screening.get("flags", []):
        if flag.get("severity") != "modify":
            lines.append(f"{flag.get('title')}: {flag.get('advice')}")
    if "clinician_approval_advised" in record.state.modifications.ids:
        lines.append("Ask the client's clinician to approve massage (pregnancy or recent surgery).")
    clearance = record.opening.clearance
    if clearance is not None:
        lines.append(f"Cleared to treat by {clearance.by} ({clearance.when}).")
    return lines
