"""Screening rulesets as data: each rule reads answers, tests a condition and says what follows.

A ruleset file is validated like a protocol (`path:line: message`): unknown answer names,
a condition reading an answer the rule does not declare, duplicate ids and malformed
modifications are all errors.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tablework.conditions import Condition
from tablework.datafile import load_model, raise_problems
from tablework.marked_yaml import Loc
from tablework.screening.answers import ANSWER_NAMES

RULESET_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""The shape of a ruleset id: a slug naming a file of the bundled library."""

Disposition = Literal[
    "emergency", "urgent_referral", "no_session_today", "out_of_scope", "modify", "proceed"
]
DISPOSITIONS: tuple[Disposition, ...] = (
    "emergency",
    "urgent_referral",
    "no_session_today",
    "out_of_scope",
    "modify",
    "proceed",
)
"""Most severe first: the most severe disposition that applies wins."""

BLOCKING: tuple[Disposition, ...] = (
    "emergency",
    "urgent_referral",
    "no_session_today",
    "out_of_scope",
)
MODIFICATION = re.compile(
    r"^(cap_level:[0-5]|no_prone|no_supine|prefer_side_lying_left|clinician_approval_advised"
    r"|emphasize_hip_pillow|no_loaded_flexion|older_adult|avoid_area:[a-z0-9-]+|disable_technique:[a-z0-9-]+:(left|right|both))$"
)
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")]
Text = Annotated[str, Field(min_length=1)]


class Rule(BaseModel):
    """One screening rule: when its condition holds, it flags and maybe modifies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug = Field(description="Unique id, used as the flag id.")
    title: Text = Field(description="Short name of the concern, for the therapist.")
    reads: tuple[str, ...] = Field(min_length=1, description="Answer names the rule reads.")
    when: Condition = Field(description="Condition over the answers.")
    disposition: Literal[
        "emergency", "urgent_referral", "no_session_today", "out_of_scope", "modify"
    ] = Field(description="What the rule means for today.")
    modifications: tuple[str, ...] = Field(default=(), description="Session modifications.")
    advice: Text = Field(description="Plain advice the therapist can read to the client.")
    source: Text = Field(description="Where the rule comes from (CLINICAL.md section, guideline).")
    safety: bool = Field(
        default=True, description="Its answers must be asked for a complete screen."
    )
    point: str | None = Field(default=None, description="Protocol point it encodes, e.g. P1.")


class Ruleset(BaseModel):
    """A named set of screening rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    version: Text
    title: Text
    rules: tuple[Rule, ...] = Field(min_length=1)

    @property
    def safety_answers(self) -> tuple[str, ...]:
        """Answers a complete screen must have, in rule order."""
        names = [name for rule in self.rules if rule.safety for name in rule.reads]
        return tuple(dict.fromkeys(names))

    @property
    def emergency_answers(self) -> tuple[str, ...]:
        """Answers read by emergency rules: a session may not start while one is unasked."""
        names = [
            name for rule in self.rules if rule.disposition == "emergency" for name in rule.reads
        ]
        return tuple(dict.fromkeys(names))


def load_text(text: str, path: str, *, bundled: bool = False) -> Ruleset:
    """Parse and check a ruleset; raise DataFileError with `path:line: message` problems.
    `bundled`: the text ships with Tablework (parsed faster, checked the same)."""
    ruleset, document = load_model(text, path, Ruleset, bundled=bundled)
    raise_problems(_check(ruleset), document, path)
    return ruleset


@cache
def bundled(ruleset_id: str) -> Ruleset:
    """A ruleset shipped with Tablework, by id (the file name without .yaml)."""
    folder = resources.files("tablework.screening") / "library"
    entry = folder / f"{ruleset_id}.yaml"
    # An id is a slug, never a path: `../..` must not reach a file outside the library.
    if not RULESET_ID.fullmatch(ruleset_id) or not entry.is_file():
        raise LookupError(f"unknown screening ruleset {ruleset_id!r}")
    text = entry.read_text(encoding="utf-8")
    return load_text(text, f"screening/{ruleset_id}.yaml", bundled=True)


def _check(ruleset: Ruleset) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    seen: set[str] = set()
    for i, rule in enumerate(ruleset.rules):
        if rule.id in seen:
            problems.append((("rules", i, "id"), f"duplicate rule id '{rule.id}'"))
        seen.add(rule.id)
        for j, name in enumerate(rule.reads):
            if name not in ANSWER_NAMES:
                problems.append((("rules", i, "reads", j), f"unknown answer name '{name}'"))
        for fact in rule.when.facts():
            if fact not in rule.reads:
                problems.append(
                    (
                        ("rules", i, "when"),
                        f"condition reads '{fact}', which the rule does not list in 'reads'",
                    )
                )
        for j, modification in enumerate(rule.modifications):
            if not MODIFICATION.match(modification):
                problems.append(
                    (("rules", i, "modifications", j), f"malformed modification '{modification}'")
                )
    return problems
