"""The SOAP note draft: the one place a note is written from an intake and a session.

Deterministic: the same intake and events always give the same words, so drafts can be
golden-tested and a signed note's digest means something. No raw ids in the text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from tablework.documents.careplan import CarePlan
from tablework.documents.record import SessionRecord
from tablework.outcomes import is_responder
from tablework.protocols.schema import Exercise, sentence_case
from tablework.screening.answers import Intake
from tablework.session.guidance import Reason
from tablework.session.narrate import describe_event

SECTIONS = ("subjective", "objective", "assessment", "plan")
POSITION_NAMES = {
    "prone": "face down",
    "supine": "face up",
    "side_lying_left": "on the left side",
    "side_lying_right": "on the right side",
}
BLOCKED_LINES = {
    "incomplete": "No hands-on work: emergency screening questions were not asked and no "
    "reason was recorded.",
    "": "No hands-on work: screening advised referral and no clearance was recorded.",
}


@dataclass(frozen=True)
class Previous:
    """The client's previous session, for "change since last time"."""

    pain_before: int | None
    pain_after: int | None


@dataclass(frozen=True)
class Soap:
    """A note in four sections, each a list of sentences."""

    subjective: tuple[str, ...]
    objective: tuple[str, ...]
    assessment: tuple[str, ...]
    plan: tuple[str, ...]

    def as_json(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in SECTIONS}

    def as_text(self) -> str:
        parts = []
        for name in SECTIONS:
            parts.append(name.upper())
            parts.extend(f"- {line}" for line in getattr(self, name))
            parts.append("")
        return "\n".join(parts)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Soap:
        return cls(*(tuple(str(line) for line in data.get(name, [])) for name in SECTIONS))


def draft(
    record: SessionRecord, intake: Intake | None, plan: CarePlan, previous: Previous | None = None
) -> Soap:
    """Draft the note for one session."""
    return Soap(
        subjective=tuple(_subjective(record, intake, previous)),
        objective=tuple(_objective(record)),
        assessment=tuple(_assessment(record)),
        plan=tuple(_plan(record, plan)),
    )


def _subjective(
    record: SessionRecord, intake: Intake | None, previous: Previous | None
) -> list[str]:
    lines = []
    answers = intake.answers if intake else None
    if intake and intake.complaint:
        lines.append(f"Complaint: {intake.complaint}")
    before = record.state.pain_before
    lines.append(f"Pain before the session: {_pain(before)}.")
    if answers and answers.onset_days is not None:
        lines.append(
            f"Onset {_days(answers.onset_days)} ago"
            f"{'; first episode' if answers.first_episode else ''}."
        )
    if intake and intake.aggravating:
        lines.append(f"Worse with: {intake.aggravating}")
    if intake and intake.easing:
        lines.append(f"Eased by: {intake.easing}")
    if answers and answers.psfs:
        items = "; ".join(f"{a.activity} {a.score}/10" for a in answers.psfs)
        mean = sum(a.score for a in answers.psfs) / len(answers.psfs)
        lines.append(f"Activities (PSFS, 0-10): {items}; mean {mean:.1f}.")
    if intake and intake.goals:
        lines.append(f"Goals: {intake.goals}")
    if intake and intake.medication:
        lines.append(f"Medication: {intake.medication}")
    if previous is not None:
        lines.append(_since_last(previous, before))
    return lines


def _since_last(previous: Previous, before: int | None) -> str:
    last = (
        f"last session pain went from {_pain(previous.pain_before)} to {_pain(previous.pain_after)}"
    )
    if before is None or previous.pain_after is None:
        return f"Since last time: {last}."
    direction = (
        "better"
        if before < previous.pain_after
        else "worse"
        if before > previous.pain_after
        else "about the same"
    )
    return f"Since last time: {last}; today starts at {before}/10 ({direction})."


