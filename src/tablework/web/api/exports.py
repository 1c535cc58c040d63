"""The exports of DESIGN.md 6 over HTTP: FHIR, note and handout PDFs, iCalendar, outcomes."""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tablework import charting
from tablework.exports.pdf_layout import Clinic
from tablework.store import access, clinic_settings, notes
from tablework.store.accounts import Account
from tablework.store.repo import Store
from tablework.web.access import VisibleClient, VisibleSession
from tablework.web.deps import AuditedStore, Caller, ServerDep, Trail

router = APIRouter(prefix="/api", tags=["exports"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 404: {}}
PDF: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {"content": {"application/pdf": {}}, "description": "A PDF document."},
}


class OutcomeFormat(StrEnum):
    json = "json"
    csv = "csv"


@router.get("/clients/{client_id}/fhir", response_model=dict[str, Any], responses=ERRORS)
def client_fhir(client: VisibleClient, store: AuditedStore) -> Response:
    """The client's whole record as a validated FHIR R4 Bundle."""
    from tablework.exports.fhir_bundle import client_bundle
    from tablework.exports.fhir_record import load_record

    bundle = client_bundle(load_record(store, client), store.clock())
    # Already JSON-ready and validated: written as it is, not walked again by FastAPI.
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/json")


@router.get("/sessions/{session_id}/note.pdf", response_class=Response, responses=PDF)
def note_pdf(
    session: VisibleSession, caller: Caller, store: AuditedStore, server: ServerDep
) -> Response:
    """The session note as a PDF."""
    from tablework.exports.pdf import note_pdf as render

    documents = charting.load_session(store, session.id)
    client = store.client(session.client_id)
    note, addenda = notes.current(store, session.id), notes.addenda(store, session.id)
    content = render(documents, note, addenda, client.display_name, _clinic(server, store, caller))
    return Response(content, media_type="application/pdf")


@router.get("/sessions/{session_id}/handout.pdf", response_class=Response, responses=PDF)
def handout_pdf(
    session: VisibleSession, caller: Caller, store: AuditedStore, server: ServerDep
) -> Response:
    """The client's home-care handout as a PDF."""
    from tablework.exports.pdf import handout_pdf as render

    documents = charting.load_session(store, session.id)
    client = store.client(session.client_id)
    content = render(documents, client.display_name, _clinic(server, store, caller), store.clock())
    return Response(content, media_type="application/pdf")


@router.get(
    "/clients/{client_id}/follow-ups.ics",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"text/calendar": {}}, "description": "iCalendar."}},
)
def follow_ups(
    client: VisibleClient, caller: Caller, store: AuditedStore, server: ServerDep
) -> Response:
    """The client's planned follow-up as iCalendar."""
    from tablework.exports.ical import follow_up_calendar

    sessions = store.session_ids(client.id)
    latest = charting.load_session(store, sessions[-1]) if sessions else None
    content = follow_up_calendar(latest, store.clock(), _clinic(server, store, caller).zone)
    return Response(content, media_type="text/calendar")


@router.get(
    "/outcomes",
    responses={401: {}, 200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def outcomes(
    caller: Caller,
    store: AuditedStore,
    trail: Trail,
    format: OutcomeFormat = OutcomeFormat.json,
    sessions: Annotated[
        bool, Query(description="With json: list every session too (false: the rates only).")
    ] = True,
) -> Response:
    """Responder rates (json) or per-session outcomes (csv) over the caller's clients.

    Read from the session summaries in one query whatever the number of clients. The rates
    alone (`?sessions=false`) are counted by the database and name no client, so they
    leave one audit row for the clinic; a listing of sessions leaves one per client."""
    from tablework.cli.export import _by_protocol_id, _csv, _session_json
    from tablework.outcomes import responder_rates, tallied_rates
    from tablework.summarised import outcomes_within, tallies_within

    if format is OutcomeFormat.json and not sessions:
        trail.add("outcomes", f"clinic:{caller.clinic}"[:64])
        counted = tallies_within(store, partial(access.visible, caller))
        tallies = [replace(t, protocol=t.protocol.split("@")[0]) for t in counted]
        rates = tallied_rates(tallies)
        return Response(
            json.dumps({"protocols": [rate.__dict__ for rate in rates]}),
            media_type="application/json",
        )
    found = outcomes_within(store, access.visible_client_ids(caller))
    for client_id in dict.fromkeys(outcome.client_id for outcome in found):
        trail.add("outcomes", client_id)
    if format is OutcomeFormat.csv:
        return Response(_csv(found), media_type="text/csv")
    rates = responder_rates([_by_protocol_id(s) for s in found])
    document = {
        "protocols": [rate.__dict__ for rate in rates],
        "sessions": [_session_json(s) for s in found],
    }
    return Response(json.dumps(document), media_type="application/json")


def _clinic(server: ServerDep, store: Store, caller: Account) -> Clinic:
    """The caller's clinic as documents print it: its own name and zone over the defaults."""
    chosen = clinic_settings.read(store, caller.clinic, server.settings)
    return Clinic.from_settings(clinic_settings.applied(server.settings, chosen))
