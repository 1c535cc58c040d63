"""The whole journey in one browser, as a therapist meets it: log in, add a client, an
intake that blocks, a clean one, the session with the client's phone, the note, the files.
"""

from __future__ import annotations

import json
from typing import Any

from test_session_screen import guidance, stored, wait_seq

from conftest import Live, log_in
from web_helpers import PROCEED


def fill_intake(page: Any, answers: dict[str, Any]) -> None:
    """Answer every question of the generated intake form as `answers` says."""
    for name, value in answers.items():
        if name == "psfs":
            continue
        if isinstance(value, bool):
            page.locator(f"input[name={name}][value={'yes' if value else 'no'}]").check()
        elif isinstance(value, int):
            page.locator(f"#{name}").fill(str(value))
        elif page.locator(f"select#{name}").count():
            page.locator(f"select#{name}").select_option(value)
        else:
            page.locator(f"input[name={name}][value={value}]").check()


def test_the_whole_journey(tablet: Any, phone: Any, live: Live) -> None:
    page = tablet.new_page()
    log_in(page, "alice")

    # A new client.
    page.get_by_label("Display name").fill("Robin Invented")
    page.get_by_role("button", name="Create client").click()
    page.wait_for_url("**/clients/*")
    client_url = page.url

    # Saddle numbness: the screening blocks the session and says what to tell the client.
    page.get_by_role("link", name="Take the intake").click()
    fill_intake(page, {**PROCEED["answers"], "saddle_numbness": True})
    result = page.locator("#screening-result")
    result.get_by_text("emergency", exact=False).first.wait_for()
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url + "*")
    assert page.get_by_role("button", name="Start session", exact=True).count() == 0
    assert "emergency" in page.content().lower()

    # A clean intake: now the session can start.
    page.get_by_role("link", name="New intake").click()
    fill_intake(page, PROCEED["answers"])
    page.get_by_role("button", name="Save intake").click()
    page.wait_for_url(client_url + "*")
    page.get_by_role("button", name="Start session", exact=True).click()
    page.wait_for_url("**/sessions/*")
    session_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert guidance(page).get_attribute("data-action") == "position_client"

    # Prone with the hip pillow at ASIS level, adjusted by the client; broad work on a
    # guarding area first.
    page.get_by_role("button", name="Client is placed").click()
    wait_seq(page, 2)
    page.get_by_role("button", name="The client has adjusted the supports").click()
    wait_seq(page, 3)
    first = stored(live, session_id)[1]["event"]
    assert first["position"] == "prone" and "hip_pillow_asis" in first["supports"]
    page.locator("#do").click()
    wait_seq(page, 4)
    work = stored(live, session_id)[-1]["event"]
    assert work["type"] == "work_started" and work["level"] <= 1
    area = work["area"]
    assert live_protocol_role(area) == "guarding"

    # The client's phone answers "good": the screen shows it without a reload.
    page.get_by_role("button", name="Client remote").click()
    link = page.locator("#remote-dialog").get_by_role("link", name="Open the remote here")
    remote_url = str(link.get_attribute("href"))
    page.locator("#remote-dialog").get_by_role("button", name="Close").click()
    mobile = phone.new_page()
    mobile.goto(remote_url)
    mobile.get_by_role("button", name="Good").click()
    wait_seq(page, 5)
    page.locator("#log").get_by_text("Client: good (remote)").wait_for()

    # Tightening locks the area; a later tap on it is refused with the reason (P9).
    page.get_by_role("button", name="Area tightened").click()
    wait_seq(page, 6)
    page.locator(f"svg [data-area='{area}']").click()
    wait_seq(page, 7)
    assert guidance(page).get_attribute("data-action") == "refused"
    assert "P9" in guidance(page).inner_text()

    # The client says stop: the screen pauses.
    mobile.get_by_role("button", name="Stop").click()
    wait_seq(page, 8)
    assert guidance(page).get_attribute("data-action") == "pause"

    # End with pain after; the drafted note names the reactive area.
    page.fill("#pain-after", "4")
    page.get_by_role("button", name="End session").click()
    wait_seq(page, 9)
    page.get_by_role("link", name="Note").click()
    page.wait_for_url(f"**/sessions/{session_id}/note")
    note_text = page.locator("#text").input_value()
    assert area_name(area).lower() in note_text.lower()
    assert "react" in note_text.lower() or "tighten" in note_text.lower()

    page.get_by_role("button", name="Sign note").click()
    page.get_by_text("Signed", exact=False).first.wait_for()

    # The PDF and the FHIR bundle download.
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Note (PDF)").click()
    assert pdf.value.path().read_bytes()[:5] == b"%PDF-"
    with page.expect_download() as fhir:
        page.get_by_role("link", name="FHIR bundle", exact=False).click()
    bundle = json.loads(fhir.value.path().read_text())
    assert bundle["resourceType"] == "Bundle"


def live_protocol_role(area: str) -> str:
    from tablework.protocols.loader import get

    found = get("acute-low-back-spasm").area(area)
    assert found is not None
    return str(found.role)


def area_name(area: str) -> str:
    from tablework.protocols.loader import get

    return get("acute-low-back-spasm").area_name(area)
