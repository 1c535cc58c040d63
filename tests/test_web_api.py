"""The API of DESIGN.md 9 over the engine, recorder and documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tablework.store.repo import Store
from web_helpers import EMERGENCY, PROCEED, Clinic, build_clinic, clinic

__all__ = ["clinic"]

POSITIONED = {
    "type": "positioned",
    "position": "prone",
    "supports": ["hip_pillow_asis"],
    "client_adjusted": True,
}


def test_healthz_answers_ok_without_login(clinic: Clinic) -> None:
    answer = clinic.http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_a_session_runs_through_the_api(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    intake = clinic.http.post(
        f"/api/clients/{client_id}/intakes",
        json={"answers": {"region": "lumbar"}} | _proceed(),
        headers=clinic.auth("alice"),
    )
    assert intake.status_code == 201
    assert intake.json()["screening"]["disposition"] == "modify"
    session_id = clinic.start_session("alice", client_id)
    first = clinic.post("alice", session_id, {**POSITIONED, "at": 10})
    assert first.status_code == 201, first.text
    assert first.json()["seq"] == 2
    session = clinic.http.get(f"/api/sessions/{session_id}", headers=clinic.auth("alice")).json()
    assert session["last_seq"] == 2 and session["ended"] is False
    listed = clinic.http.get(f"/api/sessions/{session_id}/events", headers=clinic.auth("alice"))
    assert [e["seq"] for e in listed.json()] == [1, 2]
    assert listed.json()[1]["actor"] == "alice@example.org"


def test_start_is_refused_while_screening_blocks(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id, EMERGENCY)
    refused = clinic.http.post(
        "/api/sessions", json={"client_id": client_id}, headers=clinic.auth("alice")
    )
    assert refused.status_code == 409
    assert refused.json()["disposition"] == "emergency"
    clearance = {"by": "Dr Invented, GP", "reason": "seen"}
    still = clinic.http.post(
        "/api/sessions",
        json={"client_id": client_id, "clearance": clearance},
        headers=clinic.auth("alice"),
    )
    assert still.status_code == 409  # an emergency is not cleared on the spot (CLINICAL.md 2)
    assert "same-day emergency care" in still.json()["detail"]
    urgent = {"answers": {**PROCEED["answers"], "long_term_steroids": True}}
    clinic.add_intake("alice", client_id, urgent)
    refused = clinic.http.post(
        "/api/sessions", json={"client_id": client_id}, headers=clinic.auth("alice")
    )
    assert refused.json()["disposition"] == "urgent_referral"
    cleared = clinic.http.post(
        "/api/sessions",
        json={"client_id": client_id, "clearance": clearance},
        headers=clinic.auth("alice"),
    )
    assert cleared.status_code == 201


def test_the_same_key_twice_stores_one_event(clinic: Clinic) -> None:
    session_id = _session(clinic)
    first = clinic.post("alice", session_id, POSITIONED, key="k-1")
    again = clinic.post("alice", session_id, POSITIONED, key="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    events = clinic.http.get(f"/api/sessions/{session_id}/events", headers=clinic.auth("alice"))
    assert len(events.json()) == 2


def test_the_same_key_with_another_body_is_422(clinic: Clinic) -> None:
    session_id = _session(clinic)
    clinic.post("alice", session_id, POSITIONED, key="k-1")
    other = clinic.post("alice", session_id, {**POSITIONED, "position": "supine"}, key="k-1")
    assert other.status_code == 422
    assert "detail" in other.json()


def test_an_invalid_event_is_422_and_nothing_is_stored(clinic: Clinic) -> None:
    session_id = _session(clinic)
    bad = clinic.post(
        "alice",
        session_id,
        {"type": "work_started", "area": "nowhere", "technique": "broad-compression", "level": 9},
    )
    assert bad.status_code == 422
    events = clinic.http.get(f"/api/sessions/{session_id}/events", headers=clinic.auth("alice"))
    assert len(events.json()) == 1


def test_rocking_in_session_one_is_recorded_and_refused(clinic: Clinic) -> None:
    session_id = _session(clinic)
    clinic.post("alice", session_id, {**POSITIONED, "at": 10})
    rocking = clinic.post(
        "alice",
        session_id,
        {"type": "work_started", "at": 30, "area": "sacrum", "technique": "rocking", "level": 1},
    )
    assert rocking.status_code == 201, rocking.text
    assert rocking.json()["guidance"]["action"] == "refused"


def test_the_note_is_drafted_edited_signed_then_locked(clinic: Clinic) -> None:
    session_id = _session(clinic)
    path = f"/api/sessions/{session_id}/note"
    note = clinic.http.get(path, headers=clinic.auth("alice")).json()
    assert note["signed"] is False
    text = "SUBJECTIVE\n- better\nOBJECTIVE\n- prone\nASSESSMENT\n- ok\nPLAN\n- rest\n"
    edited = clinic.http.put(path, json={"text": text}, headers=clinic.auth("alice"))
    assert edited.status_code == 200 and edited.json()["sections"]["plan"] == ["rest"]
    signed = clinic.http.post(
        f"{path}/sign", json={"by": "Alice, LMT"}, headers=clinic.auth("alice")
    )
    assert signed.json()["signed"] is True
    assert (
        clinic.http.put(path, json={"text": text}, headers=clinic.auth("alice")).status_code == 409
    )
    added = clinic.http.post(
        f"{path}/addenda", json={"text": "called back"}, headers=clinic.auth("alice")
    )
    assert added.status_code == 201 and added.json()["addenda"][0]["text"] == "called back"


def test_exports_answer_in_their_formats(clinic: Clinic) -> None:
    session_id = _session(clinic)
    client_id = clinic.http.get(f"/api/sessions/{session_id}", headers=clinic.auth("alice")).json()[
        "client_id"
    ]
    fhir = clinic.http.get(f"/api/clients/{client_id}/fhir", headers=clinic.auth("alice"))
    assert fhir.json()["resourceType"] == "Bundle"
    pdf = clinic.http.get(f"/api/sessions/{session_id}/note.pdf", headers=clinic.auth("alice"))
    assert pdf.content.startswith(b"%PDF")
    ics = clinic.http.get(f"/api/clients/{client_id}/follow-ups.ics", headers=clinic.auth("alice"))
    assert ics.text.startswith("BEGIN:VCALENDAR")
    csv = clinic.http.get("/api/outcomes?format=csv", headers=clinic.auth("alice"))
    assert csv.headers["content-type"].startswith("text/csv")


def test_errors_are_json_with_detail(clinic: Clinic) -> None:
    auth = clinic.auth("alice")
    assert clinic.http.get("/api/sessions/nope", headers=auth).json() == {"detail": "not found"}
    bad_utf8 = clinic.http.post(
        "/api/clients",
        content=b'{"display_name": "\xff"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert bad_utf8.status_code == 400 and "detail" in bad_utf8.json()
    deep = clinic.http.post(
        "/api/clients",
        content=b"[" * 100 + b"]" * 100,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert deep.status_code == 400
    huge = clinic.http.post(
        "/api/clients",
        content=b" " * (2 * 1024 * 1024),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    wrong_type = clinic.http.post("/api/clients", json={"display_name": 3}, headers=auth)
    assert wrong_type.status_code == 422


def _proceed() -> dict[str, Any]:
    from web_helpers import PROCEED

    return dict(PROCEED)


def _session(clinic: Clinic) -> str:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    return clinic.start_session("alice", client_id)


def test_an_overdue_check_in_shows_at_the_servers_clock(store: Store, tmp_path: Path) -> None:
    now = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    built = build_clinic(Store(store.engine, clock=lambda: now[0], key=store.key), tmp_path)
    with built.http:
        session_id = _session(built)
        now[0] += timedelta(seconds=10)
        assert built.post("alice", session_id, {**POSITIONED}).json()["event"]["at"] == 10
        now[0] += timedelta(seconds=10)
        work = {
            "type": "work_started",
            "area": "gluteals-left",
            "technique": "still-hold",
            "level": 1,
        }
        assert built.post("alice", session_id, work).json()["guidance"]["action"] == "continue"
        path = f"/api/sessions/{session_id}"
        assert (
            built.http.get(path, headers=built.auth("alice")).json()["guidance"]["action"]
            == "continue"
        )
        now[0] += timedelta(seconds=600)
        later = built.http.get(path, headers=built.auth("alice")).json()
        assert later["guidance"]["action"] == "check_in_now"
        assert later["last_seq"] == 3


def test_outcomes_cover_only_the_callers_clients_in_a_fixed_number_of_queries(
    clinic: Clinic,
) -> None:
    from statement_count import statements

    for who in ("alice", "alice", "bob"):
        client_id = clinic.add_client(who)
        clinic.add_intake(who, client_id)
        session_id = clinic.start_session(who, client_id)
        clinic.post(who, session_id, {"type": "session_ended", "pain_after": 2})
    alices = clinic.http.get("/api/outcomes", headers=clinic.auth("alice")).json()
    assert len(alices["sessions"]) == 2
    everyone = clinic.http.get("/api/outcomes", headers=clinic.auth("olivia")).json()
    assert len(everyone["sessions"]) == 3
    rates = clinic.http.get("/api/outcomes?sessions=false", headers=clinic.auth("olivia")).json()
    assert rates.keys() == {"protocols"}
    assert rates["protocols"] == everyone["protocols"]
    with statements(clinic.store.engine) as few:
        clinic.http.get("/api/outcomes", headers=clinic.auth("olivia"))
    for _ in range(3):
        session_id = _session(clinic)
        clinic.post("alice", session_id, {"type": "session_ended", "pain_after": 1})
    with statements(clinic.store.engine) as more:
        clinic.http.get("/api/outcomes", headers=clinic.auth("olivia"))
    # Reads are a fixed number of queries; what grows is the audit trail: one row (and its
    # chain link) per client the listing names.
    assert len(_reads(more)) == len(_reads(few))
    with statements(clinic.store.engine) as figure:
        clinic.http.get("/api/outcomes?sessions=false", headers=clinic.auth("olivia"))
    assert sum("INSERT INTO audit" in s for s in figure) == 1


def test_the_rates_alone_count_only_the_callers_clients(clinic: Clinic) -> None:
    for who, after in (("alice", 2), ("alice", 6), ("bob", 1)):
        client_id = clinic.add_client(who)
        clinic.add_intake(who, client_id)
        session_id = clinic.start_session(who, client_id)
        clinic.post(who, session_id, {"type": "session_ended", "pain_after": after})

    def rated(who: str) -> list[tuple[int, int]]:
        answer = clinic.http.get("/api/outcomes?sessions=false", headers=clinic.auth(who))
        return [(p["sessions"], p["responders"]) for p in answer.json()["protocols"]]

    assert rated("alice") == [(2, 1)]
    assert rated("bob") == [(1, 1)]
    assert rated("olivia") == [(3, 2)]
    assert rated("charlie") == []


def _reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "audit" not in s and "chain_links" not in s]
