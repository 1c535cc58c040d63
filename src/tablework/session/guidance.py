"""What the engine tells the therapist after each event: one action, with cited reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Action = Literal[
    "position_client",
    "adjust_supports",
    "begin",
    "continue",
    "check_in_now",
    "increase_level",
    "decrease_level",
    "stop_area",
    "move_to_area",
    "refused",
    "pause",
    "end_session",
]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the engine says something: a protocol point (e.g. P9) or a screening flag."""

    point: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"point": self.point, "text": self.text}


@dataclass(frozen=True, slots=True)
class Guidance:
    """The next thing to do, where, how, and why."""

    action: Action
    prompt: str
    area: str | None = None
    technique: str | None = None
    level: int | None = None
    position: str | None = None
    supports: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    check_in_due_at: float | None = None
    overridable: bool = False

    def as_json(self) -> dict[str, Any]:
        """The guidance as JSON-ready data (DESIGN.md section 5), empty fields left out."""
        data: dict[str, Any] = {"action": self.action, "prompt": self.prompt}
        for name in ("area", "technique", "level", "position"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.supports:
            data["supports"] = list(self.supports)
        data["reasons"] = [r.as_json() for r in self.reasons]
        data["check_in_due_at"] = (
            None if self.check_in_due_at is None else seconds_json(self.check_in_due_at)
        )
        if self.action == "refused":
            data["overridable"] = self.overridable
        return data


def seconds_json(value: float) -> float | int:
    """Session seconds for JSON: whole numbers without a trailing .0."""
    return int(value) if float(value).is_integer() else round(value, 3)
