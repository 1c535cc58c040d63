"""The care plan after a session: next sessions' focus, home stretches, referrals.

Home stretches are chosen to cover hip motion in all three planes, both ways (P14). While
the episode is acute only the gentle, acute-safe stretches are given, and the plan says
which directions that leaves out and why, instead of pretending to cover them. The plan
follows the screening (CLINICAL.md 11): after a referral that nobody cleared it holds the
referral only, and stretches are adapted (and the adaptation named) for pregnancy,
osteoporosis and older age.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tablework.documents.record import SessionRecord
from tablework.protocols.schema import PLANE_MOTIONS, Exercise, Protocol, sentence_case
from tablework.session.events import History, PastSession
from tablework.session.model import BLOCKING_DISPOSITIONS
from tablework.session.modifications import Modifications
from tablework.session.plan import follow_ups

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
    follow_up_days: int | None
    """Days to the suggested next session; None when nothing may be booked (referral)."""
    referral_only: bool = False
    adaptations: tuple[str, ...] = ()
    older_adult: bool = False
    adverse: bool = False
    rest: bool = False
    """Rest and a review instead of stretches: pain was worse after, or kept rising."""
    clinician_approval: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "next_session_index": self.next_session_index,
            "acute": self.acute,
            "referral_only": self.referral_only,
            "adverse": self.adverse,
            "rest": self.rest,
            "focus": [f.__dict__ | {"sources": list(f.sources)} for f in self.focus],
            "home_care": [x.id for x in self.home_care],
            "adaptations": list(self.adaptations),
            "uncovered": [g.__dict__ for g in self.uncovered],
            "referrals": list(self.referrals),
            "follow_up_days": self.follow_up_days,
        }

    def summary(self) -> str:
        """One line on what comes next, for exports."""
        if self.referral_only:
            return "Referral only: no further sessions or home care until the client is assessed."
        if self.follow_up_days is None:
            why = (
                "pain was worse after this one"
                if self.adverse
                else "pain rose during this one, so it ended early"
            )
            return f"Rest and review before another session: {why}."
        return f"Follow-up in about {self.follow_up_days} days."

    def hold_seconds(self, exercise: Exercise) -> tuple[int, int]:
        """How long to hold a stretch for this client (longer for older adults)."""
        dose = exercise.dose
        if self.older_adult and dose.older_adult_hold_seconds is not None:
            return dose.older_adult_hold_seconds
        return dose.hold_seconds


def is_acute(record: SessionRecord, onset_days: int | None) -> bool:
    """Acute while recent (or onset unknown: assume so) or while any area is reactive."""
    return onset_days is None or onset_days <= ACUTE_DAYS or bool(record.state.reactive)


def plan_care(record: SessionRecord, onset_days: int | None) -> CarePlan:
    """The plan that follows `record`'s session."""
    acute = is_acute(record, onset_days)
    state = record.state
    if state.blocked:
        return CarePlan(
            next_session_index=state.session_index,
            acute=acute,
            focus=(),
            home_care=(),
            uncovered=(),
            referrals=tuple(_referrals(record)),
            follow_up_days=None,
            referral_only=True,
        )
    mods = state.modifications
    rest = needs_rest(record)
    home, gaps = choose_stretches(record.protocol, acute, mods) if not rest else ((), ())
    return CarePlan(
        next_session_index=state.session_index + 1,
        acute=acute,
        focus=tuple(_focus(record)),
        home_care=home,
        uncovered=gaps,
        referrals=tuple(_referrals(record)),
        follow_up_days=None if rest else FOLLOW_UP_DAYS[acute],
        adaptations=tuple(adaptations(record.protocol, acute, mods)) if not rest else (),
        older_adult="older_adult" in mods.ids,
        adverse=is_adverse(record),
        rest=rest,
        clinician_approval="clinician_approval_advised" in mods.ids,
    )


def needs_rest(record: SessionRecord) -> bool:
    """Pain ended higher than it began, or kept rising: rest and review, no new stretches."""
    return is_adverse(record) or record.state.ending == "pain"


def is_adverse(record: SessionRecord) -> bool:
    """Pain was higher after the session than before it (CLINICAL.md 9)."""
    before, after = record.state.pain_before, record.state.pain_after
    return before is not None and after is not None and after > before


def suits(exercise: Exercise, mods: Modifications) -> bool:
    """Whether a stretch is safe for this client's screening (CLINICAL.md 11)."""
    if mods.no_supine and exercise.posture == "supine":
        return False
    return not (mods.no_loaded_flexion and exercise.loads_spinal_flexion)


