"""Stable `urn:uuid` names for the resources of a Bundle: exporting twice gives the same ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

NAMESPACE = uuid.UUID("6f1b1f4e-6c84-4bde-9a55-5f0c2d6a1b7e")

Resource = tuple[str, dict[str, Any]]
"""A Bundle entry: its fullUrl and the resource as JSON-ready data."""


def urn(*parts: str) -> str:
    """A stable urn:uuid for the resource named by `parts`."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, '/'.join(parts))}"


def instant(moment: datetime) -> str:
    """A stored (UTC) time as FHIR writes it: ISO 8601 with `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def pruned(value: Any) -> Any:
    """`value` without empty lists, objects or strings anywhere inside (FHIR forbids them)."""
    if isinstance(value, dict):
        return {key: kept for key, item in value.items() if (kept := _kept(item)) is not _GONE}
    if isinstance(value, list):
        return [kept for item in value if (kept := _kept(item)) is not _GONE]
    return value


_GONE = object()


def _kept(item: Any) -> Any:
    """`item` pruned, or _GONE if nothing of it is left (None, "", [] or {})."""
    if isinstance(item, (dict, list)):
        item = pruned(item)
        return item if item else _GONE
    return _GONE if item is None or item == "" else item
