"""Screening modifications: the machine-readable ids that change how a session may run.

Screening (DESIGN.md section 4) emits strings such as `cap_level:2`,
`disable_technique:posterior-thigh-superior:left` or `avoid_area:sacrum`; this module turns
them into one typed value the engine reads, and rejects anything it does not understand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tablework.protocols.schema import Protocol

FLAGS = ("no_prone", "prefer_side_lying_left", "emphasize_hip_pillow", "clinician_approval_advised")
SIDES = ("left", "right")


@dataclass(frozen=True, slots=True)
class Modifications:
    """What screening changed for this session."""

    ids: tuple[str, ...] = ()
    cap_level: int | None = None
    no_prone: bool = False
    prefer_side_lying_left: bool = False
    emphasize_hip_pillow: bool = False
    clinician_approval_advised: bool = False
    disabled: frozenset[tuple[str, str]] = frozenset()
    avoid_areas: frozenset[str] = frozenset()

    def disables(self, technique: str, area_side: str) -> bool:
        """Whether `technique` is ruled out on this side of the body."""
        return (technique, area_side) in self.disabled


def parse_modifications(ids: Iterable[str], protocol: Protocol) -> Modifications:
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
        prefer_side_lying_left="prefer_side_lying_left" in flags,
        emphasize_hip_pillow="emphasize_hip_pillow" in flags,
        clinician_approval_advised="clinician_approval_advised" in flags,
        disabled=frozenset(disabled),
        avoid_areas=frozenset(avoid),
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