def _objective(record: SessionRecord) -> list[str]:
    protocol = record.protocol
    state = record.state
    lines = []
    screening = record.opening.screening
    if screening:
        lines.append(
            f"Screening: {screening.get('disposition', 'not recorded').replace('_', ' ')}"
            f"{_flag_titles(screening)}."
        )
    if state.blocked:
        lines.append(BLOCKED_LINES.get(state.block_kind or "", BLOCKED_LINES[""]))
    lines.extend(_unasked_line(record))
    lines.extend(_position_lines(record))
    for area in record.areas_in_order():
        lines.append(_area_line(record, area))
    lines.append(_check_in_line(record))
    for check_in in record.check_ins:
        if check_in.pressure == "stop":
            where = f" during work on {protocol.area_name(check_in.area)}" if check_in.area else ""
            lines.append(f"The client asked to stop at {_clock(check_in.at)}{where}; work paused.")
    for stopped in state.stopped:
        name = protocol.area_name(stopped.area).capitalize()
        if stopped.why == "tightening":
            lines.append(
                f"{name} tightened in response to touch at {_clock(stopped.at)}; work there "
                "stopped for the rest of the session (P9)."
            )
        else:
            lines.append(
                f"{name}: pain rose to {stopped.pain}/10 at {_clock(stopped.at)}; work there "
                "stopped for the rest of the session (P2)."
            )
    if state.ending == "pain":
        lines.append(
            "Session ended early: pain kept rising (P2). Advised rest, and a medical review if "
            "it keeps getting worse."
        )
    for at, text in record.notes:
        lines.append(f"Therapist's note at {_clock(at)}: {text}")
    for retraction in record.retractions:
        lines.append(
            f"Recorded by mistake and retracted at {_clock(retraction.at)} (kept in the "
            f"record, left out of this note): {describe_event(retraction.event, protocol)}; "
            f"reason: {retraction.reason}."
        )
    for deviation in state.deviations:
        rules = ", ".join(dict.fromkeys(r.point for r in deviation.rules))
        lines.append(
            f"Protocol deviation ({rules}) at {_clock(deviation.at)}: "
            f"{protocol.technique_name(deviation.technique)} on "
            f"{protocol.area_name(deviation.area)} at level {deviation.level}. "
            f"Reason recorded: {deviation.reason}"
        )
    refused = [
        f"{protocol.technique_name(r.technique)} on {protocol.area_name(r.area)} at level "
        f"{r.level} ({_why(r.reasons[0])})"
        for r in state.refusals
        if r.technique and r.area and r.reasons
    ]
    if refused:
        lines.append(
            "Not done, as the protocol or screening advised against it: "
            f"{'; '.join(dict.fromkeys(refused))}."
        )
    positions = [
        f"{POSITION_NAMES[r.position]} ({_why(r.reasons[0])})"
        for r in state.refusals
        if r.position and r.reasons
    ]
    if positions:
        lines.append(f"Positions not used, as advised: {'; '.join(dict.fromkeys(positions))}.")
    return lines


def _why(reason: Reason) -> str:
    """A refusal's reason for the note: its point (or "screening") and first sentence."""
    point = "screening" if reason.point.startswith("screening") else reason.point
    first = reason.text.split(". ")[0].rstrip(".")
    return f"{point}: {first}"


def _unasked_line(record: SessionRecord) -> list[str]:
    screening = record.opening.screening or {}
    missing = screening.get("emergency_not_asked") or []
    clearance = record.opening.clearance
    if not missing or clearance is None:
        return []
    names = ", ".join(str(n).replace("_", " ") for n in missing)
    return [
        f"Protocol deviation: emergency questions not asked ({names}); reason recorded by "
        f"{clearance.by}: {clearance.note or 'no detail given'}"
    ]


def _position_lines(record: SessionRecord) -> list[str]:
    protocol = record.protocol
    lines = []
    for index, placed in enumerate(record.state.placements):
        supports = ", ".join(protocol.support_name(s) for s in placed.supports) or "no supports"
        verb = "Positioned" if index == 0 else "Repositioned"
        lines.append(
            f"{verb} {POSITION_NAMES[placed.position]} with {supports} at {_clock(placed.at)}."
        )
    if lines and record.state.client_adjusted:
        lines[-1] = lines[-1][:-1] + "; the client adjusted the supports."
    return lines


def _flag_titles(screening: dict[str, Any]) -> str:
    titles = [str(f.get("title")) for f in screening.get("flags", [])]
    return f" ({'; '.join(titles)})" if titles else ""


def _area_line(record: SessionRecord, area: str) -> str:
    protocol = record.protocol
    segments = record.area_segments(area)
    techniques = ", ".join(dict.fromkeys(protocol.technique_name(s.technique) for s in segments))
    levels = sorted({s.level for s in segments})
    level_text = f"level {levels[0]}" if len(levels) == 1 else f"levels {levels[0]}-{levels[-1]}"
    minutes = sum(s.seconds for s in segments) / 60
    duration = "under 1 min" if minutes < 1 else f"{minutes:.0f} min"
    return f"{protocol.area_name(area).capitalize()}: {techniques}, {level_text}, {duration}."


