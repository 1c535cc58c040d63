"""Stable `urn:uuid` names for the resources of a Bundle: exporting twice gives the same ids."""

from __future__ import annotations

import uuid
from typing import Any

NAMESPACE = uuid.UUID("6f1b1f4e-6c84-4bde-9a55-5f0c2d6a1b7e")

Resource = tuple[str, dict[str, Any]]
"""A Bundle entry: its fullUrl and the resource as JSON-ready data."""


def urn(*parts: str) -> str:
    """A stable urn:uuid for the resource named by `parts`."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, '/'.join(parts))}"
