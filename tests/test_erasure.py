"""Records retention and erasure: refused inside the period, whole and audited past it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from tablework.cli import app
from tablework.session.events import Note, SessionEnded, SessionStarted
from tablework.settings import SettingsError, retention_years
from tablework.store import notes
from tablework.store.erasure import WithinRetention, erase_client, retained_until
from tablework.store.intakes import add_intake
from tablework.store.repo import NotFound, Store
from tablework.store.tables import audit, chain_links, clients, events, sessions
from tablework.store.verify import verify_all

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAME = "Invented Erasable Client"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def years_later(years: int, days: int = 0) -> datetime:
    return retained_until(T0, years) + timedelta(days=days)


def a_client_with_a_record(store: Store) -> tuple[str, str]:
    client = store.add_client(NAME)
    add_intake(store, client, {"answers": {"pain_now": 7}}, {"disposition": "proceed"})
    session = store.create_session(client, "acute-low-back-spasm@1.0.0", 1)
    store.append(session, SessionStarted(at=0, protocol="acute-low-back-spasm@1.0.0"))
    store.append(session, SessionEnded(at=900, pain_after=4))
    notes.save(store, session, {"subjective": [], "objective": [], "assessment": [], "plan": []})
    notes.sign(store, session, "Invented Therapist")
    notes.add_addendum(store, session, "Invented Therapist", "Called: better.")
    return client, session


@pytest.fixture
def clock(store: Store) -> Clock:
    moved = Clock(T0)
    store.clock = moved
    return moved


def test_erasure_inside_the_retention_period_is_refused_and_changes_nothing(
    store: Store, clock: Clock
) -> None:
    client, session = a_client_with_a_record(store)
    clock.now = years_later(7, days=-1)
    with pytest.raises(WithinRetention, match="kept until 2033-03-02"):
        erase_client(store, client, "Invented Owner", 7)
    assert store.client(client).display_name == NAME
    assert len(store.events(session)) == 2
    assert verify_all(store.engine, store.key) == []


def test_erasure_past_the_retention_period_removes_the_client_and_audits_it(
    store: Store, clock: Clock
) -> None:
    client, session = a_client_with_a_record(store)
    kept, kept_session = a_client_with_a_record(store)
    clock.now = years_later(7, days=1)
    erased = erase_client(store, client, "Invented Owner", 7)
    assert erased.session_ids == [session]
    with pytest.raises(NotFound):
        store.client(client)
    with store.engine.connect() as conn:
        assert conn.scalar(select(sessions.c.id).where(sessions.c.client_id == client)) is None
        assert conn.scalar(select(events.c.id).where(events.c.session_id == session)) is None
        rows = conn.execute(select(audit)).all()
        assert conn.scalar(select(chain_links.c.position).where(chain_links.c.kind == "audit"))
    assert {(r.actor, r.action, r.record) for r in rows} == {
        ("Invented Owner", "erase", client),
        ("Invented Owner", "erase", session),
    }
    assert all(NAME not in str(tuple(r)) for r in rows)
    assert store.client(kept).display_name == NAME and len(store.events(kept_session)) == 2
    assert verify_all(store.engine, store.key) == []
    assert notes.verify(store, kept_session).ok


def test_retention_counts_from_the_last_record(store: Store, clock: Clock) -> None:
    client, session = a_client_with_a_record(store)
    clock.now = years_later(3)
    notes.add_addendum(store, session, "Invented Therapist", "Seen again: still well.")
    clock.now = years_later(8)
    with pytest.raises(WithinRetention, match="kept until 2036-03-02"):
        erase_client(store, client, "Invented Owner", 7)


def test_ordinary_updates_and_deletes_stay_refused_after_an_erasure(
    store: Store, clock: Clock
) -> None:
    client, _ = a_client_with_a_record(store)
    _, kept_session = a_client_with_a_record(store)
    clock.now = years_later(8)
    erase_client(store, client, "Invented Owner", 7)
    for statement in (
        "DELETE FROM events",
        "UPDATE events SET at = 0",
        "DELETE FROM note_versions",
        "DELETE FROM note_addenda",
        "DELETE FROM intakes",
        "DELETE FROM audit",
        "DELETE FROM chain_links",
    ):
        with pytest.raises(Exception, match=r"append-only|kept|signed"), store.engine.begin() as c:
            c.execute(text(statement))
    assert len(store.events(kept_session)) == 2


def test_erasing_an_unknown_client_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        erase_client(store, "nope", "Invented Owner", 7)


def test_retention_is_a_setting_in_whole_years() -> None:
    assert retention_years({}) == 7
    assert retention_years({"TABLEWORK_RETENTION_YEARS": "10"}) == 10
    for bad in ("seven", "-1", "0", "2.5", "1000"):
        with pytest.raises(SettingsError, match="TABLEWORK_RETENTION_YEARS"):
            retention_years({"TABLEWORK_RETENTION_YEARS": bad})


def test_a_leap_day_ends_its_period_on_28_february() -> None:
    assert retained_until(datetime(2028, 2, 29, tzinfo=UTC), 7) == datetime(2035, 2, 28, tzinfo=UTC)


def test_the_command_refuses_inside_the_period_and_erases_past_it(
    store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", database_url)
    runner = CliRunner()
    recent, _ = a_client_with_a_record(store)
    result = runner.invoke(app, ["client", "erase", recent, "--by", "Invented Owner"])
    assert result.exit_code == 2 and "nothing was erased" in result.output
    assert len(result.output.strip().splitlines()) == 1
    store.clock = Clock(datetime.now(UTC) - timedelta(days=8 * 366))
    old, _ = a_client_with_a_record(store)
    result = runner.invoke(app, ["client", "erase", old, "--by", "Invented Owner"])
    assert result.exit_code == 0, result.output
    with store.engine.connect() as conn:
        assert conn.scalar(select(clients.c.id).where(clients.c.id == old)) is None
    assert runner.invoke(app, ["client", "erase", old]).exit_code == 2
    monkeypatch.setenv("TABLEWORK_RETENTION_YEARS", "seven")
    result = runner.invoke(app, ["client", "erase", recent])
    assert result.exit_code == 2 and "TABLEWORK_RETENTION_YEARS" in result.output


def test_a_note_event_is_recorded_after_an_erasure(store: Store, clock: Clock) -> None:
    client, _ = a_client_with_a_record(store)
    _, kept_session = a_client_with_a_record(store)
    clock.now = years_later(8)
    erase_client(store, client, "Invented Owner", 7)
    store.append(kept_session, Note(at=1000, text="Late remark."))
    assert verify_all(store.engine, store.key) == []


def test_a_client_without_sessions_is_erased_too(store: Store, clock: Clock) -> None:
    client = store.add_client(NAME)
    clock.now = years_later(8)
    assert erase_client(store, client, "Invented Owner", 7).session_ids == []
    with pytest.raises(NotFound):
        store.client(client)
    assert verify_all(store.engine, store.key) == []
