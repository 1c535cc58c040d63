"""Who may call what: every route, as an outsider, another therapist, and the owner.

A route missing from RULES fails the sweep, so a new route cannot ship without deciding
who may call it (datasette's test_permissions does the same for every path).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from web_helpers import PROCEED, Clinic, api_routes, browser, clinic, form_of

__all__ = ["clinic"]

PUBLIC = "public"  # no login: health and the API's own description
LOGIN = "login"  # where a login starts: no caller yet
CALLER = "caller"  # any logged-in account; answers only about their own clients
RECORD = "record"  # one client's record: others get 404
REMOTE = "remote"  # the client's remote token, not an account
OWNER = "owner"  # the clinic's owner only: therapists get 403
PAGE_OPEN = "page_open"  # a page anyone may load (the login form)
PAGE = "page"  # a page for any logged-in browser; others are sent to the login form
PAGE_RECORD = "page_record"  # a page about one client's record: others get 404
PAGE_OWNER = "page_owner"  # a page for the clinic's owner: therapists get 403
PAGE_REMOTE = "page_remote"  # the client's remote page: the token is the key
PAGES = (PAGE_OPEN, PAGE, PAGE_RECORD, PAGE_OWNER, PAGE_REMOTE)

RULES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/api/auth/token"): LOGIN,
    ("POST", "/api/auth/login"): LOGIN,
    ("DELETE", "/api/auth/token"): CALLER,
    ("POST", "/api/auth/logout"): CALLER,
    ("GET", "/api/clients"): CALLER,
    ("POST", "/api/clients"): CALLER,
    ("GET", "/api/outcomes"): CALLER,
    ("GET", "/api/audit"): OWNER,
    ("POST", "/api/sessions"): RECORD,
    ("GET", "/api/clients/{client_id}"): RECORD,
    ("POST", "/api/clients/{client_id}/intakes"): RECORD,
    ("POST", "/api/clients/{client_id}/shares"): RECORD,
    ("GET", "/api/clients/{client_id}/fhir"): RECORD,
    ("GET", "/api/clients/{client_id}/follow-ups.ics"): RECORD,
    ("GET", "/api/sessions/{session_id}"): RECORD,
    ("POST", "/api/sessions/{session_id}/events"): RECORD,
    ("GET", "/api/sessions/{session_id}/events"): RECORD,
    ("POST", "/api/sessions/{session_id}/remote"): RECORD,
    ("GET", "/api/sessions/{session_id}/stream"): RECORD,
    ("GET", "/api/sessions/{session_id}/note"): RECORD,
    ("PUT", "/api/sessions/{session_id}/note"): RECORD,
    ("POST", "/api/sessions/{session_id}/note/sign"): RECORD,
    ("POST", "/api/sessions/{session_id}/note/addenda"): RECORD,
    ("GET", "/api/sessions/{session_id}/note.pdf"): RECORD,
    ("GET", "/api/sessions/{session_id}/handout.pdf"): RECORD,
    ("POST", "/r/{token}/answers"): REMOTE,
    ("GET", "/login"): PAGE_OPEN,
    ("POST", "/login"): PAGE_OPEN,
    ("POST", "/logout"): PAGE,
    ("GET", "/"): PAGE,
    ("POST", "/clients"): PAGE,
    ("GET", "/clients/{client_id}"): PAGE_RECORD,
    ("POST", "/clients/{client_id}/sessions"): PAGE_RECORD,
    ("GET", "/clients/{client_id}/intake"): PAGE_RECORD,
    ("POST", "/clients/{client_id}/intake/preview"): PAGE_RECORD,
    ("POST", "/clients/{client_id}/intake"): PAGE_RECORD,
    ("GET", "/sessions/{session_id}/note"): PAGE_RECORD,
    ("POST", "/sessions/{session_id}/note"): PAGE_RECORD,
    ("POST", "/sessions/{session_id}/note/sign"): PAGE_RECORD,
    ("POST", "/sessions/{session_id}/note/addenda"): PAGE_RECORD,
    ("GET", "/settings"): PAGE_OWNER,
    ("POST", "/settings"): PAGE_OWNER,
    ("POST", "/settings/users"): PAGE_OWNER,
    ("POST", "/settings/users/{user_id}/deactivate"): PAGE_OWNER,
    ("GET", "/sessions/{session_id}"): PAGE_RECORD,
    ("POST", "/sessions/{session_id}/remote"): PAGE_RECORD,
    ("GET", "/r/{token}"): PAGE_REMOTE,
}

NOTE_TEXT = "SUBJECTIVE\n- a\nOBJECTIVE\n- b\nASSESSMENT\n- c\nPLAN\n- d\n"


@pytest.fixture
def alices(clinic: Clinic) -> dict[str, str]:
    """Alice's client, intake and session: the records every sweep call is about."""
    client_id = clinic.add_client("alice", "Alice's Client")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    return {
        "client_id": client_id,
        "session_id": session_id,
        "token": "unknown",
        "user_id": clinic.accounts["bob"].id,
    }


