"""What happened in a session, read from its events: the facts every document draws on.

Walks the events through the same engine as the live session, so a piece of work the
engine refused never appears as work done, and times come from the events themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tablework.protocols.schema import Protocol
from tablework.session.events import CheckIn, Event, Note, Retracted, SessionStarted
from tablework.session.state import State, Work, apply, start


@dataclass(frozen=True)
class Segment:
    """A stretch of continuous work: one area, technique and level, from start to end."""

    area: str
    technique: str
    level: int
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class CheckInRecord:
    """A check-in and the area being worked when it was asked."""

    at: float
    area: str | None
    pressure: str | None
    pain: int | None
    tightening: bool


@dataclass(frozen=True)
class RetractionRecord:
    """An event recorded by mistake, retracted at `at`: left out of every fact above."""

    at: float
    event: Event
    reason: str


@dataclass(frozen=True)
class SessionRecord:
    """A session's facts: opening, final state, work segments, check-ins and notes."""

    protocol: Protocol
    opening: SessionStarted
    state: State
    segments: tuple[Segment, ...]
    check_ins: tuple[CheckInRecord, ...]
    notes: tuple[tuple[float, str], ...]
    """The therapist's free-text notes with their session time."""
    duration: float
    retractions: tuple[RetractionRecord, ...] = ()
    """Events recorded by mistake and retracted moments later (kept, never deleted)."""

    @property
    def complete(self) -> bool:
        """Whether the session's end was recorded; an incomplete record is not a whole session."""
        return self.state.ended

    def areas_in_order(self) -> list[str]:
        return list(dict.fromkeys(segment.area for segment in self.segments))

    def area_segments(self, area: str) -> list[Segment]:
        return [s for s in self.segments if s.area == area]


def build(protocol: Protocol, events: Sequence[Event]) -> SessionRecord:
    """The record of a session from all its events, `session_started` first."""
    opening = events[0] if events else None
    if not isinstance(opening, SessionStarted):
        raise ValueError("a session's events begin with session_started")
    state = start(opening, protocol)
    segments: list[Segment] = []
    check_ins: list[CheckInRecord] = []
    notes: list[tuple[float, str]] = []
    current: tuple[Work, float] | None = None
    retractions: list[RetractionRecord] = []
    undo: tuple[int, int, int, tuple[Work, float] | None] | None = None
    for index, event in enumerate(events[1:], start=1):
        before = state.work
        state = apply(state, event)
        if isinstance(event, Retracted):
            # As if the retracted event had not happened: the facts it added are taken back.
            assert undo is not None  # apply() refuses a retraction of anything else
            segment_count, check_in_count, note_count, current = undo
            del segments[segment_count:], check_ins[check_in_count:], notes[note_count:]
            retractions.append(RetractionRecord(event.at, events[index - 1], event.reason))
            undo = None
            continue
        undo = (len(segments), len(check_ins), len(notes), current)
        if isinstance(event, CheckIn):
            area = event.area or (before.area if before else None)
            check_ins.append(
                CheckInRecord(event.at, area, event.pressure, event.pain, bool(event.tightening))
            )
        if isinstance(event, Note):
            notes.append((event.at, event.text))
        if state.work != before:
            if current is not None:
                segments.append(_segment(current, event.at))
            current = (state.work, event.at) if state.work is not None else None
    end = state.last_at
    if current is not None:
        segments.append(_segment(current, end))
    return SessionRecord(
        protocol,
        opening,
        state,
        tuple(segments),
        tuple(check_ins),
        tuple(notes),
        end - opening.at,
        tuple(retractions),
    )


def _segment(current: tuple[Work, float], end: float) -> Segment:
    work, begun = current
    return Segment(work.area, work.technique, work.level, begun, end)
