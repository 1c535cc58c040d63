"""axe-core (vendored from npm, injected here) on every page: no serious or critical
violations, on a tablet in landscape and on a phone in portrait."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PHONE, TABLET, Live, api, axe_violations, log_in, started_session


def _remote_path(live: Live, session_id: str) -> str:
    with api(live, "alice") as http:
        answer = http.post(f"/api/sessions/{session_id}/remote")
        assert answer.status_code == 201, answer.text
        return str(answer.json()["url"])


def _pages(live: Live) -> dict[str, str]:
    """Every page, about one client with a live session and an ended one."""
    session_id = started_session(live)
    with api(live, "alice") as http:
        client_id = http.get(f"/api/sessions/{session_id}").json()["client_id"]
        ended = http.post("/api/sessions", json={"client_id": client_id}).json()["id"]
        http.post(f"/api/sessions/{ended}/events", json={"type": "session_ended", "pain_after": 3})
    return {
        "client list": "/",
        "client page": f"/clients/{client_id}",
        "intake form": f"/clients/{client_id}/intake",
        "session screen": f"/sessions/{session_id}",
        "note review": f"/sessions/{ended}/note",
        "settings": "/settings",
        "not found": "/sessions/no-such-session",
    }


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_no_serious_accessibility_violations(chromium: Any, live: Live, viewport: Any) -> None:
    context = chromium.new_context(viewport=viewport, base_url=live.url)
    try:
        page = context.new_page()
        page.goto("/login")
        assert axe_violations(page) == [], "login"
        log_in(page, "olivia")  # the owner: every page, settings included
        pages = _pages(live)
        remote = _remote_path(live, pages["session screen"].rsplit("/", 1)[1])
        for name, path in {**pages, "client remote": remote}.items():
            page.goto(path)
            found = axe_violations(page)
            assert found == [], (name, [(v["id"], v["help"], len(v["nodes"])) for v in found])
    finally:
        context.close()
