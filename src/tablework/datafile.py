"""Data files people write (protocols, screening rulesets, instruments): YAML in, a
validated model out, and every problem reported as `path:line: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tablework import inputs
from tablework.marked_yaml import Loc, MarkedDocument, YamlError, parse

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file, at a line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if not self.line:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class DataFileError(Exception):
    """A data file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_text(path: Path) -> str:
    """The file's text, within the input limits; a refused file is reported like an invalid
    one."""
    try:
        return inputs.read_text(path, inputs.MAX_YAML_BYTES)
    except inputs.InputError as error:
        raise _refused(error) from None


def load_model(
    text: bytes | str, path: str, model: type[Model], *, bundled: bool = False
) -> tuple[Model, MarkedDocument]:
    """Parse YAML `text` (a file's text or a request body) and validate it as `model`; keep
    the document for line lookups. `bundled`: a file shipped with Tablework (parsed faster,
    see `marked_yaml.parse`)."""
    try:
        document = parse(inputs.text_of(text, path, inputs.MAX_YAML_BYTES), bundled=bundled)
    except inputs.InputError as error:
        raise _refused(error) from None
    except YamlError as error:
        raise DataFileError([Problem(path, error.line, error.message)]) from None
    if not isinstance(document.data, dict):
        raise DataFileError([Problem(path, 1, "the file must be a YAML mapping")])
    try:
        return model.model_validate(document.data), document
    except ValidationError as error:
        raise DataFileError(_schema_problems(error, document, path)) from None


def raise_problems(
    problems: Iterable[tuple[Loc, str]], document: MarkedDocument, path: str
) -> None:
    """Raise DataFileError for cross-reference problems found after validation, if any."""
    found = [
        Problem(path, document.line_of(loc), f"{dotted(loc)}: {message}")
        for loc, message in problems
    ]
    if found:
        raise DataFileError(found)


def dotted(loc: Loc) -> str:
    """A location as a readable field path: `techniques[3].levels[1]`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _refused(error: inputs.InputError) -> DataFileError:
    return DataFileError([Problem(error.where, error.line, error.message)])


def _schema_problems(error: ValidationError, document: MarkedDocument, path: str) -> list[Problem]:
    details = error.errors(include_url=False)
    locs = [_document_loc(d["loc"]) for d in details]
    problems = []
    for detail, loc in zip(details, locs, strict=True):
        if detail["type"] == "too_short" and _has_deeper(loc, locs):
            continue  # an item of this list failed; its own error says why
        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against the docs)"
        where = dotted(loc)
        problems.append(
            Problem(path, document.line_of(loc), f"{where}: {message}" if where else message)
        )
    return problems


def _has_deeper(loc: Loc, locs: list[Loc]) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)


def _document_loc(loc: tuple[int | str, ...]) -> Loc:
    # Pydantic adds tags such as 'function-after[...]' for validators; they are not keys.
    return tuple(part for part in loc if not (isinstance(part, str) and "[" in part))