def _check_in_line(record: SessionRecord) -> str:
    answers = Counter(c.pressure for c in record.check_ins if c.pressure is not None)
    pains = [c.pain for c in record.check_ins if c.pain is not None]
    pain_text = f"; pain during work {', '.join(str(p) for p in pains)}/10" if pains else ""
    if not answers:
        return f"No pressure check-ins were recorded{pain_text}."
    tally = ", ".join(
        f"{answers[p]} {p}" for p in ("good", "deeper", "lighter", "stop") if answers[p]
    )
    return f"Pressure check-ins: {answers.total()} ({tally}){pain_text}."


def _assessment(record: SessionRecord) -> list[str]:
    state = record.state
    protocol = record.protocol
    before, after = state.pain_before, state.pain_after
    lines = [f"Pain after the session: {_pain(after)}."]
    responder = is_responder(before, after, protocol.outcomes.responder)
    if responder is None:
        lines.append("Response cannot be judged: pain was not rated both before and after.")
    elif before is not None and after is not None and after > before:
        lines.append(
            f"Adverse response: pain rose from {before}/10 to {after}/10 "
            f"({after - before:+d} points). Reconsider the approach before the next session."
        )
    else:
        rule = protocol.outcomes.responder
        change = (after or 0) - (before or 0)
        verdict = "a meaningful improvement" if responder else "not a meaningful improvement"
        lines.append(
            f"Change {change:+d} points: {verdict} (threshold: a drop of "
            f"{rule.min_drop_points:g} points or {rule.min_drop_percent:g} %)."
        )
    for area in record.areas_in_order():
        lines.append(_area_response(record, area))
    return lines


def _area_response(record: SessionRecord, area: str) -> str:
    name = record.protocol.area_name(area).capitalize()
    closed = record.state.closed(area)
    if closed is not None and closed.why == "tightening":
        return f"{name}: reactive; left alone."
    if closed is not None:
        return f"{name}: pain rose to {closed.pain}/10 during the work; stopped there."
    before = record.state.pain_before
    pains = [c.pain for c in record.check_ins if c.area == area and c.pain is not None]
    if before is not None and any(p > before for p in pains):
        return f"{name}: pain rose above the starting level during the work here."
    answers = [c.pressure for c in record.check_ins if c.area == area]
    if "stop" in answers or "lighter" in answers:
        return f"{name}: sensitive; the client asked for lighter pressure or to stop."
    if answers:
        return f"{name}: tolerated the work well."
    return f"{name}: no check-in recorded during this work."


def _plan(record: SessionRecord, plan: CarePlan) -> list[str]:
    if plan.rest:
        rest = [
            "Advised rest and a medical review if the pain keeps getting worse; no new home "
            "stretches until the response is reviewed.",
            "Contact the client before booking again.",
        ]
    else:
        rest = []
    if plan.referral_only:
        lines = [f"Referral: {line}" for line in plan.referrals]
        lines.append(
            "No further session, home stretches or follow-up booking until the client has "
            "been assessed and cleared."
        )
        return lines
    lines = []
    for item in plan.focus:
        lines.append(f"Session {plan.next_session_index}: {item.title} ({item.why}).")
    if plan.home_care:
        for exercise in plan.home_care:
            lines.append(f"Home care: {sentence_case(exercise.name)}, {dose_text(exercise, plan)}.")
    lines.extend(f"Home care adapted: {line}" for line in plan.adaptations)
    for gap in plan.uncovered:
        lines.append(
            f"Not yet covered at home: {gap.plane} {gap.motion.replace('_', ' ')} ({gap.why})."
        )
    lines.extend(f"Referral: {line}" for line in plan.referrals)
    lines.extend(rest)
    if plan.follow_up_days is not None:
        phase = "while the episode is acute" if plan.acute else "as the back recovers"
        lines.append(
            f"Follow-up in about {plan.follow_up_days} days {phase}; reassess pain and "
            "activities then."
        )
    return lines


def _pain(value: int | None) -> str:
    return "not rated" if value is None else f"{value}/10"


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def dose_text(exercise: Exercise, plan: CarePlan | None = None) -> str:
    """A stretch's dose in plain words (held longer for older adults)."""
    dose = exercise.dose
    hold = plan.hold_seconds(exercise) if plan is not None else dose.hold_seconds
    return (
        f"hold {hold[0]}-{hold[1]} s, "
        f"{dose.repetitions[0]}-{dose.repetitions[1]} times, {dose.frequency}, to mild "
        "tension and never into pain"
    )
