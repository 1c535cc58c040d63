"""Signing a note: the canonical form that is hashed, so any later change is detectable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def canonical(
    session_id: str, sections: dict[str, Any], signed_by: str, signed_at: datetime
) -> bytes:
    """The exact bytes a signature covers: sorted keys, no spaces, UTF-8."""
    document = {
        "session_id": session_id,
        "sections": sections,
        "signed_by": signed_by,
        "signed_at": signed_at.astimezone(UTC).isoformat(),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest(session_id: str, sections: dict[str, Any], signed_by: str, signed_at: datetime) -> str:
    """SHA-256 of the canonical note, as hex."""
    return hashlib.sha256(canonical(session_id, sections, signed_by, signed_at)).hexdigest()
