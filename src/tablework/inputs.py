"""The one reader for input people hand us: files on disk now, HTTP bodies later.

Everything Tablework reads from outside (session scripts, intakes, note sections, protocol,
ruleset and instrument files) passes through here before any parser sees it, so a hostile
file is refused in one place, quickly, with one line saying why: too big, not a regular
file, not UTF-8, a NUL byte, nested too deep, or a number that is not finite or out of
range. YAML structure (anchors, aliases, value count) is checked in `marked_yaml`.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

MAX_INPUT_BYTES = 5 * 1024 * 1024
"""The largest file or body accepted (5 MiB); real protocols and scripts are a few KiB."""

MAX_NESTING = 64
"""The deepest nesting of lists and mappings accepted; real files stay under 10."""

MAX_INTEGER = 2**53 - 1
"""The largest integer magnitude accepted: every JSON reader, and both databases, agree on it."""

MAX_YAML_BYTES = 1024 * 1024
"""The largest YAML file accepted (1 MiB, 50 times the bundled protocol): YAML is parsed in
pure Python, about a second per MiB, so it gets a tighter limit than JSON."""

MAX_YAML_VALUES = 20_000
"""The most keys and values a YAML document may hold, an alias counting each time it is
used (the bundled protocol holds about 1,300; a "billion laughs" file would hold 10^9)."""

HALF_A_CHARACTER = "not valid UTF-8 text (an escape names half a character)"
_MAX_NUMBER_CHARS = 40
_Number = TypeVar("_Number", int, float)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_BRACKET_OR_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]')


class InputError(ValueError):
    """Input refused before use; `str()` is one line: `where[:line]: why`."""

    def __init__(self, where: str, message: str, line: int = 0) -> None:
        super().__init__(f"{where}:{line}: {message}" if line else f"{where}: {message}")
        self.where = where
        self.line = line
        self.message = message


def read_file(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is refused."""
    where = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        reason = error.strerror if isinstance(error, OSError) else None
        raise InputError(where, f"cannot read file: {reason or error}") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(where, f"not a regular file ({_kind(status.st_mode)})")
        if status.st_size > limit:
            raise InputError(where, f"too large (the limit is {_size(limit)})")
        data = _read_at_most(fd, limit + 1)
    except OSError as error:
        raise InputError(where, f"cannot read file: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(where, f"too large (the limit is {_size(limit)})")
    return data


def text_of(data: bytes | str, where: str, limit: int = MAX_INPUT_BYTES) -> str:
    """`data` as text: at most `limit` bytes (characters for str), UTF-8, no NUL byte."""
    if len(data) > limit:
        raise InputError(where, f"too large (the limit is {_size(limit)})")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise InputError(where, "not valid UTF-8 text", line) from None
    else:
        text = data
        if _has_surrogate(text):
            raise InputError(where, "not valid UTF-8 text")
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(where, "contains a NUL byte", text.count("\n", 0, nul) + 1)
    return text


def load_json(data: bytes | str, where: str = "<input>") -> Any:
    """Parsed JSON from a file's bytes or a body, within every limit above."""
    text = text_of(data, where)
    _check_json_nesting(text, where)
    try:
        parsed = json.loads(
            text,
            parse_int=lambda digits: _json_int(digits, where),
            parse_float=lambda digits: _json_float(digits, where),
            parse_constant=lambda name: _refuse(where, f"{name} is not a number JSON allows"),
            object_pairs_hook=lambda pairs: _unique_keys(pairs, where),
        )
    except json.JSONDecodeError as error:
        raise InputError(where, f"malformed JSON: {error.msg}", error.lineno) from None
    if _SURROGATE_ESCAPE.search(text) and _holds_surrogate(parsed):
        raise InputError(where, HALF_A_CHARACTER)
    if _CONTROL.search(text) or "\\u" in text:
        problem = _control_in(parsed)
        if problem:
            raise InputError(where, problem)
    return parsed


def _unique_keys(pairs: list[tuple[str, Any]], where: str) -> dict[str, Any]:
    # A repeated key would silently keep the last value: "cancer_history": true, then false.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InputError(where, f"duplicate key {key!r}")
        found[key] = value
    return found


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters no text we store may hold: control codes (tab and newlines are fine) and
the bidirectional overrides that make a name read differently from what it holds."""


def control_problem(text: str) -> str | None:
    """Why `text` cannot be stored as written (a control character), or None."""
    found = _CONTROL.search(text)
    return None if found is None else f"text holds a control character (U+{ord(found.group()):04X})"


def _control_in(data: Any) -> str | None:
    return next(filter(None, map(control_problem, _strings(data))), None)


def _strings(data: Any) -> Iterator[str]:
    """Every string in parsed JSON, keys included. Walked with a stack: nesting is already
    bounded, but cheaply."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def read_json(path: Path) -> Any:
    """Parsed JSON from the file at `path` (see `read_file` and `load_json`)."""
    return load_json(read_file(path), str(path))


def read_text(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The text of the file at `path` (see `read_file` and `text_of`)."""
    return text_of(read_file(path, limit), str(path), limit)


def value_problem(value: object) -> str | None:
    """Why a parsed scalar is not one we accept (a number out of range, text with half a
    character), or None if it is fine."""
    if isinstance(value, str):
        return HALF_A_CHARACTER if _has_surrogate(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "numbers must be finite"
    if isinstance(value, int | float) and abs(value) > MAX_INTEGER:
        return f"number out of range (at most {MAX_INTEGER} either side of zero)"
    return None


def check_argument(value: str, name: str) -> str:
    """A command-line argument that must be UTF-8 (Python hides bad bytes as surrogates)
    and hold no control characters."""
    if _has_surrogate(value):
        raise InputError(name, "not valid UTF-8 text")
    problem = control_problem(value)
    if problem:
        raise InputError(name, problem)
    return value


def _read_at_most(fd: int, size: int) -> bytes:
    # A file can grow after fstat (or be a /proc file that reports 0 bytes): never read more.
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(fd, min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _check_json_nesting(text: str, where: str) -> None:
    # json.loads recurses once per level and dies with RecursionError far below what a
    # hostile file can reach, so count brackets outside strings first, without recursion.
    depth = 0
    for match in _BRACKET_OR_STRING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(where, f"nested deeper than {MAX_NESTING} levels", line)
        elif token in "]}":
            depth -= 1


def _json_int(digits: str, where: str) -> int:
    # int() of a long digit string takes quadratic time (and fails past 4300 digits).
    if len(digits) > _MAX_NUMBER_CHARS:
        _refuse(where, f"number out of range (at most {MAX_INTEGER} either side of zero)")
    return _checked(int(digits), where)


def _json_float(digits: str, where: str) -> float:
    return _checked(float(digits), where)


def _checked(value: _Number, where: str) -> _Number:
    problem = value_problem(value)
    if problem:
        _refuse(where, problem)
    return value


def _refuse(where: str, message: str) -> NoReturn:
    raise InputError(where, message)


def _holds_surrogate(data: Any) -> bool:
    # A valid pair (an emoji) decodes to one character; a lone half stays a surrogate that
    # no database can store.
    return any(map(_has_surrogate, _strings(data)))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
