"""The session as a fold over its events: `state = apply(state, event)`.

`apply` is pure: it never mutates the state it is given, reads no clock and does no I/O, so
replaying stored events rebuilds exactly the state the live session had. Whether a piece of
work is allowed is decided in `admission`; what to do next is decided in `engine.advise`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tablework.conditions import evaluate
from tablework.protocols.schema import Phase, Protocol
from tablework.session import admission
from tablework.session.events import (
    CheckIn,
    Clearance,
    Event,
    EventError,
    Note,
    Positioned,
    SessionEnded,
    SessionStarted,
    TighteningObserved,
    WorkStarted,
    WorkStopped,
)
from tablework.session.guidance import Reason
from tablework.session.modifications import Modifications, parse_modifications

BLOCKING_DISPOSITIONS = ("emergency", "urgent_referral", "no_session_today", "out_of_scope")


@dataclass(frozen=True, slots=True)
class Work:
    """Hands-on work in progress."""

    area: str
    technique: str
    level: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """Work or positioning the protocol or screening does not allow, and why."""

    at: float
    reasons: tuple[Reason, ...]
    overridable: bool
    area: str | None = None
    technique: str | None = None
    level: int | None = None


@dataclass(frozen=True, slots=True)
class Deviation:
    """Work done against a protocol rule, with the therapist's recorded reason."""

    at: float
    area: str
    technique: str
    level: int
    reason: str
    rules: tuple[Reason, ...]


@dataclass
class State:
    """Everything the engine knows about a session at one moment. Treat as read-only."""

    protocol: Protocol = field(repr=False)
    session_index: int
    modifications: Modifications
    screening: dict[str, Any] | None
    clearance: Clearance | None
    pain_before: int | None
    last_at: float = 0
    last_event: str = "session_started"
    ended: bool = False
    pain_after: int | None = None
    position: str | None = None
    supports: frozenset[str] = frozenset()
    client_adjusted: bool = False
    work: Work | None = None
    last_area: str | None = None
    worked_before: bool = False
    last_level: int | None = None
    max_level: int | None = None
    contact_seconds: float = 0
    contact_at_level: float = 0
    contact_since_check_in: float = 0
    change_check_in_due: float | None = None
    good_streak: int = 0
    signal: str | None = None
    last_pain: int | None = None
    check_ins: int = 0
    reactive: tuple[tuple[str, float], ...] = ()
    areas_worked: tuple[str, ...] = ()
    refusal: Refusal | None = None
    refusals: tuple[Refusal, ...] = ()
    deviations: tuple[Deviation, ...] = ()
    phase_index: int = 0
    phase_started_at: float = 0
    contact_in_phase: float = 0
    good_in_phase: int = 0
    areas_in_phase: frozenset[str] = field(default_factory=frozenset)

    @property
    def blocked(self) -> bool:
        """Screening said not to treat today and nobody recorded a clearance."""
        disposition = (self.screening or {}).get("disposition")
        return disposition in BLOCKING_DISPOSITIONS and self.clearance is None

    @property
    def positioned(self) -> bool:
        return self.position is not None

    @property
    def phase(self) -> Phase | None:
        phases = self.protocol.phases
        return phases[self.phase_index] if self.phase_index < len(phases) else None

    @property
    def reactive_areas(self) -> frozenset[str]:
        return frozenset(area for area, _ in self.reactive)

    def level_cap(self) -> int:
        """The highest level allowed now: session cap and screening cap, whichever is lower."""
        cap = self.protocol.max_level_for_session(self.session_index)
        if self.modifications.cap_level is not None:
            cap = min(cap, self.modifications.cap_level)
        return cap

    def check_in_due_at(self) -> float | None:
        """When the next check-in is due, in session seconds; None while no work goes on."""
        if self.work is None:
            return None
        interval = self.protocol.check_in.interval_seconds
        due = self.last_at + interval - self.contact_since_check_in
        if self.change_check_in_due is not None:
            due = min(due, self.change_check_in_due)
        return due

    def facts(self, at: float) -> dict[str, Any]:
        """The session facts phase conditions may read (schema.SESSION_FACTS)."""
        return {
            "positioned": self.positioned,
            "session_index": self.session_index,
            "seconds_in_phase": at - self.phase_started_at,
            "contact_seconds_in_phase": self.contact_in_phase,
            "good_check_ins_in_phase": self.good_in_phase,
            "areas_worked_in_phase": len(self.areas_in_phase),
            "reactive_areas": len(self.reactive),
        }


