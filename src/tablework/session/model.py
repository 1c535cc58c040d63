"""What the engine knows about a session at one moment: the `State` and its parts.

Plain data with the questions that only read it (is the session blocked, which areas are
still open, what is the level cap). Deciding whether work is allowed lives in `admission`,
folding events in `state`, advising in `engine`; each imports this module, never the other
way round.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tablework.protocols.schema import Phase, Protocol
from tablework.session.events import Clearance, History
from tablework.session.guidance import Reason
from tablework.session.modifications import Modifications
from tablework.session.plan import DayPlan, PlannedPhase

BLOCKING_DISPOSITIONS = ("emergency", "urgent_referral", "no_session_today", "out_of_scope")
ACCEPTING = ("good", "deeper")
"""Check-in answers that mean the client accepts the pressure."""

T = TypeVar("T")


class Log(Generic[T]):
    """An append-only sequence that successive states share.

    Appending costs O(1) however long the session, and an older state keeps seeing only
    the items it had: a state that is appended to after a newer one was made from it copies
    its own prefix first.
    """

    __slots__ = ("_items", "_size")

    def __init__(self, items: list[T] | None = None, size: int = 0) -> None:
        self._items: list[T] = items if items is not None else []
        self._size = size

    def append(self, item: T) -> Log[T]:
        items = self._items if len(self._items) == self._size else self._items[: self._size]
        items.append(item)
        return Log(items, self._size + 1)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items[: self._size])

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def __getitem__(self, index: int) -> T:
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("Log index out of range")
        return self._items[index]

    def last(self) -> T | None:
        return self._items[self._size - 1] if self._size else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Log) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Log({list(self)!r})"


@dataclass(frozen=True, slots=True)
class Work:
    """Hands-on work in progress."""

    area: str
    technique: str
    level: int
    overridden: bool = False
    """Started against a protocol rule with a recorded reason: never built up from."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Work or positioning the protocol or screening does not allow, and why."""

    at: float
    reasons: tuple[Reason, ...]
    overridable: bool
    area: str | None = None
    technique: str | None = None
    level: int | None = None
    position: str | None = None
    seq: int = 0
    """The stored seq of the refused event (set by the fold)."""