def test_every_route_has_an_access_rule(clinic: Clinic) -> None:
    missing = [route for route in api_routes(clinic.http.app) if route not in RULES]
    assert missing == [], f"routes without an access rule in RULES: {missing}"


def test_outsiders_get_401_on_every_route_that_needs_a_login(
    clinic: Clinic, alices: dict[str, str]
) -> None:
    for method, path in api_routes(clinic.http.app):
        if RULES[(method, path)] in (PUBLIC, LOGIN, REMOTE, *PAGES):
            continue
        answer = _call(clinic, "anonymous", method, path, alices)
        assert answer.status_code == 401, (method, path, answer.text)
        assert "detail" in answer.json()


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_other_therapists_get_404_for_alices_records(
    clinic: Clinic, alices: dict[str, str], outsider: str
) -> None:
    for method, path in api_routes(clinic.http.app):
        rule = RULES[(method, path)]
        if rule not in (RECORD, OWNER):
            continue
        answer = _call(clinic, outsider, method, path, alices)
        expected = 403 if rule == OWNER else 404
        assert answer.status_code == expected, (outsider, method, path, answer.text)
        assert "Alice" not in answer.text


def test_the_owner_reaches_every_record_of_the_clinic(
    clinic: Clinic, alices: dict[str, str]
) -> None:
    for method, path in api_routes(clinic.http.app):
        if RULES[(method, path)] not in (RECORD, OWNER) or path.endswith("/stream"):
            continue  # the stream never ends: test_web_stream holds it open
        answer = _call(clinic, "olivia", method, path, alices)
        assert answer.status_code < 400, (method, path, answer.text)


def test_charlies_owner_would_not_see_alices_client(clinic: Clinic, alices: dict[str, str]) -> None:
    listed = clinic.http.get("/api/clients", headers=clinic.auth("charlie")).json()
    assert listed == []
    mine = clinic.http.get("/api/clients", headers=clinic.auth("bob")).json()
    assert alices["client_id"] not in [c["id"] for c in mine]


def test_a_shared_client_is_visible_to_the_therapist_it_is_shared_with(
    clinic: Clinic, alices: dict[str, str]
) -> None:
    from tablework.store.access import share

    share(clinic.store, alices["client_id"], clinic.accounts["bob"])
    path = f"/api/clients/{alices['client_id']}"
    assert clinic.http.get(path, headers=clinic.auth("bob")).status_code == 200


def test_alice_shares_her_client_with_bob_through_the_api(
    clinic: Clinic, alices: dict[str, str]
) -> None:
    path = f"/api/clients/{alices['client_id']}"
    assert clinic.http.get(path, headers=clinic.auth("bob")).status_code == 404
    for _ in range(2):  # twice: harmless
        answer = clinic.http.post(
            f"{path}/shares", json={"therapist": "Bob@example.org"}, headers=clinic.auth("alice")
        )
        assert answer.status_code == 201, answer.text
    refused = clinic.http.post(
        f"{path}/shares", json={"therapist": "charlie@example.org"}, headers=clinic.auth("alice")
    )
    assert refused.status_code == 422  # another clinic's therapist
    assert clinic.http.get(path, headers=clinic.auth("bob")).status_code == 200
    assert clinic.http.get(path, headers=clinic.auth("charlie")).status_code == 404


