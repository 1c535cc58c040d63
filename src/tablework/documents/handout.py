"""The client's handout, in plain words: what to do at home, or where to go instead.

Written from the care plan, so it follows the screening (CLINICAL.md 11): after a referral
nobody cleared it says where to go and why, with no stretches and no next visit; otherwise
it gives the stretches with their dose and names every way they were adapted.
"""

from __future__ import annotations

from dataclasses import dataclass

from tablework.documents.careplan import CarePlan
from tablework.documents.soap import dose_text

WHEN_TO_SEEK_HELP = (
    "Go to an emergency department straight away if you notice: new trouble passing urine "
    "or leaking, loss of bowel control, numbness between the legs or around the back "
    "passage, or weakness or numbness spreading to both legs.",
    "Get a medical check the same day if a calf or thigh becomes newly painful, swollen, "
    "warm or red.",
    "See a doctor soon if you develop a fever, feel generally unwell, lose weight without "
    "trying, the pain is bad all night, or things are not improving after a few weeks.",
)
UNTIL_THEN = {
    "emergency": ("No massage and no home stretches until a doctor has seen you.",),
    "urgent_referral": ("No massage and no home stretches until a doctor has seen you.",),
    "no_session_today": ("No massage today: please rebook once this has passed.",),
    "incomplete": ("We need to finish your safety questions before any treatment.",),
}
WHAT_TO_AVOID = (
    "Do not push any stretch into pain: mild tension is enough.",
    "No bouncing; move slowly into each position and breathe out as you hold it.",
    "Keep gently moving during the day; long spells in bed tend to slow recovery.",
)


@dataclass(frozen=True)
class Item:
    """One entry of a section: a bold title (may be empty) and its lines."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Handout:
    title: str
    sections: tuple[Section, ...]

    def as_text(self) -> str:
        parts = [self.title, ""]
        for section in self.sections:
            parts.append(section.heading.upper())
            for item in section.items:
                if item.title:
                    parts.append(item.title)
                parts.extend(item.lines)
            parts.append("")
        return "\n".join(parts)


def compose(plan: CarePlan, blocked_by: str | None = None) -> Handout:
    """The handout that goes with `plan`; `blocked_by` is what stopped the session, if
    anything (a disposition, or "incomplete")."""
    if plan.referral_only:
        title = (
            "This treatment does not cover your problem"
            if blocked_by == "out_of_scope"
            else "Please get checked before any more treatment"
        )
        return Handout(title, _referral(plan, blocked_by))
    return Handout("Your back: what to do at home", _home_care(plan))


def _referral(plan: CarePlan, blocked_by: str | None) -> tuple[Section, ...]:
    where = tuple(Item("", (line,)) for line in plan.referrals) or (
        Item("", ("Please see a doctor before any more treatment.",)),
    )
    sections = [Section("Where to go, and why", where)]
    until = UNTIL_THEN.get(blocked_by or "emergency")
    if until:
        sections.append(Section("Until then", (Item("", (*until, "Bring this sheet with you.")),)))
    sections.append(Section("When to get help", (Item("", WHEN_TO_SEEK_HELP),)))
    return tuple(sections)


def _home_care(plan: CarePlan) -> tuple[Section, ...]:
    stretches = [
        Item(
            exercise.name,
            tuple(
                line
                for line in (
                    exercise.instructions,
                    f"How much: {dose_text(exercise, plan)}.",
                    f"Take care: {exercise.caution}" if exercise.caution else "",
                )
                if line
            ),
        )
        for exercise in plan.home_care
    ] or [Item("", ("No stretches yet: rest comfortably and keep gently moving.",))]
    sections = []
    if plan.rest:
        sections.append(
            Section(
                "After today's session",
                (
                    Item(
                        "",
                        (
                            (
                                "Your pain was higher at the end of the session than at the start."
                                if plan.adverse
                                else "Your pain rose during the session, so we stopped early."
                            )
                            + " Rest today and keep gently moving; no new stretches for now.",
                            "See a doctor if it keeps getting worse, or at once if you notice "
                            "any of the signs under 'When to get help'.",
                        ),
                    ),
                ),
            )
        )
    else:
        sections.append(Section("Your stretches", tuple(stretches)))
    if plan.adaptations:
        sections.append(Section("Chosen for you", (Item("", tuple(plan.adaptations)),)))
    sections.append(Section("What to avoid", (Item("", WHAT_TO_AVOID),)))
    sections.append(Section("When to get help", (Item("", WHEN_TO_SEEK_HELP),)))
    if plan.clinician_approval:
        sections.append(
            Section(
                "Before your next visit",
                (
                    Item(
                        "",
                        (
                            "Please ask your midwife, doctor or surgeon to confirm massage is "
                            "fine for you.",
                        ),
                    ),
                ),
            )
        )
    if plan.follow_up_days is not None:
        next_visit = f"We suggest coming back in about {plan.follow_up_days} days."
    else:
        next_visit = "Please contact us before booking again, so we can review how you are."
    sections.append(Section("Next visit", (Item("", (next_visit,)),)))
    return tuple(sections)
