"""The therapist's pages: client list and search, client page, intake with live screening,
starting a session (blocked or not), the note's lifecycle, and the owner's settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tablework.screening.questionnaire import bundled
from web_helpers import EMERGENCY, PROCEED, Clinic, browser, clinic, form_of

__all__ = ["clinic"]

HTML = {"Accept": "text/html"}
NOTE_TEXT = "SUBJECTIVE\n- sore\nOBJECTIVE\n- prone\nASSESSMENT\n- better\nPLAN\n- stretch\n"


def page(http: TestClient, path: str) -> str:
    answer = http.get(path, headers=HTML)
    assert answer.status_code == 200, answer.text
    assert "text/html" in answer.headers["content-type"]
    return answer.text


def save_intake(http: TestClient, csrf: str, client_id: str, intake: dict[str, Any]) -> Any:
    return http.post(
        f"/clients/{client_id}/intake",
        data={"csrf_token": csrf, **form_of(intake)},
        headers=HTML,
    )


def test_the_list_shows_the_viewers_clients_and_search_filters(clinic: Clinic) -> None:
    clinic.add_client("alice", "Ada Example")
    clinic.add_client("alice", "Bea Example")
    clinic.add_client("bob", "Cy Other")
    http, _csrf = browser(clinic, "alice")
    listed = page(http, "/")
    assert "Ada Example" in listed and "Bea Example" in listed and "Cy Other" not in listed
    found = page(http, "/?q=ada")
    assert "Ada Example" in found and "Bea Example" not in found
    assert 'hx-get="/"' in listed and "delay:300ms" in listed


def test_live_search_answers_with_the_results_only(clinic: Clinic) -> None:
    clinic.add_client("alice", "Ada Example")
    http, _csrf = browser(clinic, "alice")
    live = {"HX-Request": "true", "HX-Target": "client-results"}
    answer = http.get("/?q=ad", headers={**HTML, **live})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="client-results">')
    assert "Ada Example" in answer.text and "<html" not in answer.text


def test_a_new_client_opens_its_own_page(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "alice")
    answer = http.post("/clients", data={"csrf_token": csrf, "display_name": "Dee <i>Ex</i>"})
    assert answer.status_code == 303
    assert re.fullmatch(r"/clients/[0-9a-f]{32}", answer.headers["location"])
    shown = page(http, answer.headers["location"])
    assert "Dee &lt;i&gt;Ex&lt;/i&gt;" in shown and "<i>Ex" not in shown
    assert "No intake on record" in shown


def test_a_new_client_needs_a_name(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "alice")
    answer = http.post("/clients", data={"csrf_token": csrf, "display_name": "  "}, headers=HTML)
    assert answer.status_code == 422
    assert "display name" in answer.text


def test_the_owner_assigns_a_new_client_to_a_therapist(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "olivia")
    assert "alice@example.org" in page(http, "/")  # the therapist choice
    answer = http.post(
        "/clients",
        data={"csrf_token": csrf, "display_name": "Eve Example", "therapist": "alice@example.org"},
    )
    assert answer.status_code == 303
    alice, _ = browser(clinic, "alice")
    assert "Eve Example" in page(alice, "/")


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_a_clients_pages_are_404_to_other_therapists(clinic: Clinic, outsider: str) -> None:
    client_id = clinic.add_client("alice", "Ada Example")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    http, _csrf = browser(clinic, outsider)
    for path in (
        f"/clients/{client_id}",
        f"/clients/{client_id}/intake",
        f"/sessions/{session_id}/note",
    ):
        answer = http.get(path, headers=HTML)
        assert answer.status_code == 404, path
        assert "Ada" not in answer.text


def test_forms_without_the_csrf_token_are_refused(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    http, _csrf = browser(clinic, "olivia")
    for path in (
        "/clients",
        f"/clients/{client_id}/sessions",
        f"/clients/{client_id}/intake",
        f"/clients/{client_id}/intake/preview",
        f"/sessions/{session_id}/note",
        f"/sessions/{session_id}/note/sign",
        f"/sessions/{session_id}/note/addenda",
        "/settings",
        "/settings/users",
        f"/settings/users/{clinic.accounts['bob'].id}/deactivate",
    ):
        for token in ({}, {"csrf_token": "forged"}):
            answer = http.post(path, data={**token, "display_name": "X"}, headers=HTML)
            assert answer.status_code == 403, (path, token)
    assert len(clinic.store.sessions(client_id)) == 1


def test_the_intake_form_asks_every_question_of_the_questionnaire(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    http, _csrf = browser(clinic, "alice")
    shown = page(http, f"/clients/{client_id}/intake")
    for question in bundled().questions():
        assert f'name="{question.answer}"' in shown, question.answer
        assert f'id="{question.answer}' in shown or question.type == "boolean"
    assert "Save intake" in shown and 'hx-post="/clients/' in shown


def test_the_preview_screens_answers_as_they_arrive(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    http, csrf = browser(clinic, "alice")
    path = f"/clients/{client_id}/intake/preview"
    answer = http.post(path, data={"csrf_token": csrf, "region": "lumbar", "pain_now": "6"})
    assert 'data-blocked="true"' in answer.text
    assert "Incomplete: do not treat yet" in answer.text
    assert "Any numbness between the legs" in answer.text  # listed as not asked
    answer = http.post(path, data={"csrf_token": csrf, **form_of(EMERGENCY)})
    assert 'data-disposition="emergency"' in answer.text
    assert "No session can start" in answer.text and "Read to the client:" in answer.text
    assert "Changes to the session" not in answer.text
    answer = http.post(path, data={"csrf_token": csrf, "age": "old"})
    assert "age: a whole number" in answer.text
    assert clinic.store.sessions(client_id) == []


def test_an_emergency_intake_blocks_the_start_and_shows_the_advice(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    http, csrf = browser(clinic, "alice")
    saved = save_intake(http, csrf, client_id, EMERGENCY)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/clients/{client_id}#admission"
    shown = page(http, f"/clients/{client_id}")
    assert 'data-blocked="true"' in shown and "Emergency: do not treat" in shown
    assert "Send the client to emergency care now" in shown
    assert "Read to the client:" in shown
    assert ">Start session</button>" not in shown
    assert "Start with documented clearance" not in shown  # an emergency is not cleared here
    refused = http.post(f"/clients/{client_id}/sessions", data={"csrf_token": csrf}, headers=HTML)
    assert refused.status_code == 409
    assert "same-day emergency care" in refused.text
    assert clinic.store.sessions(client_id) == []


def test_a_clean_intake_allows_the_start_and_opens_the_session_screen(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    http, csrf = browser(clinic, "alice")
    assert save_intake(http, csrf, client_id, PROCEED).status_code == 303
    shown = page(http, f"/clients/{client_id}")
    assert 'data-blocked="false"' in shown and ">Start session</button>" in shown
    started = http.post(f"/clients/{client_id}/sessions", data={"csrf_token": csrf})
    assert started.status_code == 303
    session_id = started.headers["location"].removeprefix("/sessions/")
    assert [s.id for s in clinic.store.sessions(client_id)] == [session_id]
    assert http.get(started.headers["location"], headers=HTML).status_code == 200
    opening = clinic.store.events(session_id)[0].event
    assert opening.pain_before == PROCEED["answers"]["pain_now"]  # type: ignore[union-attr]


def test_an_emergency_offers_no_clearance_and_refuses_one(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id, EMERGENCY)
    http, csrf = browser(clinic, "alice")
    page = http.get(f"/clients/{client_id}", headers=HTML).text
    assert "Start with documented clearance" not in page
    assert "Start session" not in page
    clearance = {"cleared_by": "Dr Invented, GP", "clearance_reason": "Assessed today: cleared"}
    refused = http.post(
        f"/clients/{client_id}/sessions", data={"csrf_token": csrf, **clearance}, headers=HTML
    )
    assert refused.status_code == 409 and clinic.store.sessions(client_id) == []


def test_a_documented_clearance_starts_a_blocked_session_and_is_kept(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake(
        "alice", client_id, {"answers": {**PROCEED["answers"], "long_term_steroids": True}}
    )
    http, csrf = browser(clinic, "alice")
    clearance = {"cleared_by": "Dr Invented, GP", "clearance_reason": "Assessed today: cleared"}
    started = http.post(
        f"/clients/{client_id}/sessions", data={"csrf_token": csrf, **clearance}, headers=HTML
    )
    assert started.status_code == 303
    opening = clinic.store.events(started.headers["location"].split("/")[-1])[0].event
    assert opening.clearance.by == "Dr Invented, GP"  # type: ignore[union-attr]


def test_an_intake_with_bad_answers_is_not_saved(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    http, csrf = browser(clinic, "alice")
    answer = http.post(
        f"/clients/{client_id}/intake",
        data={"csrf_token": csrf, "pain_now": "14", "age": "40"},
        headers=HTML,
    )
    assert answer.status_code == 422
    assert "pain_now" in answer.text and 'value="40"' in answer.text


def test_the_client_page_charts_pain_with_labels_and_a_table(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    assert clinic.post("alice", session_id, {"type": "session_ended", "pain_after": 3}).is_success
    http, _csrf = browser(clinic, "alice")
    shown = page(http, f"/clients/{client_id}")
    assert '<svg viewBox="0 0 640 260" role="img"' in shown
    assert '<title id="pain-title">Pain by session</title>' in shown
    assert 'class="value">7</text>' in shown and 'class="value">3</text>' in shown
    assert "Pain (0-10)" in shown and "<caption>Pain by session (0-10)</caption>" in shown
    assert "PSFS mean (0-10)" in shown  # the intake has a PSFS
    assert f"/api/clients/{client_id}/fhir" in shown and "follow-ups.ics" in shown
    assert f"/api/sessions/{session_id}/note.pdf" in shown
    assert "Home stretches" in shown or "Care plan" in shown


def test_the_note_is_edited_signed_then_locked_with_addenda(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    clinic.post("alice", session_id, {"type": "session_ended", "pain_after": 3})
    http, csrf = browser(clinic, "alice")
    path = f"/sessions/{session_id}/note"
    shown = page(http, path)
    assert "SUBJECTIVE" in shown and ">Sign note</button>" in shown
    assert "Handout preview" in shown and "handout.pdf" in shown
    edited = http.post(path, data={"csrf_token": csrf, "text": NOTE_TEXT})
    assert edited.status_code == 303
    assert "- stretch" in page(http, path)
    bad = http.post(path, data={"csrf_token": csrf, "text": "no headings"}, headers=HTML)
    assert bad.status_code == 422 and "no headings" in bad.text
    signed = http.post(f"{path}/sign", data={"csrf_token": csrf, "by": "Alice, LMT"})
    assert signed.status_code == 303
    shown = page(http, path)
    assert "Signed by Alice, LMT" in shown and ">Sign note</button>" not in shown
    locked = http.post(path, data={"csrf_token": csrf, "text": NOTE_TEXT}, headers=HTML)
    assert locked.status_code == 409
    assert "text/html" in locked.headers["content-type"] and "addendum" in locked.text
    added = http.post(f"{path}/addenda", data={"csrf_token": csrf, "text": "Called: easier."})
    assert added.status_code == 303
    assert "Called: easier." in page(http, path)


def test_the_note_of_a_live_session_is_a_preview_not_a_draft(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    http, _csrf = browser(clinic, "alice")
    shown = page(http, f"/sessions/{session_id}/note")
    assert "still live" in shown and ">Sign note</button>" not in shown
    from tablework.store import notes

    assert notes.current(clinic.store, session_id) is None


def test_settings_are_for_the_owner_only(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "alice")
    answer = http.get("/settings", headers=HTML)
    assert answer.status_code == 403 and "text/html" in answer.headers["content-type"]
    posted = http.post("/settings", data={"csrf_token": csrf, "clinic_name": "Mine"}, headers=HTML)
    assert posted.status_code == 403
    assert "Settings" not in page(http, "/").split("<main")[0]


def test_the_owners_settings_take_effect(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "olivia")
    assert "Check-in interval" in page(http, "/settings")
    chosen = {
        "clinic_name": "Harbour Massage",
        "timezone": "Europe/Paris",
        "retention_years": "6",
        "check_in_seconds": "120",
        "voice_prompts": "on",
    }
    saved = http.post("/settings", data={"csrf_token": csrf, **chosen})
    assert saved.status_code == 303
    shown = page(http, "/settings")
    assert "Harbour Massage" in shown and 'value="Europe/Paris"' in shown
    alice, _ = browser(clinic, "alice")
    assert "Harbour Massage" in page(alice, "/")
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)
    opening = clinic.store.events(session_id)[0].event
    assert opening.check_in_seconds == 120  # type: ignore[union-attr]
    work = {"type": "work_started", "area": "gluteals-left", "technique": "broad-compression"}
    clinic.post("alice", session_id, {"type": "positioned", "position": "prone", "at": 5})
    clinic.post("alice", session_id, {**work, "level": 1, "at": 10})
    answer = clinic.post("alice", session_id, {"type": "check_in", "pressure": "good", "at": 40})
    assert answer.json()["guidance"]["check_in_due_at"] == 40 + 120  # not the protocol's 180


def test_unusable_settings_are_refused_with_the_reason(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "olivia")
    answer = http.post(
        "/settings",
        data={"csrf_token": csrf, "timezone": "Mars/Olympus", "retention_years": "7"},
        headers=HTML,
    )
    assert answer.status_code == 422 and "IANA time zone" in answer.text


def test_the_owner_adds_and_deactivates_accounts(clinic: Clinic) -> None:
    http, csrf = browser(clinic, "olivia")
    added = http.post(
        "/settings/users",
        data={
            "csrf_token": csrf,
            "email": "dora@example.org",
            "role": "therapist",
            "password": "a long password",
        },
    )
    assert added.status_code == 303
    assert "dora@example.org" in page(http, "/settings")
    bob = clinic.accounts["bob"]
    off = http.post(f"/settings/users/{bob.id}/deactivate", data={"csrf_token": csrf})
    assert off.status_code == 303
    from tablework.store.accounts import by_email

    assert by_email(clinic.store, "bob@example.org").active is False  # type: ignore[union-attr]
    charlie = clinic.accounts["charlie"]  # another clinic's account
    other = http.post(
        f"/settings/users/{charlie.id}/deactivate", data={"csrf_token": csrf}, headers=HTML
    )
    assert other.status_code == 404
    me = clinic.accounts["olivia"]
    itself = http.post(
        f"/settings/users/{me.id}/deactivate", data={"csrf_token": csrf}, headers=HTML
    )
    assert itself.status_code == 422


def test_a_half_filled_function_scale_does_not_hide_a_red_flag(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    http, csrf = browser(clinic, "alice")
    path = f"/clients/{client_id}/intake/preview"
    form = {**form_of(EMERGENCY), "psfs_activity_1": "Tying shoes", "psfs_score_1": "4"}
    form = {k: v for k, v in form.items() if not k.startswith("psfs_") or k.endswith("_1")}
    answer = http.post(path, data={"csrf_token": csrf, **form})
    assert 'data-disposition="emergency"' in answer.text
    assert "No session can start" in answer.text
    assert "3 to 5 activities" in answer.text
