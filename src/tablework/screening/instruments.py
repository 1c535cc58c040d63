"""Questionnaires a clinic installs itself, such as licensed outcome instruments.

Tablework does not bundle instruments whose wording is licensed (STarT Back, Oswestry,
Roland-Morris; see docs/instruments.md). A clinic that holds a licence writes the
instrument as a YAML file in the folder named by TABLEWORK_INSTRUMENTS_DIR; Tablework
validates it, scores responses with it, and keeps its licence notice beside every use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tablework.conditions import Condition, evaluate
from tablework.datafile import load_model, read_text

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")]


class Item(BaseModel):
    """One question of an instrument, answered on a whole-number scale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    text: Annotated[str, Field(min_length=1)]
    min: int = 0
    max: int = Field(ge=1)


class Score(BaseModel):
    """A named score: the sum or mean of some items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    items: tuple[Slug, ...] = Field(min_length=1)
    method: Literal["sum", "mean"] = "sum"


class Band(BaseModel):
    """A label for a result, chosen by a condition over the scores (first match wins)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, Field(min_length=1)]
    when: Condition


class Instrument(BaseModel):
    """A scored questionnaire installed by the clinic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Annotated[str, Field(min_length=1)]
    licence: Annotated[str, Field(min_length=1)] = Field(
        description="The copyright and licence notice the owner requires to be kept."
    )
    items: tuple[Item, ...] = Field(min_length=1)
    scores: tuple[Score, ...] = Field(min_length=1)
    bands: tuple[Band, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Instrument:
        items = {item.id for item in self.items}
        if len(items) != len(self.items):
            raise ValueError("item ids must be unique")
        for score in self.scores:
            unknown = [i for i in score.items if i not in items]
            if unknown:
                raise ValueError(f"score '{score.id}' names unknown items: {', '.join(unknown)}")
        scores = {score.id for score in self.scores}
        for band in self.bands:
            unknown = [f for f in band.when.facts() if f not in scores]
            if unknown:
                raise ValueError(f"band '{band.label}' reads unknown scores: {', '.join(unknown)}")
        return self


class Result(BaseModel):
    """Scores and band for one set of responses."""

    instrument: str
    scores: dict[str, float]
    band: str | None
    licence: str


def score(instrument: Instrument, responses: dict[str, int]) -> Result:
    """Score complete responses; raise ValueError naming a missing or out-of-range item."""
    for item in instrument.items:
        value = responses.get(item.id)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{instrument.id}: item '{item.id}' needs a whole-number answer")
        if not item.min <= value <= item.max:
            raise ValueError(f"{instrument.id}: item '{item.id}' must be {item.min}-{item.max}")
    values: dict[str, float] = {}
    for definition in instrument.scores:
        total = sum(responses[i] for i in definition.items)
        values[definition.id] = (
            total if definition.method == "sum" else total / len(definition.items)
        )
    band = next((b.label for b in instrument.bands if evaluate(b.when, values)), None)
    return Result(instrument=instrument.id, scores=values, band=band, licence=instrument.licence)


def load_file(path: Path) -> Instrument:
    """Load one instrument file; problems come back as `path:line: message`."""
    instrument, _ = load_model(read_text(path), str(path), Instrument)
    return instrument


def installed(folder: Path | None) -> list[Instrument]:
    """Every instrument in the clinic's folder (none when no folder is configured)."""
    if folder is None:
        return []
    return [load_file(path) for path in sorted(folder.glob("*.yaml"))]
