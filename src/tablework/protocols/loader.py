"""Reading protocol files: parse, validate, check references, and report `path:line: message`."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from tablework.datafile import DataFileError, load_model, raise_problems, read_text
from tablework.protocols.checks import check_protocol
from tablework.protocols.schema import Protocol

ProtocolError = DataFileError
"""A protocol file that cannot be used (the shared data-file error, under its old name)."""


class UnknownProtocolError(LookupError):
    """A protocol id (or id@version) that is not in the library."""


def load_text(text: str, path: str = "<protocol>", *, bundled: bool = False) -> Protocol:
    """Parse and fully check a protocol from YAML text; `path` is used in messages.
    `bundled`: the text ships with Tablework (parsed faster, checked the same)."""
    protocol, document = load_model(text, path, Protocol, bundled=bundled)
    raise_problems(check_protocol(protocol), document, path)
    return protocol


def load_file(path: Path) -> Protocol:
    """Load a protocol file from disk; unreadable files are reported like invalid ones."""
    return load_text(read_text(path), str(path))


@cache
def library() -> tuple[Protocol, ...]:
    """The protocols bundled with Tablework, sorted by id and version (read once)."""
    folder = resources.files("tablework.protocols") / "library"
    protocols = [
        load_text(entry.read_text(encoding="utf-8"), f"library/{entry.name}", bundled=True)
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


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-")[0].split("."))
