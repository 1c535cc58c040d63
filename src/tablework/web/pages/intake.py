"""The intake page: the questionnaire as a form, screened live as answers arrive, saved as
the client's next intake version (the same functions as POST /api/clients/{id}/intakes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tablework.store import access
from tablework.store.repo import ClientRow
from tablework.web.api.clients import record_intake, screened
from tablework.web.errors import Refused
from tablework.web.pages.common import PageStore, PageTrail, PageViewer, Viewer, check_csrf, render
from tablework.web.pages.intake_form import (
    NOTES,
    PSFS_ROWS,
    FormValues,
    intake_from_form,
    questionnaire,
)
from tablework.web.pages.screening_view import screening_view

router = APIRouter(include_in_schema=False)


@router.get("/clients/{client_id}/intake", response_class=HTMLResponse)
def intake_page(
    client_id: str, request: Request, viewer: PageViewer, store: PageStore, trail: PageTrail
) -> HTMLResponse:
    """A blank intake form for the client, with the screening of no answers yet."""
    client = access.client_for(store, viewer.account, client_id)
    trail.add("intake_page", client.id)
    return _form_page(request, viewer, client, {})


@router.post("/clients/{client_id}/intake/preview", response_class=HTMLResponse)
def intake_preview(
    client_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    form: FormValues,
) -> HTMLResponse:
    """The screening of the answers so far, as a fragment; nothing is stored."""
    check_csrf(viewer, form.get("csrf_token"))
    client = access.client_for(store, viewer.account, client_id)
    trail.add("intake_preview", client.id)
    return render(request, "_screening.html", viewer, **_screened(form))


@router.post("/clients/{client_id}/intake", response_class=HTMLResponse)
def save_intake(
    client_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    form: FormValues,
) -> Response:
    """Store the intake, screened, and go back to the client page; the form again, with
    what to fix, when an answer cannot be used."""
    check_csrf(viewer, form.get("csrf_token"))
    client = access.client_for(store, viewer.account, client_id)
    trail.add("save_intake", client.id)
    intake, problems = intake_from_form(form)
    if not problems:
        try:
            parsed, result = screened(intake)
        except Refused as refused:
            problems = refused.detail.split("; ")
        else:
            record_intake(store, client.id, parsed, result)
            return RedirectResponse(f"/clients/{client.id}#admission", status_code=303)
    return _form_page(request, viewer, client, form, problems, status_code=422)


def _form_page(
    request: Request,
    viewer: Viewer,
    client: ClientRow,
    values: dict[str, str],
    problems: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "intake.html",
        viewer,
        status_code=status_code,
        client=client,
        questionnaire=questionnaire(),
        notes=NOTES,
        psfs_rows=range(1, PSFS_ROWS + 1),
        values=values,
        problems=problems or [],
        **_screened(values),
    )


def _screened(values: dict[str, str]) -> dict[str, Any]:
    """The live screening of a form's values, or what keeps them from being screened."""
    intake, problems = intake_from_form(values)
    if not problems:
        try:
            _answers, result = screened(intake)
        except Refused as refused:
            problems = refused.detail.split("; ")
        else:
            return {"screening": screening_view(result.as_json()), "preview_problems": []}
    # A slip in the function scale (PSFS) must not hide a red flag: screen the safety
    # answers without it, and list what to fix beside the result.
    problems = [_plain(problem) for problem in problems]
    answers = {k: v for k, v in intake.get("answers", {}).items() if k != "psfs"}
    try:
        _answers, result = screened({**intake, "answers": answers})
    except Refused:
        return {"screening": None, "preview_problems": problems}
    return {"screening": screening_view(result.as_json()), "preview_problems": problems}


def _plain(problem: str) -> str:
    """The function scale's rule in words, instead of the validator's."""
    if problem.startswith("psfs") and "items" in problem:
        return "function scale (PSFS): give 3 to 5 activities, each with a score 0-10, or none"
    return problem
