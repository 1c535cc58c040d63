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
    "See a doctor soon if you develop a fever, feel generally unwell, lose weight without "
    "trying, the pain is bad all night, or things are not improving after a few weeks.",
)
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


def compose(plan: CarePlan) -> Handout:
    """The handout that goes with `plan`."""
    if plan.referral_only:
        return Handout("Please get checked before any more treatment", _referral(plan))
    return Handout("Your back: what to do at home", _home_care(plan))


def _referral(plan: CarePlan) -> tuple[Section, ...]:
    where = tuple(Item("", (line,)) for line in plan.referrals) or (
        Item("", ("Please see a doctor before any more treatment.",)),
    )
    return (
        Section("Where to go, and why", where),
        Section(
            "Until then",
            (
                Item(
                    "",
                    (
                        "No massage and no home stretches until a doctor has seen you.",
                        "Bring this sheet with you.",
                    ),
                ),
            ),
        ),
        Section("When to get help", (Item("", WHEN_TO_SEEK_HELP),)),
    )


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
    sections = [Section("Your stretches", tuple(stretches))]
    if plan.adaptations:
        sections.append(Section("Chosen for you", (Item("", tuple(plan.adaptations)),)))
    sections.append(Section("What to avoid", (Item("", WHAT_TO_AVOID),)))
    sections.append(Section("When to get help", (Item("", WHEN_TO_SEEK_HELP),)))
    if plan.follow_up_days is not None:
        sections.append(
            Section(
                "Next visit",
                (Item("", (f"We suggest coming back in about {plan.follow_up_days} days.",)),),
            )
        )
    return tuple(sections)
