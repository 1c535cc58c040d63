"""Responder counts per client (migration 0009): kept with the summaries, rebuilt, checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select, update

from tablework import recorder
from tablework.demo.scale import fill_at_scale
from tablework.session.events import SessionEnded, SessionStarted
from tablework.store.access import add_client, visible
from tablework.store.accounts import Account, add_user
from tablework.store.check import check_database, outcome_counts
from tablework.store.erasure import erase_client
from tablework.store.outcome_counts import compare
from tablework.store.repo import Store
from tablework.store.summaries import rebuild
from tablework.store.tables import outcome_counts as counts_table
from tablework.summarised import outcome_tallies, tallies_within

PROTOCOL = "acute-low-back-spasm"


def ended_session(store: Store, client_id: str, before: int, after: int | None) -> str:
    opened = recorder.open_session(
        store,
        client_id,
        SessionStarted(at=0, protocol=PROTOCOL, session_index=1, pain_before=before),
    )
    recorder.record(store, opened.stored.session_id, SessionEnded(at=60, pain_after=after))
    return opened.stored.session_id


def counted(store: Store) -> dict[str, tuple[int, int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(counts_table)).all()
    return {row.client_id: (row.rated, row.responders) for row in rows}


def rates_of(tallies: list) -> dict[tuple[str, bool], int]:  # type: ignore[type-arg]
    found: dict[tuple[str, bool], int] = {}
    for tally in tallies:
        if tally.responder is not None and tally.sessions:
            key = (tally.protocol, tally.responder)
            found[key] = found.get(key, 0) + tally.sessions
    return found


def test_ending_a_session_counts_it_for_its_client(store: Store) -> None:
    ann, ben = store.add_client("Invented Ann"), store.add_client("Invented Ben")
    ended_session(store, ann, 6, 2)
    ended_session(store, ann, 6, 6)
    recorder.open_session(
        store, ben, SessionStarted(at=0, protocol=PROTOCOL, session_index=1, pain_before=5)
    )
    assert counted(store) == {ann: (2, 1)}
    ended_session(store, ben, 5, 1)
    assert counted(store) == {ann: (2, 1), ben: (1, 1)}
    assert list(outcome_counts(store)) == []


def test_the_counts_add_up_to_the_group_by_over_the_summaries(store: Store) -> None:
    fill_at_scale(store, 4, 6, datetime(2026, 11, 25, tzinfo=UTC))
    ann = store.add_client("Invented Ann")
    ended_session(store, ann, 7, 3)
    assert rates_of(tallies_within(store, lambda column: column.is_not(None))) == rates_of(
        outcome_tallies(store)
    )
    assert check_database(store).ok


def test_only_the_clients_selected_are_added_up(store: Store) -> None:
    ann, ben = store.add_client("Invented Ann"), store.add_client("Invented Ben")
    ended_session(store, ann, 6, 2)
    ended_session(store, ben, 6, 6)
    assert rates_of(tallies_within(store, lambda column: column == ann)) == {
        (f"{PROTOCOL}@{_version(store)}", True): 1
    }


def test_db_check_finds_a_changed_count_and_rebuild_mends_it(store: Store) -> None:
    ann = store.add_client("Invented Ann")
    ended_session(store, ann, 6, 2)
    with store.engine.begin() as conn:
        conn.execute(update(counts_table).values(responders=0))
    found = [f.message for f in outcome_counts(store)]
    assert len(found) == 1 and f"client {ann}" in found[0]
    assert "counts say 0 of 1 responded, the summaries 1 of 1" in found[0]
    rebuild(store.engine)
    assert list(compare(store.engine)) == []
    assert counted(store) == {ann: (1, 1)}


def test_erasing_a_client_removes_its_counts(store: Store) -> None:
    ann, ben = store.add_client("Invented Ann"), store.add_client("Invented Ben")
    ended_session(store, ann, 6, 2)
    ended_session(store, ben, 6, 2)
    later = store.clock() + timedelta(days=366 * 8)
    store.clock = lambda: later
    erase_client(store, ann, "Invented Owner", 7)
    assert counted(store) == {ben: (1, 1)}
    assert list(outcome_counts(store)) == []


def test_an_owner_counts_their_clinic_and_a_therapist_their_clients(store: Store) -> None:
    olivia = add_user(store, "olivia@example.org", "owner", "pw olivia 1")
    alice = add_user(store, "alice@example.org", "therapist", "pw alice 1")
    otto = add_user(store, "otto@example.org", "owner", "pw otto 1", clinic="elsewhere")
    ann = store.add_client("Invented Ann")  # no access row: the default clinic
    ben = add_client(store, alice, "Invented Ben")
    eve = add_client(store, otto, "Invented Eve")
    for client, after in ((ann, 2), (ben, 6), (eve, 1)):
        ended_session(store, client, 6, after)

    def counted_for(caller: Account) -> list[int]:
        rated = tallies_within(store, partial(visible, caller))
        return sorted(tally.sessions for tally in rated if tally.responder)

    assert counted_for(olivia) == [1]  # ann responded, ben did not
    assert sum(t.sessions for t in tallies_within(store, partial(visible, olivia))) == 2
    assert sum(t.sessions for t in tallies_within(store, partial(visible, alice))) == 1
    assert counted_for(alice) == []
    assert counted_for(otto) == [1]


def _version(store: Store) -> str:
    with store.engine.connect() as conn:
        ref = conn.scalar(select(counts_table.c.protocol))
    return str(ref).split("@")[1]
