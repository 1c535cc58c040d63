"""The session screen and the remote page as HTML: what they carry, and what they refuse."""

from __future__ import annotations

import json
import re

from web_helpers import Clinic, browser, clinic

__all__ = ["clinic"]

HOSTILE = "</script><script>alert(1)</script> Invented"
HTML = {"Accept": "text/html"}


def _session(clinic: Clinic, name: str = "Invented Client") -> str:
    client_id = clinic.add_client("alice", name)
    clinic.add_intake("alice", client_id)
    return clinic.start_session("alice", client_id)


def _boot(page: str) -> dict[str, object]:
    found = re.search(r'<script id="boot" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_the_screen_carries_the_guidance_and_its_seq(clinic: Clinic) -> None:
    session_id = _session(clinic)
    http, _ = browser(clinic, "alice")
    page = http.get(f"/sessions/{session_id}", headers=HTML)
    assert page.status_code == 200
    assert 'data-testid="guidance"' in page.text
    assert 'data-action="position_client"' in page.text and 'data-seq="1"' in page.text
    boot = _boot(page.text)
    assert boot["last_seq"] == 1 and boot["session_id"] == session_id
    assert page.headers["cache-control"] == "no-store"


def test_a_hostile_client_name_is_text_not_markup(clinic: Clinic) -> None:
    session_id = _session(clinic, HOSTILE)
    http, _ = browser(clinic, "alice")
    page = http.get(f"/sessions/{session_id}", headers=HTML).text
    assert "<script>alert(1)" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page
    _boot(page)  # the embedded state still parses


def test_the_remote_page_names_nobody_and_dies_with_the_session(clinic: Clinic) -> None:
    session_id = _session(clinic, "Zelda Invented")
    http, csrf = browser(clinic, "alice")
    fragment = http.post(f"/sessions/{session_id}/remote", headers={**HTML, "X-CSRF-Token": csrf})
    assert fragment.status_code == 200 and "<svg" in fragment.text
    url = re.search(r'href="https?://[^/]+(/r/[^"]+)"', fragment.text)
    assert url is not None
    remote = clinic.http.get(url.group(1), headers=HTML)
    assert remote.status_code == 200
    assert "Zelda" not in remote.text and "Invented" not in remote.text
    for name in ("Lighter", "Good", "Deeper", "Stop"):
        assert f">{name}</button>" in remote.text
    clinic.post("alice", session_id, {"type": "session_ended", "pain_after": 2})
    gone = clinic.http.get(url.group(1), headers=HTML)
    assert gone.status_code == 410 and "text/html" in gone.headers["content-type"]
    late = http.post(f"/sessions/{session_id}/remote", headers={**HTML, "X-CSRF-Token": csrf})
    assert late.status_code == 409


def test_a_remote_link_needs_the_csrf_token(clinic: Clinic) -> None:
    session_id = _session(clinic)
    http, _ = browser(clinic, "alice")
    answer = http.post(f"/sessions/{session_id}/remote", headers=HTML)
    assert answer.status_code == 403
    answer = http.post(f"/sessions/{session_id}/remote", headers={**HTML, "X-CSRF-Token": "x"})
    assert answer.status_code == 403


def test_an_unknown_remote_token_is_a_404_page(clinic: Clinic) -> None:
    answer = clinic.http.get("/r/not-a-token", headers=HTML)
    assert answer.status_code == 404 and "Not found" in answer.text
    assert clinic.http.get("/r/" + "x" * 300, headers=HTML).status_code == 404


def test_the_streams_start_seq_is_checked(clinic: Clinic) -> None:
    session_id = _session(clinic)
    answer = clinic.http.get(
        f"/api/sessions/{session_id}/stream?after=-1", headers=clinic.auth("alice")
    )
    assert answer.status_code == 422


def test_login_form_refuses_wrong_passwords_and_returns_to_the_page(clinic: Clinic) -> None:
    from fastapi.testclient import TestClient

    http = TestClient(clinic.http.app, follow_redirects=False)
    wrong = http.post(
        "/login", data={"username": "alice@example.org", "password": "nope", "next": "/"}
    )
    assert wrong.status_code == 401 and "wrong email or password" in wrong.text
    assert "alice@example.org" in wrong.text  # the form keeps what was typed
    from web_helpers import PASSWORD

    right = http.post(
        "/login",
        data={"username": "alice@example.org", "password": PASSWORD, "next": "//evil.example"},
    )
    assert right.status_code == 303 and right.headers["location"] == "/"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = http.get("/login?next=/sessions/x", headers=HTML)
    assert 'value="/sessions/x"' in page.text
