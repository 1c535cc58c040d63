"""The record key: a secret kept outside the database that authenticates the chain.

Whoever can write to the database but not read this file cannot forge a chain link, so
any record they change, add or remove shows up in `note verify` and `db check`. The key is
32 random bytes, hex-encoded in a file readable only by its owner (0600), made on first
use. Every machine that writes to or verifies one database needs the same file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 32


class RecordKeyError(RuntimeError):
    """The key file exists but cannot be used (unreadable, malformed)."""


def load(path: Path) -> bytes:
    """The key in `path`; RecordKeyError if the file is missing or malformed."""
    try:
        if not path.is_file():
            if path.exists():
                raise RecordKeyError(f"the record key at {path} is not a regular file")
            raise FileNotFoundError(path)
        with path.open("rb") as file:
            text = file.read(KEY_BYTES * 2 + 64).decode("ascii").strip()
    except FileNotFoundError:
        raise RecordKeyError(
            f"no record key at {path}: it is made when a record is first written"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RecordKeyError(f"cannot read the record key at {path}: {error}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise RecordKeyError(f"the record key at {path} is not {KEY_BYTES} bytes of hex")
    return key


def load_or_create(path: Path) -> bytes:
    """The key in `path`, made there first (mode 0600) if there is none yet."""
    if not path.exists():
        _create(path)
    return load(path)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(KEY_BYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        # A hard link appears whole or not at all: if two processes race to make the key,
        # one link wins and the other process uses the winner's key.
        os.link(draft, path)
    except FileExistsError:
        pass
    except OSError as error:
        raise RecordKeyError(f"cannot create the record key at {path}: {error.strerror}") from None
    finally:
        draft.unlink(missing_ok=True)
