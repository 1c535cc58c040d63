"""`retracted`: the last event, recorded by mistake moments ago, taken back by a new event.

Append-only: the retracted event stays stored; the fold, the record, the note and the
export go on as if it had not happened, and say that it was retracted.
"""

from __future__ import annotations

import pytest

from session_helpers import ev, good, positioned, run, work
from tablework import recorder
from tablework.documents import record as session_record
from tablework.documents.careplan import plan_care
from tablework.documents.soap import draft
from tablework.session.engine import advise, replay
from tablework.session.events import EventError, SessionStarted
from tablework.session.state import apply
from tablework.store.repo import Store
from web_helpers import Clinic, clinic  # noqa: F401 (fixture)


def retract(at: float, seq: int, reason: str = "misheard voice command") -> object:
    return ev("retracted", at, seq=seq, reason=reason)


def working() -> object:
    """Positioned (seq 2), gluteal work at level 1 (seq 3), one good check-in (seq 4)."""
    state, _ = run(positioned(), work(20, "gluteals-left", "still-hold", 1), good(50))
    return state


def test_a_retracted_check_in_is_as_if_it_had_not_happened() -> None:
    before = working()
    lighter = apply(before, ev("check_in", 60, pressure="lighter", area="gluteals-left"))
    assert advise(lighter).action == "decrease_level"
    undone = apply(lighter, retract(63, seq=5))
    assert undone.seq == 6
    assert undone.signal == before.signal and undone.good_streak == before.good_streak
    assert undone.check_ins == before.check_ins
    assert undone.work == before.work
    assert undone.accepted_level == before.accepted_level and undone.lighter is None
    # Time still passed: the contact goes on counting from the last event kept.
    assert undone.last_at == 63
    assert undone.contact_seconds == pytest.approx(before.contact_seconds + 13)
    assert advise(undone).action == advise(apply(before, good(63))).action != "decrease_level"


def test_a_retracted_level_change_goes_back_to_the_level_before() -> None:
    before = working()
    down = apply(before, work(55, "gluteals-left", "still-hold", 0))
    assert down.work is not None and down.work.level == 0
    undone = apply(down, retract(57, seq=5))
    assert undone.work == before.work and undone.last_level == 1


@pytest.mark.parametrize(
    ("retraction", "message"),
    [
        (retract(61, seq=4), r"seq 4 is not the last event \(that is 5\)"),
        (retract(61, seq=6), "seq 6 is not the last event"),
        (retract(65.5, seq=5), "within 5 s only"),
    ],
)
def test_only_the_last_event_within_five_seconds(retraction: object, message: str) -> None:
    state = apply(working(), ev("check_in", 60, pressure="lighter"))
    with pytest.raises(EventError, match=message):
        apply(state, retraction)  # type: ignore[arg-type]


def test_a_retraction_is_not_retracted_and_the_start_never_is() -> None:
    state = apply(working(), ev("check_in", 60, pressure="stop"))
    undone = apply(state, retract(61, seq=5))
    with pytest.raises(EventError, match="is a retraction"):
        apply(undone, retract(62, seq=6))
    with pytest.raises(EventError, match="greater than or equal to 2"):
        ev("retracted", 1, seq=1, reason="start again")
    with pytest.raises(EventError, match="reason"):
        ev("retracted", 61, seq=5)


def test_replay_the_record_and_the_note_leave_the_retracted_event_out() -> None:
    protocol = working().protocol
    opening = SessionStarted(at=0, protocol=protocol.ref, pain_before=5)
    events = [
        opening,
        ev("positioned", 10, position="prone", supports=["hip_pillow_asis"], client_adjusted=True),
        work(20, "gluteals-left", "still-hold", 1),
        good(50),
        ev("check_in", 60, pressure="stop", pain=9),
        retract(62, seq=5),
        ev("session_ended", 200, pain_after=3),
    ]
    state = replay(protocol, events)
    assert state.ended and state.stopped == () and state.paused is None
    record = session_record.build(protocol, events)
    assert [c.pressure for c in record.check_ins] == ["good"]
    assert [(s.area, s.start, s.end) for s in record.segments] == [("gluteals-left", 20, 200)]
    assert len(record.retractions) == 1 and record.retractions[0].at == 62
    note = draft(record, None, plan_care(record, None)).as_text()
    assert "asked to stop" not in note
    assert "retracted at 1:02" in note and "pressure stop, pain 9/10" in note


def test_recorded_retraction_on_the_store(store: Store) -> None:
    protocol = working().protocol
    sid = recorder.save_session(store, SessionStarted(at=0, protocol=protocol.ref), []).session_id
    for event in (
        ev("positioned", 10, position="prone", supports=["hip_pillow_asis"]),
        work(20, "gluteals-left", "still-hold", 1),
        ev("check_in", 30, pressure="lighter", area="gluteals-left"),
    ):
        recorder.record(store, sid, event, actor="voice")
    done = recorder.record(store, sid, retract(32, seq=4), actor="alice@example.org")
    assert done.stored.seq == 5 and done.guidance.action != "decrease_level"
    _, reloaded, stored = recorder.load(store, sid)
    assert [s.event.type for s in stored][-2:] == ["check_in", "retracted"]
    assert reloaded.signal == done.state.signal and reloaded.seq == 5
    with pytest.raises(EventError, match="is a retraction"):
        recorder.record(store, sid, retract(33, seq=5))


def test_the_api_answers_422_for_a_retraction_it_refuses(clinic: Clinic) -> None:  # noqa: F811
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    sid = clinic.start_session("alice", client_id)
    prone = {"type": "positioned", "at": 5, "position": "prone", "supports": ["hip_pillow_asis"]}
    assert clinic.post("alice", sid, prone).status_code == 201
    late = clinic.post("alice", sid, {"type": "retracted", "at": 11, "seq": 2, "reason": "oops"})
    assert late.status_code == 422, late.text
    assert "within 5 s" in late.json()["detail"]
    wrong = clinic.post("alice", sid, {"type": "retracted", "at": 6, "seq": 1, "reason": "oops"})
    assert wrong.status_code == 422 and "seq" in wrong.json()["detail"]
    ok = clinic.post("alice", sid, {"type": "retracted", "at": 7, "seq": 2, "reason": "oops"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["guidance"]["action"] == "position_client"


def test_the_fhir_export_leaves_a_retracted_pain_rating_out(store: Store) -> None:
    from datetime import UTC, datetime

    from tablework.exports.fhir_bundle import client_bundle
    from tablework.exports.fhir_record import load_record

    protocol = working().protocol
    events = [
        ev("positioned", 10, position="prone", supports=["hip_pillow_asis"], client_adjusted=True),
        work(20, "gluteals-left", "still-hold", 1),
        ev("check_in", 50, pressure="good", pain=4),
        ev("check_in", 60, pressure="stop", pain=9),
        retract(62, seq=5),
        ev("session_ended", 200, pain_after=3),
    ]
    saved = recorder.save_session(
        store, SessionStarted(at=0, protocol=protocol.ref, pain_before=5), events
    )
    bundle = client_bundle(
        load_record(store, store.client(saved.client_id)), datetime(2026, 11, 25, tzinfo=UTC)
    )
    pains = [
        e["resource"]["valueInteger"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and "valueInteger" in e["resource"]
    ]
    assert 4 in pains and 9 not in pains