@dataclass(frozen=True, slots=True)
class Deviation:
    """Work done against a protocol rule, with the therapist's recorded reason."""

    at: float
    area: str
    technique: str
    level: int
    reason: str
    rules: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one area has come today: contact time and check-ins that accepted it."""

    contact: float = 0
    accepted: int = 0


@dataclass(frozen=True, slots=True)
class Stopped:
    """An area closed for the rest of the session, when and why."""

    area: str
    at: float
    why: str  # "tightening" (P9) or "pain" (P2)
    pain: int | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """A position the client was placed in, for the record."""

    at: float
    position: str
    supports: tuple[str, ...]


@dataclass
class State:
    """Everything the engine knows about a session at one moment. Treat as read-only."""

    protocol: Protocol = field(repr=False)
    session_index: int
    modifications: Modifications
    screening: dict[str, Any] | None
    clearance: Clearance | None
    pain_before: int | None
    history: History = field(default_factory=History)
    check_in_seconds: int | None = None
    """The clinic's interval, as session_started recorded it; None: the protocol's."""
    plan: DayPlan = field(default_factory=lambda: DayPlan(()), repr=False)
    last_at: float = 0
    last_event: str = "session_started"
    ended: bool = False
    pain_after: int | None = None
    position: str | None = None
    supports: frozenset[str] = frozenset()
    client_adjusted: bool = False
    placements: Log[Placement] = field(default_factory=Log)
    work: Work | None = None
    last_area: str | None = None
    worked_before: bool = False
    last_level: int | None = None
    max_level: int | None = None
    accepted_level: int | None = None
    lighter: tuple[str, int] | None = None
    """After "lighter" at level L on an area: (area, L-1) until the escalation rule is met
    afresh there (CLINICAL.md 9)."""

    def lighter_ceiling(self, area: str) -> int | None:
        """The level a "lighter" answer set for `area`, while it stands."""
        if self.lighter is not None and self.lighter[0] == area:
            return self.lighter[1]
        return None

    contact_seconds: float = 0
    contact_at_level: float = 0
    contact_since_check_in: float = 0
    change_check_in_due: float | None = None
    good_streak: int = 0
    signal: str | None = None
    last_pain: int | None = None
    check_ins: int = 0
    paused: str | None = None
    """Hands off until the client answers again: "stop" or "pain" (CLINICAL.md 9)."""
    pause_area: str | None = None
    pain_rises: int = 0
    ending: str | None = None
    """Why the session should end early ("pain"), or None."""
    stopped: tuple[Stopped, ...] = ()
    area_caps: Mapping[str, int] = field(default_factory=dict)
    progress: Mapping[str, Progress] = field(default_factory=dict)
    settled: frozenset[str] = frozenset()
    areas_worked: tuple[str, ...] = ()
    refusal: Refusal | None = None
    refusals: Log[Refusal] = field(default_factory=Log)
    deviations: Log[Deviation] = field(default_factory=Log)
    phase_index: int = 0
    phase_started_at: float = 0
    contact_in_phase: float = 0
    good_in_phase: int = 0
    areas_in_phase: frozenset[str] = field(default_factory=frozenset)
    seq: int = 1
    """How many events are folded in: the stored seq of the last one."""
    before_last: State | None = field(default=None, repr=False, compare=False)
    """The state before the last event, while that event may still be retracted (one step
    only: its own `before_last` is None)."""

    @property
    def blocked(self) -> bool:
        """Screening said not to treat today (or left an emergency question unasked) and
        nobody recorded a clearance."""
        return self.clearance is None and bool(self.block_kind)

    @property
    def block_kind(self) -> str | None:
        """The disposition that blocks the session, "incomplete", or None."""
        screening = self.screening or {}
        disposition = screening.get("disposition")
        if disposition in BLOCKING_DISPOSITIONS:
            return str(disposition)
        if screening.get("emergency_not_asked"):
            return "incomplete"
        return None

    @property
    def positioned(self) -> bool:
        return self.position is not None

    @property
    def planned_phase(self) -> PlannedPhase | None:
        phases = self.plan.phases
        return phases[self.phase_index] if self.phase_index < len(phases) else None

    @property
    def phase(self) -> Phase | None:
        planned = self.planned_phase
        return planned.phase if planned else None

    @property
    def reactive(self) -> tuple[tuple[str, float], ...]:
        """Areas that tightened under touch (P9), with when."""
        return tuple((s.area, s.at) for s in self.stopped if s.why == "tightening")

    @property
    def reactive_areas(self) -> frozenset[str]:
        return frozenset(s.area for s in self.stopped if s.why == "tightening")

    @property
    def closed_areas(self) -> frozenset[str]:
        """Areas left alone for the rest of the session: reactive, or pain rose there."""
        return frozenset(s.area for s in self.stopped)

    def closed(self, area: str) -> Stopped | None:
        return next((s for s in self.stopped if s.area == area), None)

    def level_cap(self) -> int:
        """The highest level allowed now: session cap and screening cap, whichever is lower."""
        cap = self.protocol.max_level_for_session(self.session_index)
        if self.modifications.cap_level is not None:
            cap = min(cap, self.modifications.cap_level)
        return cap

    def area_cap(self, area: str) -> int | None:
        """A lower cap for one area (after a stop there, or reactive last time), or None."""
        caps = [self.area_caps[area]] if area in self.area_caps else []
        restart = self.plan.start_level(area)
        if restart is not None and area not in self.settled:
            caps.append(restart)
        return min(caps) if caps else None

    def open_areas(self, planned: PlannedPhase) -> list[str]:
        """Planned areas of a phase still to be worked today, in plan order."""
        closed = self.closed_areas
        if planned.phase.revisit:
            done = self.areas_in_phase if planned is self.planned_phase else frozenset()
            return [a.id for a in planned.areas if a.id not in closed and a.id not in done]
        return [a.id for a in planned.areas if a.id not in closed and a.id not in self.settled]

    @property
    def check_in_interval(self) -> int:
        """Seconds of contact between check-ins in this session."""
        return self.check_in_seconds or self.protocol.check_in.interval_seconds

    def check_in_due_at(self) -> float | None:
        """When the next check-in is due, in session seconds; None while no work goes on."""
        if self.work is None:
            return None
        interval = self.check_in_interval
        due = self.last_at + interval - self.contact_since_check_in
        if self.change_check_in_due is not None:
            due = min(due, self.change_check_in_due)
        return due

    def facts(self, at: float) -> dict[str, Any]:
        """The session facts phase conditions may read (schema.SESSION_FACTS)."""
        planned = self.planned_phase
        areas = [a.id for a in planned.areas] if planned else []
        return {
            "positioned": self.positioned,
            "session_index": self.session_index,
            "seconds_in_phase": at - self.phase_started_at,
            "contact_seconds_in_phase": self.contact_in_phase,
            "good_check_ins_in_phase": self.good_in_phase,
            "areas_worked_in_phase": len(self.areas_in_phase),
            "reactive_areas": len(self.reactive_areas),
            "settled_areas_in_phase": sum(1 for a in areas if a in self.settled),
            "open_areas_in_phase": len(self.open_areas(planned)) if planned else 0,
        }
