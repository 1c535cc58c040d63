"""Reading protocol files: parse, validate, check references, and report `path:line: message`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from tablework.marked_yaml import Loc, MarkedDocument, YamlError, parse
from tablework.protocols.checks import check_protocol
from tablework.protocols.schema import Protocol


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a protocol file, at a line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ProtocolError(Exception):
    """A protocol file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class UnknownProtocolError(LookupError):
    """A protocol id (or id@version) that is not in the library."""


def load_text(text: str, path: str = "<protocol>") -> Protocol:
    """Parse and fully check a protocol from YAML text; `path` is used in messages."""
    try:
        document = parse(text)
    except YamlError as error:
        raise ProtocolError([Problem(path, error.line, error.message)]) from None
    if not isinstance(document.data, dict):
        raise ProtocolError([Problem(path, 1, "a protocol file must be a YAML mapping")])
    try:
        protocol = Protocol.model_validate(document.data)
    except ValidationError as error:
        raise ProtocolError(_schema_problems(error, document, path)) from None
    problems = check_protocol(protocol)
    if problems:
        raise ProtocolError(
            [
                Problem(path, document.line_of(loc), f"{_dotted(loc)}: {msg}")
                for loc, msg in problems
            ]
        )
    return protocol


def load_file(path: Path) -> Protocol:
    """Load a protocol file from disk; unreadable files are reported like invalid ones."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ProtocolError([Problem(str(path), 0, f"cannot read file: {reason}")]) from None
    return load_text(text, str(path))


@cache
def library() -> tuple[Protocol, ...]:
    """The protocols bundled with Tablework, sorted by id and version (read once)."""
    folder = resources.files("tablework.protocols") / "library"
    protocols = [
        load_text(entry.read_text(encoding="utf-8"), f"library/{entry.name}")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    ]
    return tuple(sorted(protocols, key=lambda p: (p.id, _version_key(p.version))))


def get(ref: str) -> Protocol:
    """A bundled protocol by `id` (newest active version) or by exact `id@version`."""
    protocol_id, _, version = ref.partition("@")
    candidates = [p for p in library() if p.id == protocol_id]
    if version:
        candidates = [p for p in candidates if p.version == version]
    elif any(p.status == "active" for p in candidates):
        candidates = [p for p in candidates if p.status == "active"]
    if not candidates:
        known = ", ".join(sorted({p.ref for p in library()})) or "none"
        raise UnknownProtocolError(f"unknown protocol '{ref}' (known: {known})")
    return candidates[-1]


def _schema_problems(error: ValidationError, document: MarkedDocument, path: str) -> list[Problem]:
    details = error.errors(include_url=False)
    locs = [_document_loc(d["loc"]) for d in details]
    problems = []
    for detail, loc in zip(details, locs, strict=True):
        if detail["type"] == "too_short" and _has_deeper(loc, locs):
            continue  # an item of this list failed; its own error says why

        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against docs/protocols.md)"
        where = _dotted(loc)
        problems.append(
            Problem(path, document.line_of(loc), f"{where}: {message}" if where else message)
        )
    return problems


def _has_deeper(loc: Loc, locs: list[Loc]) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)


def _document_loc(loc: tuple[int | str, ...]) -> Loc:
    # Pydantic adds tags such as 'function-after[...]' for validators; they are not keys.
    return tuple(part for part in loc if not (isinstance(part, str) and "[" in part))


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-")[0].split("."))
