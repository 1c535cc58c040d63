"""Screenshots of each main screen, tablet landscape and phone portrait, into docs/screenshots/.

Run: .venv/bin/python scripts/screenshots.py   (needs Debian's Chromium: apt-get install chromium)

It serves a throwaway SQLite database filled by `tablework demo`, logs in as a demo owner,
drives one session part-way through the API, and photographs each page. Nothing here runs
in the test suite; the browser tests check behaviour, this shows it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
EMAIL = "owner@demo.tablework.invalid"
PASSWORD = "screenshots only"
SIZES = {"tablet": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def main() -> None:
    chromium = os.environ.get("TABLEWORK_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("error: no chromium: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "TABLEWORK_DATABASE_URL": f"sqlite:///{folder}/shots.sqlite3",
            "TABLEWORK_KEY_FILE": f"{folder}/record.key",
            "TABLEWORK_PASSWORD": PASSWORD,
            "TABLEWORK_CLINIC_NAME": "Harbour Street Massage",
        }
        subprocess.run([BIN / "tablework", "db", "upgrade"], env=env, check=True)
        subprocess.run([BIN / "tablework", "demo"], env=env, check=True, capture_output=True)
        subprocess.run(
            [BIN / "tablework", "user", "add", EMAIL, "--role", "owner"], env=env, check=True
        )
        port = _free_port()
        server = subprocess.Popen(
            [BIN / "tablework", "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            paths = _scene(base)
            _shoot(chromium, base, paths)
        finally:
            server.terminate()
            server.wait(10)


def _scene(base: str) -> dict[str, str]:
    """A client with a session part-way through, and the pages to photograph."""
    token = _call(base, "/api/auth/token", form={"username": EMAIL, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    client = _call(base, "/api/clients", {"display_name": "Robin Example"}, auth)
    intake = json.loads((ROOT / "examples" / "intakes" / "complete-proceed.json").read_text())
    _call(base, f"/api/clients/{client['id']}/intakes", intake, auth)
    session = _call(base, "/api/sessions", {"client_id": client["id"]}, auth)
    events = f"/api/sessions/{session['id']}/events"
    _call(
        base,
        events,
        {
            "type": "positioned",
            "position": "prone",
            "supports": ["hip_pillow_asis"],
            "client_adjusted": True,
        },
        auth,
    )
    _call(
        base,
        events,
        {"type": "work_started", "area": "gluteals-left", "technique": "still-hold", "level": 1},
        auth,
    )
    _call(base, events, {"type": "check_in", "pressure": "good", "pain": 6}, auth)
    _call(base, events, {"type": "tightening_observed", "area": "gluteals-left"}, auth)
    _call(
        base,
        events,
        {
            "type": "work_started",
            "area": "gluteals-right",
            "technique": "broad-compression",
            "level": 1,
        },
        auth,
    )
    remote = _call(base, f"/api/sessions/{session['id']}/remote", None, auth)
    done = _call(base, "/api/sessions", {"client_id": client["id"]}, auth)
    _call(
        base, f"/api/sessions/{done['id']}/events", {"type": "session_ended", "pain_after": 3}, auth
    )
    return {
        "login": "/login",
        "clients": "/",
        "client": f"/clients/{client['id']}",
        "intake": f"/clients/{client['id']}/intake",
        "session": f"/sessions/{session['id']}",
        "remote": remote["url"],
        "note": f"/sessions/{done['id']}/note",
        "settings": "/settings",
    }


def _shoot(chromium: str, base: str, paths: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
            page = context.new_page()
            page.goto("/login")
            page.screenshot(path=OUT / f"login-{size}.png")
            page.fill("input[name=username]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/login" not in url)
            for name, path in paths.items():
                if name == "login":
                    continue
                answer = page.goto(path)
                if answer is None or answer.status >= 400:
                    print(f"skipped {name}: {answer.status if answer else 'no answer'}")
                    continue
                page.wait_for_timeout(600)
                page.screenshot(path=OUT / f"{name}-{size}.png", full_page=size == "phone")
                print(f"wrote docs/screenshots/{name}-{size}.png")
            context.close()
        browser.close()


def _call(base: str, path: str, body: Any = None, headers: Any = None, form: Any = None) -> Any:
    if form is not None:
        from urllib.parse import urlencode

        data = urlencode(form).encode()
        kind = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(body or {}).encode()
        kind = "application/json"
    request = urllib.request.Request(
        base + path, data=data, headers={"Content-Type": kind, **(headers or {})}, method="POST"
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz"):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("error: the server did not start")


if __name__ == "__main__":
    main()
