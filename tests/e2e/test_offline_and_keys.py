"""A dropped connection queues actions; the keyboard (or a foot pedal) runs a session."""

from __future__ import annotations

from typing import Any

from test_session_screen import guidance, stored, wait_seq

from conftest import Live, log_in, started_session


def test_actions_tapped_offline_are_sent_once_each_in_order(tablet: Any, live: Live) -> None:
    session_id = started_session(live)
    page = tablet.new_page()
    log_in(page, "alice")
    page.goto(f"/sessions/{session_id}")
    page.locator("#link").get_by_text("live").wait_for()

    tablet.set_offline(True)
    page.get_by_role("button", name="Client relaxed").click()
    page.get_by_role("button", name="Breathing eased").click()
    page.get_by_role("button", name="Client tense").click()
    page.locator("#link").get_by_text("offline, 3 queued").wait_for()
    assert len(stored(live, session_id)) == 1

    tablet.set_offline(False)
    page.locator("#link").get_by_text("live").wait_for(timeout=15_000)
    wait_seq(page, 4)
    events = stored(live, session_id)
    assert [e["event"].get("text") for e in events[1:]] == [
        "Client relaxed",
        "Breathing eased",
        "Client tense",
    ]
    assert [e["seq"] for e in events] == [1, 2, 3, 4]


def test_queued_actions_survive_a_reload(tablet: Any, live: Live) -> None:
    session_id = started_session(live)
    page = tablet.new_page()
    log_in(page, "alice")
    page.goto(f"/sessions/{session_id}")
    page.locator("#link").get_by_text("live").wait_for()
    tablet.set_offline(True)
    page.get_by_role("button", name="Client relaxed").click()
    page.locator("#link").get_by_text("offline, 1 queued").wait_for()
    tablet.set_offline(False)
    page.reload()
    wait_seq(page, 2)
    assert [e["event"]["type"] for e in stored(live, session_id)] == ["session_started", "note"]


def test_a_session_by_keyboard_alone(tablet: Any, live: Live) -> None:
    session_id = started_session(live)
    page = tablet.new_page()
    log_in(page, "alice")
    page.goto(f"/sessions/{session_id}")
    page.locator("#link").get_by_text("live").wait_for()
    keys = page.keyboard

    keys.press("n")  # positioned as the guidance says
    wait_seq(page, 2)
    keys.press("Enter")  # the client adjusted the pillow
    wait_seq(page, 3)
    keys.press("n")  # begin on the suggested area
    wait_seq(page, 4)
    keys.press("4")  # pain 4, with the next answer
    keys.press("g")  # good
    wait_seq(page, 5)
    keys.press("l")  # lighter
    wait_seq(page, 6)
    keys.press("t")  # the area tightened
    wait_seq(page, 7)
    keys.press("s")  # stop
    wait_seq(page, 8)
    assert guidance(page).get_attribute("data-action") == "pause"

    types = [(e["event"]["type"], e["event"].get("pressure")) for e in stored(live, session_id)]
    assert types == [
        ("session_started", None),
        ("positioned", None),
        ("positioned", None),
        ("work_started", None),
        ("check_in", "good"),
        ("check_in", "lighter"),
        ("tightening_observed", None),
        ("check_in", "stop"),
    ]
    events = stored(live, session_id)
    assert events[2]["event"]["client_adjusted"] is True
    assert events[4]["event"]["pain"] == 4

    keys.press("e")  # end: asks the pain after, typed into the focused field
    keys.type("2")
    keys.press("Enter")
    wait_seq(page, 9)
    assert stored(live, session_id)[-1]["event"]["pain_after"] == 2