def adaptations(protocol: Protocol, acute: bool, mods: Modifications) -> list[str]:
    """Each way the stretches were adapted to this client, in plain words."""
    lines = []
    plain = {x.id for x in choose_stretches(protocol, acute, Modifications())[0]}
    adapted = {x.id for x in choose_stretches(protocol, acute, mods)[0]}
    dropped = [x.name for x in protocol.home_care if x.id in plain - adapted]
    added = [x.name for x in protocol.home_care if x.id in adapted - plain]
    swap = f" ({', '.join(dropped)} replaced by {', '.join(added) or 'nothing'})"
    swap = swap if dropped else ""
    if mods.no_supine:
        lines.append(f"Pregnancy from 20 weeks: no stretch lying on the back{swap}.")
    if mods.no_loaded_flexion:
        lines.append(f"Osteoporosis: no stretch that curls the spine under load{swap}.")
    if "older_adult" in mods.ids:
        lines.append("65 or over: each stretch is held longer and gently, 30-60 seconds.")
    return lines


def choose_stretches(
    protocol: Protocol, acute: bool, mods: Modifications | None = None
) -> tuple[tuple[Exercise, ...], tuple[Gap, ...]]:
    """One stretch per plane and direction where possible; the directions left uncovered."""
    mods = mods or Modifications()
    chosen: list[Exercise] = []
    gaps: list[Gap] = []
    for plane, motions in PLANE_MOTIONS.items():
        for motion in motions:
            every = [x for x in protocol.home_care if x.plane == plane and x.motion == motion]
            options = [x for x in every if suits(x, mods)]
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
            elif every:
                gaps.append(Gap(plane, motion, "no stretch for this direction suits this client"))
            else:
                gaps.append(Gap(plane, motion, "the protocol has no stretch for this direction"))
    return tuple(chosen), tuple(gaps)


def _focus(record: SessionRecord) -> list[Focus]:
    """Next session's plan items, judged on the history including this session."""
    state = record.state
    next_index = state.session_index + 1
    this = PastSession(
        pain_before=state.pain_before,
        pain_after=state.pain_after,
        reactive_areas=tuple(sorted(state.reactive_areas)),
        ended=state.ended,
    )
    history = History(sessions=(*state.history.sessions, this))
    applied, withheld = follow_ups(record.protocol, next_index, history)
    items = []
    if is_adverse(record):
        items.append(
            Focus(
                "reconsider",
                "Reconsider the approach",
                "Pain was worse after this session: review the screening, the positions and "
                "the pressure used before working the same way again.",
                next_index,
                ("P2",),
                "adverse response this session",
            )
        )
    restart = record.protocol.reactivity.next_session_level
    if state.reactive_areas and restart is not None:
        names = ", ".join(record.protocol.area_name(a) for a in sorted(state.reactive_areas))
        items.append(
            Focus(
                "restart-reactive",
                f"Start {names} at level {restart}",
                "These areas tightened under touch this session: begin there with a still "
                "hold and build up only if they stay settled.",
                next_index,
                record.protocol.reactivity.sources,
                "tightened this session",
            )
        )
    for item in applied:
        why = f"planned from session {item.from_session}"
        items.append(
            Focus(item.id, item.title, item.description, item.from_session, item.sources, why)
        )
    for held in withheld:
        if held.follow_up.from_session <= next_index:
            item = held.follow_up
            why = f"not yet: {held.why}"
            items.append(
                Focus(item.id, item.title, item.description, item.from_session, item.sources, why)
            )
    return items


def _referrals(record: SessionRecord) -> list[str]:
    screening = record.opening.screening or {}
    lines = []
    cleared = record.opening.clearance
    for flag in screening.get("flags", []):
        if flag.get("severity") == "modify":
            continue
        if cleared is not None:
            lines.append(f"{flag.get('title')}: cleared by {cleared.by} ({cleared.when}).")
        else:
            lines.append(f"{flag.get('title')}: {flag.get('advice')}")
    if "clinician_approval_advised" in record.state.modifications.ids:
        lines.append("Ask the client's clinician to approve massage (pregnancy or recent surgery).")
    missing = screening.get("emergency_not_asked") or []
    if missing and screening.get("disposition") not in BLOCKING_DISPOSITIONS:
        names = ", ".join(str(n).replace("_", " ") for n in missing)
        lines.append(
            f"Ask the emergency questions not asked this time ({names}) at the next visit."
        )
    return lines
