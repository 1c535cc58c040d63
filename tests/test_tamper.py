"""Tamper evidence: each way someone with database access (not the key) alters the record.

Every tampering is done as an attacker would: by direct SQL, with the append-only
triggers out of the way. Each case runs on SQLite and PostgreSQL, and on each both
`note verify` (one session) and `verify_all` (`db check`) must notice it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, delete, func, insert, select, text, update
from typer.testing import CliRunner

from store_fixtures import as_attacker
from tablework.cli import app
from tablework.documents.signing import digest
from tablework.session.events import Note, SessionEnded, SessionStarted
from tablework.store import notes
from tablework.store.repo import Store
from tablework.store.tables import chain_links, events, note_addenda, note_versions, sessions
from tablework.store.verify import WRONG_KEY, verify_all

BODY = {
    "subjective": ["Pain 7/10."],
    "objective": ["Broad work on the gluteals."],
    "assessment": ["Pain 4/10 after."],
    "plan": ["Review in a week."],
}
ALTERED = {**BODY, "assessment": ["Pain 0/10 after."]}


@dataclass(frozen=True)
class Record:
    """Two sessions: A is the one tampered with; B was recorded after it."""

    a: str
    b: str


def a_session(store: Store, *, sign: bool) -> str:
    client = store.add_client("Invented Client")
    session = store.create_session(client, "acute-low-back-spasm@1.0.0", 1)
    store.append(session, SessionStarted(at=0, protocol="acute-low-back-spasm@1.0.0"))
    store.append(session, Note(at=60, text="Client settled quickly."))
    store.append(session, Note(at=300, text="Gluteals eased."))
    store.append(session, SessionEnded(at=900, pain_after=4))
    notes.save(store, session, BODY)
    if sign:
        notes.sign(store, session, "Invented Therapist, LMT")
        notes.add_addendum(store, session, "Invented Therapist, LMT", "Called: better.")
    return session


@pytest.fixture
def record(store: Store) -> Record:
    return Record(a_session(store, sign=True), a_session(store, sign=False))


def _signed(session: str) -> object:
    return (note_versions.c.session_id == session) & (note_versions.c.kind == "signed")


def _event(session: str, seq: int) -> object:
    return (events.c.session_id == session) & (events.c.seq == seq)


def _unlink(conn: Connection, kind: str, table: object, where: object) -> None:
    record_id = conn.scalar(select(table.c.id).where(where))  # type: ignore[attr-defined]
    conn.execute(
        delete(chain_links).where(chain_links.c.kind == kind, chain_links.c.record_id == record_id)
    )


def change_signed_body(conn: Connection, r: Record) -> None:
    conn.execute(update(note_versions).where(_signed(r.a)).values(body=ALTERED))


def change_body_and_recompute_sha256(conn: Connection, r: Record) -> None:
    row = conn.execute(select(note_versions).where(_signed(r.a))).one()
    at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    conn.execute(
        update(note_versions)
        .where(_signed(r.a))
        .values(body=ALTERED, digest=digest(r.a, ALTERED, row.author, at))
    )


def edit_addendum(conn: Connection, r: Record) -> None:
    conn.execute(update(note_addenda).where(note_addenda.c.session_id == r.a).values(text="Worse."))


def delete_addendum(conn: Connection, r: Record) -> None:
    conn.execute(delete(note_addenda).where(note_addenda.c.session_id == r.a))


def delete_addendum_and_its_link(conn: Connection, r: Record) -> None:
    _unlink(conn, "addendum", note_addenda, note_addenda.c.session_id == r.a)
    delete_addendum(conn, r)


def change_pain_after(conn: Connection, r: Record) -> None:
    payload = {"type": "session_ended", "at": 900, "pain_after": 0}
    conn.execute(update(events).where(_event(r.a, 4)).values(payload=payload))


def delete_event(conn: Connection, r: Record) -> None:
    conn.execute(delete(events).where(_event(r.a, 3)))


def delete_event_and_its_link(conn: Connection, r: Record) -> None:
    _unlink(conn, "event", events, _event(r.a, 3))
    delete_event(conn, r)


def delete_last_event_and_its_link(conn: Connection, r: Record) -> None:
    _unlink(conn, "event", events, _event(r.a, 4))
    conn.execute(delete(events).where(_event(r.a, 4)))


def delete_signed_version(conn: Connection, r: Record) -> None:
    conn.execute(delete(note_versions).where(_signed(r.a)))


def delete_signed_version_and_its_link(conn: Connection, r: Record) -> None:
    _unlink(conn, "note_version", note_versions, _signed(r.a))
    delete_signed_version(conn, r)


def relabel_signed_as_draft(conn: Connection, r: Record) -> None:
    conn.execute(update(note_versions).where(_signed(r.a)).values(kind="draft", digest=None))


def insert_event(conn: Connection, r: Record) -> None:
    conn.execute(
        insert(events).values(
            session_id=r.a,
            seq=5,
            type="note",
            at=950.0,
            payload={"type": "note", "at": 950, "text": "Client declined follow-up."},
            recorded_at=datetime.now(UTC),
        )
    )


def insert_event_with_a_forged_link(conn: Connection, r: Record) -> None:
    insert_event(conn, r)
    head = conn.scalar(select(func.max(chain_links.c.position)))
    conn.execute(
        insert(chain_links).values(
            position=head + 1,
            kind="event",
            record_id=conn.scalar(select(events.c.id).where(_event(r.a, 5))),
            session_id=r.a,
            record_digest=secrets.token_hex(32),
            link=secrets.token_hex(32),
        )
    )


def renumber_note_versions(conn: Connection, r: Record) -> None:
    conn.execute(
        update(note_versions)
        .where(note_versions.c.session_id == r.a)
        .values(version=note_versions.c.version + 10)
    )


def move_signed_version_to_another_session(conn: Connection, r: Record) -> None:
    conn.execute(
        update(note_versions)
        .where(note_versions.c.session_id == r.a, note_versions.c.version == 2)
        .values(session_id=r.b)
    )


def move_session_to_another_client(conn: Connection, r: Record) -> None:
    other = conn.scalar(select(sessions.c.client_id).where(sessions.c.id == r.b))
    conn.execute(update(sessions).where(sessions.c.id == r.a).values(client_id=other))


def change_pinned_protocol(conn: Connection, r: Record) -> None:
    conn.execute(update(sessions).where(sessions.c.id == r.a).values(protocol="other@9.9.9"))


TAMPERINGS: list[Callable[[Connection, Record], None]] = [
    change_signed_body,  # 1
    change_body_and_recompute_sha256,  # 2
    edit_addendum,  # 3
    delete_addendum,  # 4
    delete_addendum_and_its_link,
    change_pain_after,  # 5
    delete_event,  # 6
    delete_event_and_its_link,
    delete_last_event_and_its_link,
    delete_signed_version,  # 7
    delete_signed_version_and_its_link,
    relabel_signed_as_draft,  # 8
    insert_event,  # 9
    insert_event_with_a_forged_link,
    renumber_note_versions,  # 10
    move_signed_version_to_another_session,
    move_session_to_another_client,
    change_pinned_protocol,
]


def test_an_untouched_record_verifies(store: Store, record: Record) -> None:
    assert notes.verify(store, record.a).ok
    assert notes.verify(store, record.b).ok
    assert verify_all(store.engine, store.key) == []


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda t: t.__name__)
def test_note_verify_and_db_check_detect_the_tampering(
    store: Store, record: Record, tamper: Callable[[Connection, Record], None]
) -> None:
    with as_attacker(store) as conn:
        tamper(conn, record)
    assert not notes.verify(store, record.a).ok
    assert verify_all(store.engine, store.key) != []


def test_moving_a_note_version_shows_in_both_sessions(store: Store, record: Record) -> None:
    with as_attacker(store) as conn:
        move_signed_version_to_another_session(conn, record)
    (in_a,) = notes.verify(store, record.a).problems
    in_b = notes.verify(store, record.b).problems
    assert "deleted or moved" in in_a
    assert any("note version 2 (signed) is not in the chain" in p for p in in_b)


def test_a_record_rewritten_with_another_key_is_not_authentic(store: Store, record: Record) -> None:
    stranger = Store(store.engine, key=secrets.token_bytes(32))
    assert notes.verify(stranger, record.a).problems == [WRONG_KEY]
    assert verify_all(store.engine, secrets.token_bytes(32)) == [WRONG_KEY]


def test_the_command_names_what_was_altered_and_exits_1(
    store: Store, record: Record, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(app, ["note", "verify", record.a])
    assert result.exit_code == 0 and result.output.startswith("ok:")
    with as_attacker(store) as conn:
        change_pain_after(conn, record)
    result = runner.invoke(app, ["note", "verify", record.a])
    assert result.exit_code == 1
    assert "event 4 (session_ended) was changed after it was recorded" in result.output
    assert "Traceback" not in result.output


def test_the_canonical_form_is_rfc_8785() -> None:
    import rfc8785

    from tablework.store.chain import record_content

    row = {"id": 1, "actor": "ä", "action": "erase", "record": "x", "at": datetime(2026, 1, 1)}
    assert (
        rfc8785.dumps(record_content("audit", row))
        == json.dumps(
            {
                "action": "erase",
                "actor": "ä",
                "at": "2026-01-01T00:00:00+00:00",
                "id": 1,
                "record": "x",
            },
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    )


def test_the_chain_and_audit_tables_refuse_change_from_ordinary_sql(
    store: Store, record: Record
) -> None:
    sqlite = store.engine.dialect.name == "sqlite"
    statements = [
        "UPDATE chain_links SET link = 'x'",
        "DELETE FROM chain_links",
        "INSERT INTO audit (actor, action, record, at) VALUES ('a', 'erase', 'r', '2026-01-01')",
        "UPDATE audit SET actor = 'b'",
        "DELETE FROM audit",
    ]
    statements += (
        ["INSERT OR REPLACE INTO chain_links SELECT * FROM chain_links WHERE position = 1"]
        if sqlite
        else ["TRUNCATE chain_links", "TRUNCATE audit"]
    )
    with store.engine.begin() as conn:  # one audit row for UPDATE and DELETE to meet
        conn.execute(text(statements.pop(2)))
    for statement in statements:
        with pytest.raises(Exception, match="kept"), store.engine.begin() as conn:
            conn.execute(text(statement))
