"""What can happen in a session: the append-only event vocabulary of DESIGN.md section 5.

Events are small frozen pydantic models, so the same definitions validate a script, an API
body and a stored row. `at` is seconds from the start of the session; the clock is read by
the caller, never here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

MAX_SESSION_SECONDS = 24 * 60 * 60
"""No session runs a day: a later `at` is a typo or a hostile file, never a real event."""
MIN_CHECK_IN_SECONDS = 60
MAX_CHECK_IN_SECONDS = 300
"""A clinic may set check-ins from one to five minutes of contact (CLINICAL.md 8: often)."""
RETRACT_SECONDS = 5
"""How long after an event it may still be retracted (a misheard voice command's undo)."""

Seconds = Annotated[int | float, Field(ge=0, le=MAX_SESSION_SECONDS, allow_inf_nan=False)]
Level = Annotated[StrictInt, Field(ge=0, le=5)]
Pain = Annotated[StrictInt, Field(ge=0, le=10)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
"""A recorded reason: at least a few real characters, surrounding blanks dropped."""
Pressure = Literal["lighter", "good", "deeper", "stop"]
PositionName = Literal["prone", "supine", "side_lying_left", "side_lying_right"]
Id = Annotated[str, Field(min_length=1, max_length=80)]


class EventError(ValueError):
    """An event that cannot be applied: malformed, unknown to the protocol, or out of order."""


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: Seconds = Field(description="Seconds from the start of the session.")


class Clearance(BaseModel):
    """A documented decision to go ahead despite a screening result that blocks the session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Who cleared the client (name and role)."
    )
    when: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="When the clearance was given (date or date-time)."
    )
    note: Annotated[str, Field(max_length=2000)] = ""


class PastSession(BaseModel):
    """What the plan needs to know about one earlier session of the same client."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pain_before: Pain | None = None
    pain_after: Pain | None = None
    reactive_areas: tuple[Id, ...] = Field(default=(), max_length=50)
    ended: bool = True


class History(BaseModel):
    """The client's earlier sessions under this protocol, oldest first (CLINICAL.md 10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sessions: tuple[PastSession, ...] = Field(default=(), max_length=1000)

    @property
    def last(self) -> PastSession | None:
        return self.sessions[-1] if self.sessions else None

    def facts(self) -> dict[str, Any]:
        """The history facts follow-up conditions read (schema.HISTORY_FACTS)."""
        last = self.last
        trend = "unknown"
        adverse = False
        if last is not None and last.pain_before is not None and last.pain_after is not None:
            change = last.pain_after - last.pain_before
            trend = "down" if change < 0 else "up" if change > 0 else "same"
            adverse = change > 0
        return {
            "previous_sessions": len(self.sessions),
            "reactive_areas_last_session": len(last.reactive_areas) if last else 0,
            "pain_trend": trend,
            "adverse_last_session": adverse,
        }


class SessionStarted(_Event):
    """The session began under a pinned protocol version, after screening."""

    type: Literal["session_started"] = "session_started"
    protocol: Id = Field(description="The protocol's id@version.")
    client: Id | None = None
    session_index: int = Field(default=1, ge=1, le=1000)
    screening: dict[str, Any] | None = None
    modifications: tuple[str, ...] = ()
    clearance: Clearance | None = None
    pain_before: Pain | None = None
    history: History | None = Field(
        default=None, description="Earlier sessions the day's plan is built from."
    )
    check_in_seconds: int | None = Field(
        default=None,
        ge=MIN_CHECK_IN_SECONDS,
        le=MAX_CHECK_IN_SECONDS,
        description="The clinic's check-in interval (seconds of contact) for this session; "
        "none keeps the protocol's.",
    )


class Positioned(_Event):
    """The client was placed on the table, with these supports."""

    type: Literal["positioned"] = "positioned"
    position: PositionName
    supports: tuple[Id, ...] = ()
    client_adjusted: bool = False


class WorkStarted(_Event):
    """Hands-on work began (or changed) on an area, with a technique at a level."""

    type: Literal["work_started"] = "work_started"
    area: Id
    technique: Id
    level: Level
    override_reason: Reason | None = None


class CheckIn(_Event):
    """The client answered about pressure (and maybe pain or tightening), or rated their
    pain alone: a pain-only answer runs the pain routine but is not a pressure check-in."""

    type: Literal["check_in"] = "check_in"
    pressure: Pressure | None = None
    area: Id | None = None
    pain: Pain | None = None
    tightening: bool | None = None

    @model_validator(mode="after")
    def _says_something(self) -> CheckIn:
        if self.pressure is None and self.pain is None:
            raise ValueError("a check_in needs a pressure answer, a pain rating, or both")
        return self


class TighteningObserved(_Event):
    """The therapist felt an area tighten in response to touch."""

    type: Literal["tightening_observed"] = "tightening_observed"
    area: Id


class WorkStopped(_Event):
    """Work on an area stopped."""

    type: Literal["work_stopped"] = "work_stopped"
    area: Id


class Note(_Event):
    """A free-text remark for the record."""

    type: Literal["note"] = "note"
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class SessionEnded(_Event):
    """The session ended; the client rated their pain."""

    type: Literal["session_ended"] = "session_ended"
    pain_after: Pain | None = None


class Retracted(_Event):
    """A correction (an extension of DESIGN.md 5): the last event, recorded at most
    RETRACT_SECONDS ago, was a mistake (a misheard voice command). Nothing is deleted: the
    retracted event stays in the record, and the session goes on as if it had not happened.
    """

    type: Literal["retracted"] = "retracted"
    seq: StrictInt = Field(ge=2, le=10**9, description="The seq of the event retracted.")
    reason: Reason = Field(description='Why, e.g. "misheard voice command".')


Event = Annotated[
    SessionStarted
    | Positioned
    | WorkStarted
    | CheckIn
    | TighteningObserved
    | WorkStopped
    | Note
    | SessionEnded
    | Retracted,
    Field(discriminator="type"),
]
EVENT_TYPES = tuple(
    cls.model_fields["type"].default
    for cls in (
        SessionStarted,
        Positioned,
        WorkStarted,
        CheckIn,
        TighteningObserved,
        WorkStopped,
        Note,
        SessionEnded,
        Retracted,
    )
)
_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: Mapping[str, Any] | Any) -> Event:
    """Validate one event from JSON-like data; raise EventError with a readable message."""
    if not isinstance(data, Mapping):
        raise EventError("an event must be a JSON object with a 'type'")
    kind = data.get("type")
    if kind not in EVENT_TYPES:
        raise EventError(f"unknown event type {kind!r} (known: {', '.join(EVENT_TYPES)})")
    try:
        return _ADAPTER.validate_python(dict(data))
    except ValidationError as error:
        raise EventError(f"{kind}: {describe_validation(error, skip=str(kind))}") from None


def event_json(event: Event) -> dict[str, Any]:
    """An event as JSON-ready data, leaving out fields that were not given."""
    data = event.model_dump(mode="json", exclude_none=True)
    return {"type": data.pop("type"), **data}


def describe_validation(error: ValidationError, skip: str = "") -> str:
    """Pydantic's errors as one line: `field: message; field: message`."""
    parts = []
    for detail in error.errors(include_url=False):
        loc = [str(p) for p in detail["loc"] if not str(p).startswith("function-")]
        where = ".".join(loc[1:] if loc[:1] == [skip] else loc)
        message = "unknown field" if detail["type"] == "extra_forbidden" else detail["msg"]
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
