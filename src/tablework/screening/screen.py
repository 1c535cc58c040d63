"""Running a ruleset over intake answers (DESIGN.md section 4).

Every rule whose condition holds raises a flag; the most severe disposition wins; the
modifications of every rule that fired are collected (a cleared referral still keeps its
cautions). A safety question left unanswered is listed in `not_asked`, so an incomplete
screen is never mistaken for a clean one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tablework.conditions import evaluate
from tablework.screening.answers import Answers
from tablework.screening.rules import BLOCKING, DISPOSITIONS, Disposition, Rule, Ruleset


@dataclass(frozen=True)
class Flag:
    """One concern raised by a rule."""

    id: str
    title: str
    severity: Disposition
    advice: str
    source: str
    answers: tuple[str, ...]
    point: str | None = None
    modifications: tuple[str, ...] = ()

    @property
    def cites(self) -> str:
        """What a guidance reason cites for this flag: its protocol point or the flag id."""
        return self.point or f"screening:{self.id}"

    def as_json(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "advice": self.advice,
            "source": self.source,
            "answers": list(self.answers),
            "modifications": list(self.modifications),
        }
        if self.point:
            data["point"] = self.point
        return data


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of screening one intake."""

    ruleset: str
    disposition: Disposition
    flags: tuple[Flag, ...]
    modifications: tuple[str, ...]
    not_asked: tuple[str, ...]
    emergency_not_asked: tuple[str, ...] = ()

    @property
    def blocks_session(self) -> bool:
        """Whether the session may not start without a documented clearance (or, for an
        unasked emergency question, a recorded reason why it could not be asked)."""
        return self.disposition in BLOCKING or bool(self.emergency_not_asked)

    @property
    def complete(self) -> bool:
        return not self.not_asked

    def as_json(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "disposition": self.disposition,
            "flags": [flag.as_json() for flag in self.flags],
            "modifications": list(self.modifications),
            "not_asked": list(self.not_asked),
            "emergency_not_asked": list(self.emergency_not_asked),
        }


def screen(answers: Answers, ruleset: Ruleset) -> ScreeningResult:
    """Screen `answers` with `ruleset`."""
    facts = answers.facts()
    fired = [rule for rule in ruleset.rules if evaluate(rule.when, facts)]
    fired.sort(key=lambda rule: DISPOSITIONS.index(rule.disposition))
    disposition = fired[0].disposition if fired else "proceed"
    modifications = tuple(dict.fromkeys(m for rule in fired for m in rule.modifications))
    asked = answers.asked()
    not_asked = tuple(name for name in ruleset.safety_answers if name not in asked)
    emergency_not_asked = tuple(n for n in ruleset.emergency_answers if n not in asked)
    return ScreeningResult(
        ruleset.id,
        disposition,
        tuple(_flag(r) for r in fired),
        modifications,
        not_asked,
        emergency_not_asked,
    )


def _flag(rule: Rule) -> Flag:
    return Flag(
        rule.id,
        rule.title,
        rule.disposition,
        rule.advice,
        rule.source,
        rule.reads,
        rule.point,
        rule.modifications,
    )
