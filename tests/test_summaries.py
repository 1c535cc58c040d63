"""Per-session summaries: written with each event, read without a replay, rebuilt and checked."""

from __future__ import annotations

from sqlalchemy import update

from statement_count import statements
from tablework import charting, recorder
from tablework.demo import load_scenarios
from tablework.demo.scale import fill_at_scale
from tablework.session.events import CheckIn, Note, SessionEnded, SessionStarted
from tablework.session.simulator import ScriptHeader, opening_event, simulate
from tablework.store.check import check_database, session_summaries
from tablework.store.repo import Store
from tablework.store.summaries import compare, rebuild
from tablework.store.tables import session_summaries as summaries_table

OPENING = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1, pain_before=6)


def demo_sessions(store: Store, client_id: str, count: int) -> list[str]:
    """Save the first `count` demo scripts as sessions of one client, through the engine."""
    scripts = [p["script"] for s in load_scenarios() for p in s["sessions"]][:count]
    saved = []
    for script in scripts:
        result = simulate(script)
        header = ScriptHeader.model_validate({k: v for k, v in script.items() if k != "events"})
        saved.append(
            recorder.save_session(
                store,
                opening_event(header, result.protocol),
                [step.event for step in result.steps],
                client_id=client_id,
            ).session_id
        )
    return saved


def test_each_recorded_event_brings_the_summary_up_to_date(store: Store) -> None:
    client = store.add_client("Invented Client")
    session = recorder.open_session(store, client, OPENING).stored.session_id
    (summary,) = store.summaries(client)
    assert (summary.last_seq, summary.ended, summary.pain_before) == (1, False, 6)
    recorder.record(store, session, Note(at=5, text="settled"))
    recorder.record(store, session, SessionEnded(at=60, pain_after=3))
    (summary,) = store.summaries(client)
    assert (summary.last_seq, summary.ended, summary.pain_after, summary.responder) == (
        3,
        True,
        3,
        True,
    )
    assert list(compare(store.engine)) == []


def test_an_append_without_a_state_is_summarised_by_replay(store: Store) -> None:
    client = store.add_client("Invented Client")
    session = recorder.open_session(store, client, OPENING).stored.session_id
    store.append(session, CheckIn(at=10, pressure="good", pain=4))
    (summary,) = store.summaries(client)
    assert summary.last_seq == 2
    assert list(compare(store.engine)) == []


def test_outcomes_read_from_summaries_match_the_replayed_sessions(store: Store) -> None:
    client = store.add_client("Invented Client")
    demo_sessions(store, client, 6)
    replayed = [charting.load_session(store, sid).outcome() for sid in store.session_ids()]
    with statements(store.engine) as seen:
        summarised = charting.client_outcomes(store)
    assert len(seen) == 1
    assert summarised == replayed


def test_the_history_for_a_plan_is_read_from_summaries(store: Store) -> None:
    client = store.add_client("Invented Client")
    demo_sessions(store, client, 3)
    with statements(store.engine) as seen:
        history = recorder.history_for(store, client, "acute-low-back-spasm")
    assert len(seen) == 1
    assert len(history.sessions) == 3
    assert history.sessions[0].pain_before is not None


def test_db_check_finds_a_changed_summary_and_rebuild_mends_it(store: Store) -> None:
    client = store.add_client("Invented Client")
    (session,) = demo_sessions(store, client, 1)
    with store.engine.begin() as conn:
        conn.execute(
            update(summaries_table)
            .where(summaries_table.c.session_id == session)
            .values(pain_after=10, ended=False)
        )
    found = [f.message for f in session_summaries(store)]
    assert found == [
        f"session {session}: summary differs in ended, pain_after: run `tablework db rebuild`"
    ]
    assert rebuild(store.engine) == 1
    assert list(session_summaries(store)) == []


def test_bulk_demo_data_passes_every_check(store: Store) -> None:
    from datetime import UTC, datetime

    filled = fill_at_scale(store, 3, 4, datetime(2026, 11, 25, tzinfo=UTC))
    assert (filled.clients, filled.sessions) == (3, 4 * 3)
    report = check_database(store)
    assert report.ok, report.findings
    client = store.clients()[0].id
    opened = recorder.open_session(store, client, OPENING)
    assert opened.state.history is not None and len(opened.state.history.sessions) == 4
    recorder.record(store, opened.stored.session_id, Note(at=5, text="after the bulk insert"))
    assert check_database(store).ok


def test_migration_0006_downgrades_and_summarises_again_on_upgrade(store: Store) -> None:
    from tablework.store.database import HEAD, current_revision, migrate
    from test_store_append_only import downgrade

    client = store.add_client("Invented Client")
    demo_sessions(store, client, 2)
    before = store.summaries()
    downgrade(store, "0005")
    assert current_revision(store.engine) == "0005"
    migrate(store.engine)
    assert current_revision(store.engine) == HEAD
    assert store.summaries() == before
