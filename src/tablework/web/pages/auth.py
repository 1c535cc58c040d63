"""The login form and logging out, for browsers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tablework.store import tokens
from tablework.web.api.auth import login, start_browser_session
from tablework.web.deps import SESSION_COOKIE, ServerDep, address
from tablework.web.pages.common import PageViewer, check_csrf, render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    """The login form: fields `username` (email) and `password`."""
    return render(request, "login.html", next=safe_next(next), problem=None, username="")


@router.post("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    server: ServerDep,
    username: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Log in and go where the browser was going; the form again, with why, on failure."""
    try:
        user = login(server, username, password, address(request))
    except HTTPException as refused:
        return render(
            request,
            "login.html",
            status_code=refused.status_code,
            next=safe_next(next),
            problem=str(refused.detail),
            username=username[:320],
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    start_browser_session(server, user, request, response)
    return response


@router.post("/logout")
def logout_form(
    request: Request,
    viewer: PageViewer,
    server: ServerDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """End this browser's session and show the login form."""
    check_csrf(viewer, csrf_token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        tokens.revoke(server.store, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
