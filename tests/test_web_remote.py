"""The client's remote: one session only, dead once it ends or expires, rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tablework.store.repo import Store
from web_helpers import Clinic, build_clinic, clinic

__all__ = ["clinic"]


def _remote(clinic: Clinic, session_id: str) -> str:
    answer = clinic.http.post(f"/api/sessions/{session_id}/remote", headers=clinic.auth("alice"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["url"].startswith("/r/")
    return str(answer.json()["url"])


def _session(clinic: Clinic, name: str = "Invented Client") -> str:
    client_id = clinic.add_client("alice", name)
    clinic.add_intake("alice", client_id)
    return clinic.start_session("alice", client_id)


def test_an_answer_is_stored_as_a_check_in_by_remote(clinic: Clinic) -> None:
    session_id = _session(clinic, "Zelda Invented")
    url = _remote(clinic, session_id)
    clinic.http.post(
        f"/api/sessions/{session_id}/events",
        json={"type": "positioned", "position": "prone", "supports": ["hip_pillow_asis"]},
        headers=clinic.auth("alice"),
    )
    answer = clinic.http.post(f"{url}/answers", json={"pressure": "lighter", "pain": 3})
    assert answer.status_code == 201, answer.text
    assert "Zelda" not in answer.text and session_id not in answer.text
    last = clinic.store.events(session_id)[-1]
    assert (last.event.type, last.actor) == ("check_in", "remote")


def test_a_remote_reaches_only_its_own_session(clinic: Clinic) -> None:
    mine, other = _session(clinic), _session(clinic)
    url = _remote(clinic, mine)
    clinic.http.post(f"{url}/answers", json={"pressure": "good"})
    assert len(clinic.store.events(other)) == 1
    assert len(clinic.store.events(mine)) == 2


def test_an_unknown_remote_is_404(clinic: Clinic) -> None:
    assert clinic.http.post("/r/not-a-token/answers", json={"pressure": "good"}).status_code == 404


def test_a_remote_dies_when_the_session_ends(clinic: Clinic) -> None:
    session_id = _session(clinic)
    url = _remote(clinic, session_id)
    ended = clinic.post("alice", session_id, {"type": "session_ended", "pain_after": 2})
    assert ended.status_code == 201, ended.text
    gone = clinic.http.post(f"{url}/answers", json={"pressure": "good"})
    assert gone.status_code == 410
    assert "detail" in gone.json()


def test_a_remote_dies_after_its_hours(store: Store, tmp_path: Path) -> None:
    now = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    built = build_clinic(Store(store.engine, clock=lambda: now[0], key=store.key), tmp_path)
    with built.http:
        session_id = _session(built)
        url = _remote(built, session_id)
        assert built.http.post(f"{url}/answers", json={"pressure": "good"}).status_code == 201
        now[0] += timedelta(hours=5)
        assert built.http.post(f"{url}/answers", json={"pressure": "good"}).status_code == 410


def test_a_remote_is_rate_limited(clinic: Clinic) -> None:
    url = _remote(clinic, _session(clinic))
    codes = {
        clinic.http.post(f"{url}/answers", json={"pressure": "bad"}).status_code for _ in range(31)
    }
    assert 429 in codes


def test_a_remote_refuses_answers_that_are_not_pressure_or_pain(clinic: Clinic) -> None:
    url = _remote(clinic, _session(clinic))
    answer = clinic.http.post(f"{url}/answers", json={"pressure": "good", "area": "sacrum"})
    assert answer.status_code == 422


def test_a_remote_takes_a_pain_rating_alone(clinic: Clinic) -> None:
    session_id = _session(clinic)
    url = _remote(clinic, session_id)
    answer = clinic.http.post(f"{url}/answers", json={"pain": 4})
    assert answer.status_code == 201, answer.text
    events = clinic.http.get(
        f"/api/sessions/{session_id}/events", headers=clinic.auth("alice")
    ).json()
    assert events[-1]["event"]["pain"] == 4 and "pressure" not in events[-1]["event"]
    assert events[-1]["actor"] == "remote"


def test_a_remote_refuses_an_empty_answer(clinic: Clinic) -> None:
    url = _remote(clinic, _session(clinic))
    for body in ({}, {"pain": None}, {"pressure": None}):
        answer = clinic.http.post(f"{url}/answers", json=body)
        assert answer.status_code == 422, body
