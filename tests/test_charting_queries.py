"""A client's record is read in a fixed number of queries, however many sessions it has."""

from __future__ import annotations

from statement_count import statements
from tablework import charting
from tablework.exports.fhir_record import load_record
from tablework.store import notes
from tablework.store.repo import Store
from test_summaries import demo_sessions


def record_statements(store: Store, sessions: int) -> int:
    client = store.add_client("Invented Client")
    for session_id in demo_sessions(store, client, sessions):
        notes.save(store, session_id, {"subjective": [], "objective": [], "assessment": []})
    with statements(store.engine) as seen:
        load_record(store, store.client(client))
    return len(seen)


def test_a_clients_record_takes_the_same_queries_for_two_sessions_or_six(store: Store) -> None:
    assert record_statements(store, 2) == record_statements(store, 6)


def test_the_record_loaded_at_once_matches_each_session_loaded_alone(store: Store) -> None:
    client = store.add_client("Invented Client")
    demo_sessions(store, client, 5)
    together = charting.load_client_sessions(store, client)
    alone = [charting.load_session(store, sid) for sid in store.session_ids(client)]
    assert [d.previous for d in together] == [d.previous for d in alone]
    assert [d.soap() for d in together] == [d.soap() for d in alone]


def test_a_note_compares_with_the_session_before_it(store: Store) -> None:
    client = store.add_client("Invented Client")
    first, second = demo_sessions(store, client, 2)
    earlier = charting.load_session(store, first).record.state
    previous = charting.load_session(store, second).previous
    assert previous is not None
    assert (previous.pain_before, previous.pain_after) == (earlier.pain_before, earlier.pain_after)
    assert charting.load_session(store, first).previous is None