def start(event: SessionStarted, protocol: Protocol) -> State:
    """The state right after `session_started`, checked against the pinned protocol."""
    if event.protocol not in (protocol.ref, protocol.id):
        raise EventError(f"session_started names {event.protocol}, not {protocol.ref}")
    try:
        modifications = parse_modifications(event.modifications, protocol)
    except ValueError as error:
        raise EventError(str(error)) from None
    state = State(
        protocol=protocol,
        session_index=event.session_index,
        modifications=modifications,
        screening=event.screening,
        clearance=event.clearance,
        pain_before=event.pain_before,
        last_at=event.at,
        phase_started_at=event.at,
    )
    state.last_pain = event.pain_before
    return state


def apply(state: State, event: Event) -> State:
    """The state after `event`; `state` itself is left unchanged."""
    if isinstance(event, SessionStarted):
        raise EventError("the session has already started")
    if state.ended:
        raise EventError(f"{event.type} after the session ended")
    if event.at < state.last_at:
        raise EventError(
            f"{event.type} at {event.at} s is earlier than the last event "
            f"({state.last_at} s): time cannot go backwards"
        )
    _check_ids(state.protocol, event)
    new = _clone(state)
    _accrue_contact(new, event.at)
    new.last_at = event.at
    new.last_event = event.type
    new.refusal = None
    _HANDLERS[type(event)](new, event)
    _advance_phase(new, event.at)
    return new


def _clone(state: State) -> State:
    # A shallow copy is enough: every collection in a State is immutable. Copying the
    # instance dict directly is several times faster than copy.copy, and replay is hot.
    new = object.__new__(State)
    new.__dict__.update(state.__dict__)
    return new


def _check_ids(protocol: Protocol, event: Event) -> None:
    area = getattr(event, "area", None)
    if area is not None and protocol.area(area) is None:
        raise EventError(f"{event.type}: unknown area '{area}' for {protocol.ref}")
    if isinstance(event, WorkStarted) and protocol.technique(event.technique) is None:
        raise EventError(f"work_started: unknown technique '{event.technique}' for {protocol.ref}")
    if isinstance(event, Positioned):
        known = {s.id for s in protocol.supports} | {"client_adjusted"}
        for support in event.supports:
            if support not in known:
                raise EventError(f"positioned: unknown support '{support}' for {protocol.ref}")


def _accrue_contact(new: State, at: float) -> None:
    if new.work is None:
        return
    elapsed = at - new.last_at
    new.contact_seconds += elapsed
    new.contact_at_level += elapsed
    new.contact_since_check_in += elapsed
    new.contact_in_phase += elapsed


def _positioned(new: State, event: Positioned) -> None:
    hard = admission.check_position(new, event.position)
    if hard:
        new.refusal = Refusal(event.at, hard, overridable=False)
        new.refusals = (*new.refusals, new.refusal)
        return
    new.position = event.position
    new.supports = frozenset(s for s in event.supports if s != "client_adjusted")
    new.client_adjusted = event.client_adjusted or "client_adjusted" in event.supports
    new.work = None


