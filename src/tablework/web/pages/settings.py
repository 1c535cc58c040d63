"""The clinic's settings page, for its owner only (a therapist gets 403): check-in interval,
spoken prompts, clinic name and time zone, retention period, and the clinic's accounts."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tablework.session.events import MAX_CHECK_IN_SECONDS, MIN_CHECK_IN_SECONDS
from tablework.store import clinic_settings
from tablework.store.accounts import ROLES, AccountError, add_user, clinic_accounts, deactivate
from tablework.store.repo import NotFound, Store
from tablework.web.deps import ServerDep
from tablework.web.pages.clinic import OwnerViewer, chosen
from tablework.web.pages.common import PageStore, Viewer, check_csrf, render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]
SAVED = {"settings": "Settings saved.", "user": "Account added.", "off": "Account deactivated."}


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, viewer: OwnerViewer, store: PageStore, server: ServerDep, saved: str = ""
) -> HTMLResponse:
    """The clinic's settings and accounts."""
    return _page(request, viewer, store, server, notice=SAVED.get(saved))


@router.post("/settings", response_class=HTMLResponse)
def save_settings(
    request: Request,
    viewer: OwnerViewer,
    store: PageStore,
    server: ServerDep,
    csrf_token: Short = "",
    clinic_name: Short = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    retention_years: Annotated[str, Form(max_length=4)] = "",
    check_in_seconds: Annotated[str, Form(max_length=4)] = "",
    voice_prompts: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Store the clinic's settings; the form again, with what to fix, when one is unusable."""
    check_csrf(viewer, csrf_token)
    current = chosen(server, store, viewer)
    values = {
        "clinic_name": clinic_name,
        "timezone": timezone.strip() or current.timezone,
        "retention_years": retention_years.strip() or current.retention_years,
        "check_in_seconds": check_in_seconds.strip() or None,  # empty: the protocol's own
        "voice_prompts": voice_prompts == "on",
    }
    try:
        given = clinic_settings.checked(values)
    except clinic_settings.ClinicSettingsError as error:
        return _page(request, viewer, store, server, problem=str(error), status_code=422)
    clinic_settings.write(store, viewer.account.clinic, given, viewer.email)
    return RedirectResponse("/settings?saved=settings", status_code=303)


@router.post("/settings/users", response_class=HTMLResponse)
def add_account(
    request: Request,
    viewer: OwnerViewer,
    store: PageStore,
    server: ServerDep,
    csrf_token: Short = "",
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=20)] = "therapist",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Add an account to the clinic, with a first password to hand over in person."""
    check_csrf(viewer, csrf_token)
    try:
        add_user(store, email, role, password, viewer.account.clinic)
    except AccountError as error:
        return _page(request, viewer, store, server, problem=str(error), status_code=422)
    return RedirectResponse("/settings?saved=user#users", status_code=303)


@router.post("/settings/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate_account(
    user_id: str,
    request: Request,
    viewer: OwnerViewer,
    store: PageStore,
    server: ServerDep,
    csrf_token: Short = "",
) -> Response:
    """Deactivate an account of the clinic: it can no longer log in (its records stay)."""
    check_csrf(viewer, csrf_token)
    found = [a for a in clinic_accounts(store, viewer.account.clinic) if a.id == user_id]
    if not found:
        raise NotFound("no such account")
    if found[0].id == viewer.account.id:
        problem = "You cannot deactivate your own account: another owner can."
        return _page(request, viewer, store, server, problem=problem, status_code=422)
    deactivate(store, found[0].email)
    return RedirectResponse("/settings?saved=off#users", status_code=303)


def _page(
    request: Request,
    viewer: Viewer,
    store: Store,
    server: ServerDep,
    problem: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "settings.html",
        viewer,
        status_code=status_code,
        current=chosen(server, store, viewer),
        accounts=clinic_accounts(store, viewer.account.clinic),
        roles=ROLES,
        zones=_zones(),
        check_in_range=(MIN_CHECK_IN_SECONDS, MAX_CHECK_IN_SECONDS),
        problem=problem,
        notice=notice,
    )


@cache
def _zones() -> tuple[str, ...]:
    from zoneinfo import available_timezones

    return tuple(sorted(z for z in available_timezones() if "/" in z and "Etc" not in z))
