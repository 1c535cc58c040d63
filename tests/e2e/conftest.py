"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

The server is the real app on uvicorn in a thread, over the test's store (SQLite, and
PostgreSQL when TABLEWORK_TEST_DATABASE_URL is set). Without /usr/bin/chromium (or
TABLEWORK_CHROMIUM) the browser tests skip, saying how to get it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tablework.store import accounts
from tablework.store.accounts import Account, add_user
from tablework.store.repo import Store
from web_helpers import PASSWORD, PEOPLE, settings_for

VENDOR = Path(__file__).parent / "vendor"
CHROMIUM = os.environ.get("TABLEWORK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Live:
    """A running server: its address, its store and the clinic's accounts."""

    url: str
    store: Store
    accounts: dict[str, Account]
    extra: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(store: Store, tmp_path: Path) -> Iterator[Live]:
    """The app served over HTTP on a free local port, with alice, bob, olivia, charlie."""
    import uvicorn

    from tablework.web.app import create_app

    assert accounts._hasher is not None
    people = {
        name: add_user(store, f"{name}@example.org", role, PASSWORD, clinic)
        for name, (role, clinic) in PEOPLE.items()
    }
    app = create_app(settings_for(store, tmp_path), store)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield Live(f"http://127.0.0.1:{port}", store, people)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, started once for the whole run."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (scripts/test does it "
            "when it can)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
        )
        yield browser
        browser.close()


@pytest.fixture
def tablet(chromium: Any, live: Live) -> Iterator[Any]:
    """A fresh browser context sized like a tablet in landscape, on the live server."""
    context = chromium.new_context(viewport=TABLET, base_url=live.url)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def phone(chromium: Any, live: Live) -> Iterator[Any]:
    """A second, separate browser: the client's phone in portrait."""
    context = chromium.new_context(
        viewport=PHONE, base_url=live.url, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def log_in(page: Any, who: str) -> None:
    """Log in through the login form as `who`."""
    page.goto("/login")
    page.fill("input[name=username]", f"{who}@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it stands."""
    page.add_script_tag(path=str(VENDOR / "axe.min.js"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in result if v.get("impact") in ("serious", "critical")]


def api(live: Live, who: str) -> Any:
    """An HTTP client on the live server's JSON API with `who`'s bearer token."""
    from datetime import timedelta

    import httpx

    from tablework.store import tokens

    secret = tokens.issue(live.store, live.accounts[who], "bearer", timedelta(hours=1)).secret
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {secret}"})


def started_session(live: Live, who: str = "alice", intake: Any = None) -> str:
    """A client with a clean intake and a started session, made through the API."""
    from web_helpers import PROCEED

    with api(live, who) as http:
        client = http.post("/api/clients", json={"display_name": "Invented Client"}).json()
        answer = http.post(f"/api/clients/{client['id']}/intakes", json=intake or PROCEED)
        assert answer.status_code == 201, answer.text
        answer = http.post("/api/sessions", json={"client_id": client["id"]})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])