def _call(clinic: Clinic, who: str, method: str, path: str, ids: dict[str, str]) -> Any:
    url = path.format(**ids)
    return clinic.http.request(method, url, headers=clinic.auth(who), **_body(method, path, ids))


def _body(method: str, path: str, ids: dict[str, str]) -> dict[str, Any]:
    if path == "/api/sessions":
        return {"json": {"client_id": ids["client_id"]}}
    if path.endswith("/intakes"):
        return {"json": PROCEED}
    if path.endswith("/shares"):
        return {"json": {"therapist": "bob@example.org"}}
    if path.endswith("/events"):
        return {"json": {"type": "note", "text": "client comfortable"}} if method == "POST" else {}
    if path.endswith("/note") and method == "PUT":
        return {"json": {"text": NOTE_TEXT}}
    if path.endswith("/sign"):
        return {"json": {"by": "Olivia, owner"}}
    if path.endswith("/addenda"):
        return {"json": {"text": "later call"}}
    if path == "/api/clients" and method == "POST":
        return {"json": {"display_name": "Another"}}
    return {}


def test_pages_send_anonymous_browsers_to_the_login_form(
    clinic: Clinic, alices: dict[str, str]
) -> None:
    anonymous = TestClient(clinic.http.app, follow_redirects=False)
    for method, path in api_routes(clinic.http.app):
        if RULES[(method, path)] not in (PAGE, PAGE_RECORD, PAGE_OWNER):
            continue
        answer = anonymous.request(method, path.format(**alices), headers=HTML)
        if method == "GET":
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"].startswith("/login"), (method, path)
        else:
            assert answer.status_code == 401, (method, path, answer.text)
        assert "Alice" not in answer.text


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_pages_about_alices_records_are_404_to_other_therapists(
    clinic: Clinic, alices: dict[str, str], outsider: str
) -> None:
    http, csrf = browser(clinic, outsider)
    for method, path in api_routes(clinic.http.app):
        rule = RULES[(method, path)]
        if rule not in (PAGE_RECORD, PAGE_OWNER):
            continue
        answer = http.request(
            method,
            path.format(**alices),
            headers={**HTML, "X-CSRF-Token": csrf},
            **_form(csrf, path),
        )
        expected = 403 if rule == PAGE_OWNER else 404
        assert answer.status_code == expected, (outsider, method, path, answer.text)
        assert "Alice" not in answer.text
        assert "text/html" in answer.headers["content-type"]


def test_the_owner_opens_every_page_about_alices_records(
    clinic: Clinic, alices: dict[str, str]
) -> None:
    http, csrf = browser(clinic, "olivia")
    for method, path in api_routes(clinic.http.app):
        if RULES[(method, path)] not in (PAGE, PAGE_RECORD, PAGE_OWNER) or path == "/logout":
            continue
        answer = http.request(
            method,
            path.format(**alices),
            headers={**HTML, "X-CSRF-Token": csrf},
            **_form(csrf, path),
        )
        assert answer.status_code < 400, (method, path, answer.text)


HTML = {"Accept": "text/html"}


def _form(csrf: str, path: str) -> dict[str, Any]:
    """A page form as its page would post it: the CSRF token and what the form asks."""
    return {"data": {"csrf_token": csrf, **PAGE_FORMS.get(path, {})}}


PAGE_FORMS: dict[str, dict[str, str]] = {
    "/clients": {"display_name": "Another"},
    "/clients/{client_id}/intake": form_of(PROCEED),
    "/sessions/{session_id}/note": {"text": NOTE_TEXT},
    "/sessions/{session_id}/note/sign": {"by": "Olivia, owner"},
    "/sessions/{session_id}/note/addenda": {"text": "later call"},
    "/settings": {"timezone": "UTC", "retention_years": "7"},
    "/settings/users": {"email": "dora@example.org", "password": "a long password"},
}
