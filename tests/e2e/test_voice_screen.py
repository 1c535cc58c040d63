"""Voice in the room in a real browser: Chromium's fake microphone says "lighter" into the
session screen; the server stores a check-in with actor `voice` and the screen shows it.

This test starts its own Chromium: the fake-microphone flags are per launch, and the file
is made here (the committed "lighter" with quiet around it; Chromium loops it).
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CHROMIUM, TABLET, Live, api, log_in, started_session

pytest.importorskip("pocketsphinx", reason="the `voice` extra (pocketsphinx) is not installed")

LIGHTER = Path(__file__).parent.parent / "data" / "voice" / "lighter-16k-mono.wav"


def fake_microphone(path: Path) -> Path:
    """ "lighter" with 1 s of quiet before it and 4 s after, 16 kHz mono."""
    with wave.open(str(LIGHTER), "rb") as source:
        rate, speech = source.getframerate(), source.readframes(source.getnframes())
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * rate + speech + b"\0\0" * rate * 4)
    return path


@pytest.fixture
def microphone_browser(chromium: Any, tmp_path: Path) -> Iterator[Any]:
    """A second Chromium, with the fake microphone, from the run's Playwright instance
    (one Playwright per thread: a second `sync_playwright()` would refuse to start)."""
    audio = fake_microphone(tmp_path / "lighter-in-quiet.wav")
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--autoplay-policy=no-user-gesture-required",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={audio}",
        ],
    )
    yield browser
    browser.close()


def test_lighter_said_in_the_room_is_a_voice_check_in_on_the_screen(
    microphone_browser: Any, live: Live
) -> None:
    session_id = started_session(live)
    with api(live, "alice") as http:
        for event in (
            {"type": "positioned", "position": "prone", "supports": ["hip_pillow_asis"]},
            {
                "type": "work_started",
                "area": "gluteals-left",
                "technique": "still-hold",
                "level": 1,
            },
        ):
            assert http.post(f"/api/sessions/{session_id}/events", json=event).status_code == 201
    context = microphone_browser.new_context(viewport=TABLET, base_url=live.url)
    context.set_default_timeout(12_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "alice")
    page.goto(f"/sessions/{session_id}")
    mic = page.get_by_role("button", name="Microphone off")
    assert page.locator("#voice-listening").is_hidden()
    mic.click()
    page.locator("#voice-listening").wait_for(state="visible")

    # The screen shows the answer, from the live stream, marked as the room's voice.
    page.locator("#log").get_by_text("Client: lighter (voice)").first.wait_for()
    page.get_by_role("button", name="Microphone on").click()
    assert page.locator("#voice-listening").is_hidden()
    assert "lighter" in page.locator("#voice-heard").inner_text()
    # Undo (U) within 5 s retracts it by a new event; nothing is deleted.
    page.keyboard.press("u")
    page.locator("#log").get_by_text("Retracted event").wait_for()

    with api(live, "alice") as http:
        events = http.get(f"/api/sessions/{session_id}/events").json()
    voiced = [e for e in events if e["actor"] == "voice"]
    assert voiced, events
    first = voiced[0]
    assert first["event"]["type"] == "check_in" and first["event"]["pressure"] == "lighter"
    assert first["event"]["area"] == "gluteals-left"
    last = events[-1]
    assert last["event"]["type"] == "retracted" and last["actor"] == "alice@example.org"
    assert last["event"]["seq"] == voiced[-1]["seq"] == last["seq"] - 1
    assert errors == []
    context.close()
