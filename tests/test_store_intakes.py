"""Intakes in the store: versioned, never overwritten, linked to sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tablework import recorder
from tablework.session.events import SessionStarted
from tablework.store.intakes import add_intake, intake_versions, session_intake
from tablework.store.repo import NotFound, Store

OPENING = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1)


def test_a_new_intake_is_a_new_version_and_the_old_one_is_kept(store: Store) -> None:
    client = store.add_client("Invented Client")
    first = add_intake(store, client, {"answers": {"pain_now": 7}}, {"disposition": "proceed"})
    second = add_intake(store, client, {"answers": {"pain_now": 4}}, {"disposition": "proceed"})
    assert (first.version, second.version) == (1, 2)
    versions = intake_versions(store, client)
    assert [v.intake["answers"]["pain_now"] for v in versions] == [7, 4]


def test_intakes_cannot_be_changed_or_deleted(store: Store) -> None:
    client = store.add_client("Invented Client")
    add_intake(store, client, {"answers": {"pain_now": 7}}, {"disposition": "proceed"})
    for statement in ("UPDATE intakes SET version = 9", "DELETE FROM intakes"):
        with pytest.raises(DBAPIError, match="intakes are kept"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert intake_versions(store, client)[0].version == 1


def test_an_intake_for_a_missing_client_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        add_intake(store, "0" * 32, {"answers": {}}, {})


def test_a_session_remembers_the_intake_it_was_screened_with(store: Store) -> None:
    client = store.add_client("Invented Client")
    intake = add_intake(store, client, {"answers": {"pain_now": 6}}, {"disposition": "modify"})
    opened = recorder.open_session(store, client, OPENING, intake_id=intake.id)
    linked = session_intake(store, opened.stored.session_id)
    assert linked is not None and linked.id == intake.id and linked.version == 1


def test_versions_of_different_clients_are_independent(store: Store) -> None:
    alice = store.add_client("Invented Alice")
    bob = store.add_client("Invented Bob")
    add_intake(store, alice, {"answers": {}}, {})
    assert add_intake(store, bob, {"answers": {}}, {}).version == 1
