"""The intake questionnaire as data: what to ask, in which order, filling which answer."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tablework.marked_yaml import parse

WORDS_PER_MINUTE = 150
"""A calm reading pace, used to check the questionnaire reads aloud in under 3 minutes."""


class Question(BaseModel):
    """One question, read aloud, filling one answer name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: str
    type: Literal["boolean", "integer", "integer_or_none", "choice"]
    ask: Annotated[str, Field(min_length=1)]
    help: str | None = None
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    questions: tuple[Question, ...]


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    description: str
    ask: str | None = None


class Questionnaire(BaseModel):
    """An intake form: sections of questions, then the baseline measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    ruleset: str
    title: str
    sections: tuple[Section, ...]
    baseline: tuple[Baseline, ...] = ()

    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    def reading_seconds(self) -> float:
        """How long reading every question and baseline prompt aloud takes, roughly."""
        texts = [q.ask for q in self.questions()] + [b.ask for b in self.baseline if b.ask]
        words = sum(len(text.split()) for text in texts)
        return words / WORDS_PER_MINUTE * 60


@cache
def bundled(questionnaire_id: str = "low-back-intake") -> Questionnaire:
    """A questionnaire shipped with Tablework."""
    entry = resources.files("tablework.screening") / "library" / f"{questionnaire_id}.yaml"
    text = entry.read_text(encoding="utf-8")
    return Questionnaire.model_validate(parse(text, bundled=True).data)
