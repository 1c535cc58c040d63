"""Small builders for session tests: scripted events in, state and guidance out."""

from __future__ import annotations

from typing import Any

from tablework.protocols.loader import get
from tablework.protocols.schema import Protocol
from tablework.session.engine import advise
from tablework.session.events import Event, SessionStarted, parse_event
from tablework.session.guidance import Guidance
from tablework.session.state import State, apply, start

LBS = "acute-low-back-spasm"
PRONE = {
    "type": "positioned",
    "position": "prone",
    "supports": ["hip_pillow_asis"],
    "client_adjusted": True,
}


def ev(kind: str, at: float, **fields: Any) -> Event:
    return parse_event({"type": kind, "at": at, **fields})


def work(
    at: float, area: str, technique: str = "broad-compression", level: int = 1, **fields: Any
) -> Event:
    return ev("work_started", at, area=area, technique=technique, level=level, **fields)


def good(at: float, **fields: Any) -> Event:
    return ev("check_in", at, pressure="good", **fields)


def begin(
    protocol: Protocol | None = None,
    *,
    session_index: int = 1,
    modifications: tuple[str, ...] = (),
    pain_before: int | None = None,
    screening: dict[str, Any] | None = None,
    clearance: dict[str, Any] | None = None,
    history: dict[str, Any] | None = None,
) -> State:
    protocol = protocol or get(LBS)
    return start(
        SessionStarted.model_validate(
            {
                "at": 0,
                "protocol": protocol.ref,
                "session_index": session_index,
                "modifications": modifications,
                "pain_before": pain_before,
                "screening": screening,
                "clearance": clearance,
                "history": history,
            }
        ),
        protocol,
    )


def run(state: State, *events: Event) -> tuple[State, Guidance]:
    for event in events:
        state = apply(state, event)
    return state, advise(state)


def positioned(state: State | None = None, at: float = 10) -> State:
    state = state or begin()
    return apply(state, parse_event({**PRONE, "at": at}))


SETTLED_LAST_TIME = {"sessions": [{"pain_before": 7, "pain_after": 4, "reactive_areas": []}]}
"""A history in which the back settled last time: QL joins the plan (CLINICAL.md 10)."""


def warmed_up(
    session_index: int = 1,
    modifications: tuple[str, ...] = (),
    history: dict[str, Any] | None = None,
) -> State:
    """Positioned, guarding areas settled, so escalation and later phases can be tested."""
    state = positioned(
        begin(session_index=session_index, modifications=modifications, history=history)
    )
    state, _ = run(state, work(20, "gluteals-left", "still-hold", 1), good(50), good(100))
    return state