def _work_started(new: State, event: WorkStarted) -> None:
    hard, soft = admission.check_work(new, event.area, event.technique, event.level)
    if hard or (soft and not event.override_reason):
        new.refusal = Refusal(
            event.at,
            hard or soft,
            overridable=not hard,
            area=event.area,
            technique=event.technique,
            level=event.level,
        )
        new.refusals = (*new.refusals, new.refusal)
        return
    if soft and event.override_reason:
        deviation = Deviation(
            event.at, event.area, event.technique, event.level, event.override_reason, soft
        )
        new.deviations = (*new.deviations, deviation)
    _begin_work(new, Work(event.area, event.technique, event.level), event.at)


def _begin_work(new: State, work: Work, at: float) -> None:
    previous = new.work
    if previous != work:
        new.change_check_in_due = at + new.protocol.check_in.after_change_seconds
    previous_level = previous.level if previous else new.last_level
    # A new area or level has to earn the client's acceptance again before going up (P6).
    if work.level != previous_level or work.area != new.last_area:
        new.contact_at_level = 0
        new.good_streak = 0
    # A request for less pressure stands until the level actually goes down.
    if (
        new.signal not in ("lighter", "pain_rise")
        or previous is None
        or work.level < previous.level
    ):
        new.signal = None
    new.work = work
    new.last_area = work.area
    new.worked_before = True
    new.last_level = work.level
    new.max_level = work.level if new.max_level is None else max(new.max_level, work.level)
    if work.area not in new.areas_worked:
        new.areas_worked = (*new.areas_worked, work.area)
    new.areas_in_phase = new.areas_in_phase | {work.area}


def _check_in(new: State, event: CheckIn) -> None:
    new.check_ins += 1
    new.contact_since_check_in = 0
    new.change_check_in_due = None
    pain_rose = event.pain is not None and new.last_pain is not None and event.pain > new.last_pain
    if event.pain is not None:
        new.last_pain = event.pain
    if event.tightening:
        area = event.area or (new.work.area if new.work else None)
        if area is not None:
            _mark_reactive(new, area, event.at)
            return
    if event.pressure == "stop":
        new.signal, new.work, new.good_streak = "stop", None, 0
    elif event.pressure == "lighter" or pain_rose:
        new.signal, new.good_streak = ("lighter" if event.pressure == "lighter" else "pain_rise"), 0
    else:
        new.signal = event.pressure
        new.good_streak += 1
        new.good_in_phase += 1


def _tightening(new: State, event: TighteningObserved) -> None:
    _mark_reactive(new, event.area, event.at)


def _mark_reactive(new: State, area: str, at: float) -> None:
    if area not in new.reactive_areas:
        new.reactive = (*new.reactive, (area, at))
    new.signal = "tightening"
    new.good_streak = 0
    if new.work is not None and new.work.area == area:
        new.work = None


def _work_stopped(new: State, event: WorkStopped) -> None:
    if new.work is not None and new.work.area == event.area:
        new.work = None
        new.signal = "stopped"


def _note(new: State, event: Note) -> None:
    """Notes change nothing the engine reasons about."""


def _session_ended(new: State, event: SessionEnded) -> None:
    new.ended = True
    new.work = None
    new.pain_after = event.pain_after


_HANDLERS: dict[type, Any] = {
    Positioned: _positioned,
    WorkStarted: _work_started,
    CheckIn: _check_in,
    TighteningObserved: _tightening,
    WorkStopped: _work_stopped,
    Note: _note,
    SessionEnded: _session_ended,
}


def _advance_phase(new: State, at: float) -> None:
    phase = new.phase
    while phase is not None and _phase_done(new, phase, at):
        new.phase_index += 1
        new.phase_started_at = at
        new.contact_in_phase = 0
        new.good_in_phase = 0
        new.areas_in_phase = frozenset()
        phase = new.phase


def _phase_done(state: State, phase: Phase, at: float) -> bool:
    if phase.areas and not admission.workable_areas(state, phase):
        return True
    return phase.exit is not None and evaluate(phase.exit, state.facts(at))
