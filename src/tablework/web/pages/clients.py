"""The client list (with live search), a new client, and one client's page: intakes,
sessions, trends, care plan, exports, and starting a session as the API does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tablework import charting
from tablework.store import access
from tablework.store.accounts import Account, clinic_accounts
from tablework.store.intakes import intake_versions
from tablework.store.repo import ClientRow, Store
from tablework.web.api.clients import therapist_for
from tablework.web.api.sessions import ClearanceIn, NewSession, check_admission, open_for
from tablework.web.deps import ServerDep
from tablework.web.errors import Refused
from tablework.web.pages.clinic import shown_at, zone_of
from tablework.web.pages.common import PageStore, PageTrail, PageViewer, Viewer, check_csrf, render
from tablework.web.pages.screening_view import screening_view
from tablework.web.pages.trend import pain_chart, psfs_chart

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


@router.get("/", response_class=HTMLResponse)
def client_list(
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    q: Annotated[str, Query(max_length=200)] = "",
    hx_target: Annotated[str | None, Header(max_length=40)] = None,
) -> HTMLResponse:
    """The clients the viewer may see, whose name contains `q`; just the results for
    the search box's live requests (htmx names their target; a history restore asks for
    the whole page)."""
    return _list_page(request, viewer, store, trail, q, partial=hx_target == "client-results")


@router.post("/clients", response_class=HTMLResponse)
def new_client(
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    csrf_token: Text = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    therapist: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Add a client (an owner may assign a therapist) and open their page."""
    check_csrf(viewer, csrf_token)
    name = display_name.strip()
    if not name:
        problem = "Give the client a display name (initials or a nickname will do)."
        return _list_page(request, viewer, store, trail, "", problem=problem)
    assigned = therapist_for(store, viewer.account, therapist.strip() or None)
    client_id = access.add_client(store, viewer.account, name, assigned)
    return RedirectResponse(f"/clients/{client_id}", status_code=303)


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client_page(
    client_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
) -> HTMLResponse:
    """The client's intakes, sessions, trends, care plan and exports."""
    client = access.client_for(store, viewer.account, client_id)
    trail.add("client_page", client.id)
    return _client_page(request, viewer, store, server, client)


@router.post("/clients/{client_id}/sessions", response_class=HTMLResponse)
def start_session(
    client_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
    csrf_token: Text = "",
    pain_before: Annotated[str, Form(max_length=4)] = "",
    cleared_by: Annotated[str, Form(max_length=200)] = "",
    clearance_reason: Text = "",
) -> Response:
    """Start a session from the latest intake, as POST /api/sessions does: refused while
    its screening blocks, unless a clearance (who, why) is recorded."""
    check_csrf(viewer, csrf_token)
    client = access.client_for(store, viewer.account, client_id)
    trail.add("start_session", client.id)
    try:
        body = NewSession(
            client_id=client.id,
            pain_before=int(pain_before) if pain_before.strip() else None,
            clearance=_clearance(cleared_by, clearance_reason),
        )
    except (ValueError, ValidationError):
        problem = "Pain is a whole number from 0 to 10; a clearance names who cleared and why."
        return _client_page(request, viewer, store, server, client, problem, 422)
    try:
        session_id = open_for(store, server, viewer.account, client.id, body)
    except Refused as refused:
        if refused.status != 409:
            raise
        return _client_page(request, viewer, store, server, client, refused.detail, 409)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


def _clearance(by: str, reason: str) -> ClearanceIn | None:
    if not by.strip() and not reason.strip():
        return None
    return ClearanceIn(by=by.strip(), reason=reason.strip())


def _list_page(
    request: Request,
    viewer: Viewer,
    store: Store,
    trail: PageTrail,
    q: str,
    partial: bool = False,
    problem: str | None = None,
) -> HTMLResponse:
    found = access.clients_for(store, viewer.account, q.strip() or None)
    for client in found:
        trail.add("client_list", client.id)
    return render(
        request,
        "_client_results.html" if partial else "clients.html",
        viewer,
        status_code=422 if problem else 200,
        clients=found,
        q=q,
        problem=problem,
        therapists=_therapists(store, viewer.account),
    )


def _therapists(store: Store, viewer: Account) -> list[Account]:
    if not viewer.is_owner:
        return []
    return [a for a in clinic_accounts(store, viewer.clinic) if a.active and not a.is_owner]


def _client_page(
    request: Request,
    viewer: Viewer,
    store: Store,
    server: ServerDep,
    client: ClientRow,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    zone = zone_of(server, store, viewer)
    intakes = intake_versions(store, client.id)
    latest = intakes[-1] if intakes else None
    summaries = store.summaries(client.id)
    last = charting.load_session(store, summaries[-1].session_id) if summaries else None
    try:
        check_admission(latest, None)
        refusal = None
    except Refused as refused:
        refusal = refused.detail
    return render(
        request,
        "client.html",
        viewer,
        status_code=status_code,
        client=client,
        problem=problem,
        intakes=[
            (i, screening_view(i.screening), shown_at(i.recorded_at, zone))
            for i in reversed(intakes)
        ],
        latest=screening_view(latest.screening) if latest else None,
        refusal=refusal,
        sessions=[(s, shown_at(s.started_at, zone)) for s in reversed(summaries)],
        live=[s for s in summaries if not s.ended],
        pain=pain_chart(summaries),
        psfs=psfs_chart(summaries),
        summaries=summaries,
        plan=last.plan if last else None,
        plan_session=last.session if last else None,
    )
