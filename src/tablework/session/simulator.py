"""Run a scripted session through the live engine: header, then events, one guidance each.

The script format is DESIGN.md section 5's `session simulate` contract. There is no second
implementation here: the simulator builds a `session_started` event from the header, then
uses the same `apply` and `advise` as the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tablework.protocols.loader import UnknownProtocolError, get
from tablework.protocols.schema import Protocol
from tablework.screening.answers import AnswerError, Intake, parse_intake
from tablework.screening.rules import bundled
from tablework.screening.screen import ScreeningResult, screen
from tablework.session.engine import advise
from tablework.session.events import (
    Clearance,
    Event,
    EventError,
    History,
    SessionStarted,
    describe_validation,
    event_json,
    parse_event,
)
from tablework.session.guidance import Guidance
from tablework.session.state import State, apply, start


class ScriptError(ValueError):
    """A script that cannot be run: malformed, or naming something the protocol lacks."""


class ScriptHeader(BaseModel):
    """Everything in a script except its events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: str = Field(min_length=1)
    session_index: int = Field(default=1, ge=1, le=1000)
    client: str | None = Field(
        default=None, max_length=200, description="Invented display name used when saving."
    )
    pain_before: int | None = Field(default=None, ge=0, le=10)
    modifications: tuple[str, ...] = ()
    clearance: Clearance | None = None
    intake: dict[str, Any] | None = Field(
        default=None, description="An intake ({'answers': {...}}) to screen before starting."
    )
    history: History | None = Field(
        default=None, description="The client's earlier sessions, for the day's plan."
    )


@dataclass(frozen=True)
class Step:
    """One scripted event and the guidance the engine gave after it."""

    event: Event
    guidance: Guidance

    def as_json(self) -> dict[str, Any]:
        return {"event": event_json(self.event), "guidance": self.guidance.as_json()}


@dataclass(frozen=True)
class Simulation:
    """A whole simulated session: the opening guidance, each step, and the final state."""

    protocol: Protocol
    opening_event: SessionStarted
    opening: Guidance
    steps: tuple[Step, ...]
    state: State

    def as_json(self) -> dict[str, Any]:
        """The `session simulate` JSON contract: trace and summary (plus the opening)."""
        from tablework.session.summary import summarize

        return {
            "start": {"event": event_json(self.opening_event), "guidance": self.opening.as_json()},
            "trace": [step.as_json() for step in self.steps],
            "summary": summarize(self.state),
        }


def parse_header(script: Any) -> ScriptHeader:
    """The script's header, validated."""
    if not isinstance(script, Mapping):
        raise ScriptError("a script must be a JSON object with 'protocol' and 'events'")
    return _header({k: v for k, v in script.items() if k != "events"})


def opening_event(header: ScriptHeader, protocol: Protocol) -> SessionStarted:
    """The `session_started` event a script's header stands for, screening included."""
    modifications = header.modifications
    pain_before = header.pain_before
    screening = None
    if header.intake is not None:
        result, intake = _screen(header.intake, protocol)
        screening = result.as_json()
        modifications = tuple(dict.fromkeys((*modifications, *result.modifications)))
        if pain_before is None:
            pain_before = intake.answers.pain_now
    return SessionStarted(
        at=0,
        protocol=protocol.ref,
        session_index=header.session_index,
        screening=screening,
        modifications=modifications,
        clearance=header.clearance,
        pain_before=pain_before,
        history=header.history,
    )


def _screen(data: dict[str, Any], protocol: Protocol) -> tuple[ScreeningResult, Intake]:
    try:
        intake = parse_intake(data)
    except AnswerError as error:
        raise ScriptError(f"intake: {error}") from None
    if protocol.screening_ruleset is None:
        raise ScriptError(f"{protocol.ref} names no screening ruleset to run the intake through")
    return screen(intake.answers, bundled(protocol.screening_ruleset)), intake


def simulate(script: Any) -> Simulation:
    """Run a parsed JSON script; raise ScriptError naming the first problem."""
    header = parse_header(script)
    raw_events = script.get("events")
    if not isinstance(raw_events, list):
        raise ScriptError("'events' must be a list of events")
    protocol = _protocol(header.protocol)
    return run(protocol, opening_event(header, protocol), _events(raw_events))


def run(protocol: Protocol, opening_event: SessionStarted, events: Iterable[Event]) -> Simulation:
    """Start a session and apply `events`, keeping the guidance after each one."""
    try:
        state = start(opening_event, protocol)
    except EventError as error:
        raise ScriptError(f"session_started: {error}") from None
    opening = advise(state)
    steps = []
    for index, event in enumerate(events):
        try:
            state = apply(state, event)
        except EventError as error:
            raise ScriptError(f"events[{index}]: {error}") from None
        steps.append(Step(event, advise(state)))
    return Simulation(protocol, opening_event, opening, tuple(steps), state)


def _header(data: dict[str, Any]) -> ScriptHeader:
    try:
        return ScriptHeader.model_validate(data)
    except ValidationError as error:
        raise ScriptError(f"script header: {describe_validation(error)}") from None


def _protocol(ref: str) -> Protocol:
    try:
        return get(ref)
    except UnknownProtocolError as error:
        raise ScriptError(str(error.args[0])) from None


def _events(raw_events: list[Any]) -> Iterator[Event]:
    for index, raw in enumerate(raw_events):
        try:
            yield parse_event(raw)
        except EventError as error:
            raise ScriptError(f"events[{index}]: {error}") from None
