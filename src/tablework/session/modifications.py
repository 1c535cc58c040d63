"""Screening modifications: the machine-readable ids that change how a session may run.

Screening (DESIGN.md section 4) emits strings such as `cap_level:2`,
`disable_technique:posterior-thigh-superior:left` or `avoid_area:sacrum`; this module turns
them into one typed value the engine reads, and rejects anything it does not understand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tablework.protocols.schema import Protocol, sentence_case

FLAGS = (
    "no_prone",
    "no_supine",
    "prefer_side_lying_left",
    "emphasize_hip_pillow",
    "clinician_approval_advised",
    "no_loaded_flexion",
    "older_adult",
)
SIDES = ("left", "right")


@dataclass(frozen=True, slots=True)
class Modifications:
    """What screening changed for this session."""

    ids: tuple[str, ...] = ()
    cap_level: int | None = None
    no_prone: bool = False
    no_supine: bool = False
    no_loaded_flexion: bool = False
    prefer_side_lying_left: bool = False
    emphasize_hip_pillow: bool = False
    clinician_approval_advised: bool = False
    disabled: frozenset[tuple[str, str]] = frozenset()
    avoid_areas: frozenset[str] = frozenset()
    causes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For each modification id, the screening flags (titles) that asked for it."""

    def disables(self, technique: str, area_side: str) -> bool:
        """Whether `technique` is ruled out on this side of the body."""
        return (technique, area_side) in self.disabled

    def because(self, modification: str) -> str:
        """Why screening asked for `modification`, in words ("" when not recorded)."""
        return "; ".join(self.causes.get(modification, ()))

    def cap_cause(self) -> str:
        """The modification id that sets the level cap (the lowest one)."""
        return f"cap_level:{self.cap_level}"


def causes_from(screening: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """Modification id -> titles of the screening flags that asked for it."""
    found: dict[str, list[str]] = {}
    for flag in (screening or {}).get("flags", []):
        if not isinstance(flag, Mapping):
            continue
        for modification in flag.get("modifications", []) or []:
            title = sentence_case(str(flag.get("title") or flag.get("id") or "screening"))
            found.setdefault(str(modification), []).append(title)
    return {key: tuple(dict.fromkeys(titles)) for key, titles in found.items()}


def limit_text(modification: str, protocol: Protocol) -> str | None:
    """A screening limit as the therapist says it, e.g. "Level capped at 2"; None if silent."""
    name, _, rest = modification.partition(":")
    if name == "cap_level":
        return f"Level capped at {rest}"
    if name == "avoid_area":
        return f"No work on {protocol.area_name(rest)}"
    if name == "disable_technique":
        technique, _, side = rest.rpartition(":")
        where = "either side" if side == "both" else f"the {side} side"
        return f"No {protocol.technique_name(technique)} on {where}"
    return {
        "no_prone": "No lying face down",
        "no_supine": "No lying face up",
        "prefer_side_lying_left": "Left side-lying preferred",
        "clinician_approval_advised": "Clinician approval advised",
        "no_loaded_flexion": "No loaded spinal flexion in home stretches",
        "older_adult": "Longer, gentler stretch holds at home",
    }.get(name)


def parse_modifications(
    ids: Iterable[str], protocol: Protocol, screening: Mapping[str, Any] | None = None
) -> Modifications:
    """Read modification ids against the protocol; raise ValueError naming a bad one."""
    ids = tuple(dict.fromkeys(ids))
    caps: list[int] = []
    flags: set[str] = set()
    disabled: set[tuple[str, str]] = set()
    avoid: set[str] = set()
    for item in ids:
        name, _, rest = item.partition(":")
        if name in FLAGS and not rest:
            flags.add(name)
        elif name == "cap_level" and rest.isdigit() and 0 <= int(rest) <= 5:
            caps.append(int(rest))
        elif name == "disable_technique":
            disabled |= _disable(item, rest, protocol)
        elif name == "avoid_area" and protocol.area(rest) is not None:
            avoid.add(rest)
        else:
            raise ValueError(f"unknown or malformed modification '{item}'")
    return Modifications(
        ids=ids,
        cap_level=min(caps) if caps else None,
        no_prone="no_prone" in flags,
        no_supine="no_supine" in flags,
        no_loaded_flexion="no_loaded_flexion" in flags,
        prefer_side_lying_left="prefer_side_lying_left" in flags,
        emphasize_hip_pillow="emphasize_hip_pillow" in flags,
        clinician_approval_advised="clinician_approval_advised" in flags,
        disabled=frozenset(disabled),
        avoid_areas=frozenset(avoid),
        causes=causes_from(screening),
    )


def _disable(item: str, rest: str, protocol: Protocol) -> set[tuple[str, str]]:
    technique, _, side = rest.rpartition(":")
    if protocol.technique(technique) is None:
        raise ValueError(f"modification '{item}' names unknown technique '{technique}'")
    if side == "both":
        return {(technique, s) for s in SIDES}
    if side in SIDES:
        return {(technique, side)}
    raise ValueError(f"modification '{item}' needs a side: left, right or both")
