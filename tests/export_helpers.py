"""A client with a non-Latin name, one session from a demo script, its note signed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tablework import charting, recorder
from tablework.demo import load_scenarios
from tablework.screening import screen
from tablework.screening.answers import parse_intake
from tablework.screening.rules import bundled
from tablework.session.simulator import ScriptHeader, opening_event, simulate
from tablework.store import notes
from tablework.store.intakes import add_intake
from tablework.store.repo import Store

CLIENT_NAME = "Zoë Ñúñez 王小明"
SIGNER = "Zoë Ñúñez 王小明, LMT"


def demo_script(client: str = "Robin Demo", index: int = 0) -> dict[str, Any]:
    scenario = next(s for s in load_scenarios() if s["client"] == client)
    script: dict[str, Any] = scenario["sessions"][index]["script"]
    return script


def signed_session(store: Store, when: datetime, *, addenda: tuple[str, ...] = ()) -> str:
    """Store the demo script as a session of a new client, draft and sign its note."""
    at_when = Store(store.engine, clock=lambda: when)
    client_id = at_when.add_client(CLIENT_NAME)
    script = demo_script()
    result = simulate(script)
    header = ScriptHeader.model_validate({k: v for k, v in script.items() if k != "events"})
    assert header.intake is not None
    intake = parse_intake(header.intake)
    stored = add_intake(
        at_when,
        client_id,
        intake.model_dump(mode="json", exclude_unset=True),
        screen(intake.answers, bundled("low-back")).as_json(),
    )
    opening = opening_event(header, result.protocol)
    opened = recorder.open_session(at_when, client_id, opening, intake_id=stored.id)
    session_id = opened.stored.session_id
    for step in result.steps:
        recorder.record(at_when, session_id, step.event)
    draft = charting.load_session(at_when, session_id).soap().as_json()
    notes.save(at_when, session_id, draft)
    notes.sign(at_when, session_id, SIGNER)
    for text in addenda:
        notes.add_addendum(at_when, session_id, SIGNER, text)
    return session_id
