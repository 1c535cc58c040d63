"""What every page shares: the templates, the logged-in viewer, CSRF on forms, audit rows.

A page reads the browser's session cookie. Without a live one it redirects to the login
page (the API answers 401 instead). Every form a page posts carries the session's CSRF
token in a hidden `csrf_token` field; the session screen's script sends it as the
X-CSRF-Token header to the JSON API, exactly as any other browser caller does.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tablework.store import audit, clinic_settings, tokens
from tablework.store.accounts import Account
from tablework.store.repo import Store
from tablework.web.deps import SESSION_COOKIE, ServerDep, address
from tablework.web.errors import Refused

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["static_version"] = "5"


class LoginNeeded(Exception):
    """No live browser session: the page sends the browser to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class Viewer:
    """The logged-in person looking at a page, and their session's CSRF token."""

    account: Account
    csrf: str

    @property
    def email(self) -> str:
        return self.account.email

    @property
    def is_owner(self) -> bool:
        return self.account.is_owner


def _viewer(request: Request, server: ServerDep) -> Viewer:
    cookie = request.cookies.get(SESSION_COOKIE)
    held = tokens.holder(server.store, cookie, "browser") if cookie else None
    if held is None or held.csrf is None:
        raise LoginNeeded(request.url.path)
    return Viewer(held.account, held.csrf)


PageViewer = Annotated[Viewer, Depends(_viewer)]


def _trail(request: Request, viewer: PageViewer, server: ServerDep) -> audit.AuditTrail:
    return audit.AuditTrail(viewer.email, address(request), server.store.clock())


PageTrail = Annotated[audit.AuditTrail, Depends(_trail)]


def _audited_store(server: ServerDep, trail: PageTrail) -> Iterator[Store]:
    """The store writing the page's audit rows with its writes; reads flushed after."""
    yield server.store.audited(trail)
    audit.flush(server.store, trail)


PageStore = Annotated[Store, Depends(_audited_store, scope="function")]


def check_csrf(viewer: Viewer, given: str | None) -> None:
    """403 unless a posted form carries the session's CSRF token."""
    if not given or not hmac.compare_digest(given, viewer.csrf):
        raise Refused(403, "the form is out of date or was not sent by this app: reload the page")


def render(
    request: Request,
    name: str,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page from `templates/name`, with the viewer, CSRF token and clinic name (the
    viewer's clinic's own, over the environment's)."""
    server = request.app.state.server
    clinic_name = server.settings.clinic_name
    if viewer is not None:
        chosen = clinic_settings.read(server.store, viewer.account.clinic, server.settings)
        clinic_name = chosen.clinic_name
    return templates.TemplateResponse(
        request,
        name,
        {
            "viewer": viewer,
            "csrf": viewer.csrf if viewer else "",
            "clinic_name": clinic_name or "Tablework",
            **context,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def login_location(next_path: str) -> str:
    """The login page, returning to `next_path` (a local path only) after."""
    return "/login?next=" + quote(next_path, safe="/") if next_path not in ("", "/") else "/login"


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
