"""`tablework demo`: invented clients and sessions that show every feature.

Responders and non-responders, a reactive area, a deviation with its reason, a red-flag
referral, a pregnancy modification, a cleared referral, signed notes with an addendum.
Every name is invented; display names end in "(demo)" so demo data is easy to spot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from tablework import charting, recorder
from tablework.inputs import load_json
from tablework.screening import screen
from tablework.screening.answers import parse_intake
from tablework.screening.rules import bundled
from tablework.session.simulator import ScriptHeader, opening_event, simulate
from tablework.store import notes
from tablework.store.repo import Clock, Store

MARK = " (demo)"
THERAPIST = "Demo Therapist, LMT (invented)"


@dataclass(frozen=True)
class DemoSummary:
    clients: int
    sessions: int
    already_present: bool


def load_scenarios() -> list[dict[str, Any]]:
    data = (resources.files("tablework.demo") / "sessions.json").read_bytes()
    clients: list[dict[str, Any]] = load_json(data, "demo/sessions.json")["clients"]
    return clients


def fill(store: Store, now: datetime) -> DemoSummary:
    """Add the demo clients and sessions, unless they are already there."""
    if any(c.display_name.endswith(MARK) for c in store.clients()):
        return DemoSummary(0, 0, already_present=True)
    sessions = 0
    scenarios = load_scenarios()
    for scenario in scenarios:
        client_id = store.add_client(scenario["client"] + MARK)
        for planned in scenario["sessions"]:
            when = now - timedelta(days=planned["days_ago"])
            _add_session(Store(store.engine, clock=_fixed(when)), client_id, planned)
            sessions += 1
    return DemoSummary(len(scenarios), sessions, already_present=False)


def _fixed(when: datetime) -> Clock:
    """A clock stopped at `when`, so demo sessions land on past days."""
    return lambda: when


def _add_session(store: Store, client_id: str, planned: dict[str, Any]) -> None:
    script = planned["script"]
    result = simulate(script)  # the same checks a live session would get
    header = ScriptHeader.model_validate({k: v for k, v in script.items() if k != "events"})
    intake = None
    if header.intake is not None:
        answers = parse_intake(header.intake)
        intake = recorder.NewIntake(
            answers.model_dump(mode="json", exclude_unset=True),
            screen(answers.answers, bundled("low-back")).as_json(),
        )
    session_id = recorder.save_session(
        store,
        opening_event(header, result.protocol),
        [step.event for step in result.steps],
        client_id=client_id,
        intake=intake,
        actor=THERAPIST,
    ).session_id
    notes.save(store, session_id, charting.load_session(store, session_id).soap().as_json())
    if planned.get("sign"):
        notes.sign(store, session_id, THERAPIST)
    if planned.get("addendum"):
        notes.add_addendum(store, session_id, THERAPIST, planned["addendum"])
