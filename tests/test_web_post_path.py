"""What one event post costs the database: a fixed, small number of statements.

Counted, not timed (the timings are in bench/bench_server.py): the caller and the access
rule are read once each, nothing replays the session, the chain head is read once for the
event and its audit row together, and none of it grows with the session's length.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statement_count import statements
from web_helpers import Clinic, clinic

__all__ = ["clinic"]

NOTE = {"type": "note", "text": "client comfortable"}


def _post(clinic: Clinic, session: str) -> list[str]:
    with statements(clinic.store.engine) as seen:
        answer = clinic.post("alice", session, NOTE)
    assert answer.status_code == 201, answer.text
    return seen


def test_a_post_sends_the_same_few_statements_early_and_late(clinic: Clinic) -> None:
    session = clinic.start_session("alice", _client(clinic))
    early = _post(clinic, session)
    for _ in range(30):
        _post(clinic, session)
    late = _post(clinic, session)
    assert len(late) == len(early)
    assert not any("FROM events" in s and "ORDER BY events.seq" in s for s in late), late
    reads_of = {
        "token and account": sum("auth_tokens" in s or "users" in s for s in late),
        "access and session": sum("client_access" in s for s in late),
        "chain head": sum("FROM chain_links" in s for s in late),
    }
    assert reads_of == {"token and account": 1, "access and session": 1, "chain head": 1}
    # Token and account, access and session; then in the write the session's last seq
    # together with the chain head (one statement: one round trip inside the write turn),
    # the event, its link, the summary, the audit row and its link (BEGIN/COMMIT not
    # counted). PostgreSQL adds its advisory lock and the NOTIFY.
    extra = 2 if clinic.store.engine.dialect.name == "postgresql" else 0
    assert len(late) <= 8 + extra, late


def test_the_event_and_its_audit_row_are_chained_one_after_the_other(clinic: Clinic) -> None:
    from sqlalchemy import select

    from tablework.store.tables import chain_links
    from tablework.store.verify import verify_all

    session = clinic.start_session("alice", _client(clinic))
    _post(clinic, session)
    with clinic.store.engine.connect() as conn:
        kinds = list(
            conn.scalars(select(chain_links.c.kind).order_by(chain_links.c.position.desc()))
        )
    assert kinds[:2] == ["audit", "event"]
    assert verify_all(clinic.store.engine, clinic.store.key) == []


def _client(clinic: Clinic) -> str:
    client = clinic.add_client("alice")
    clinic.add_intake("alice", client)
    return client


def test_sqlite_synchronous_is_normal_unless_set_to_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tablework.settings import SettingsError, load
    from tablework.store.database import open_engine

    def pragma() -> int:
        engine = open_engine(f"sqlite:///{tmp_path / 'sync.sqlite3'}")
        with engine.connect() as conn:
            value = int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
        engine.dispose()
        return value

    assert pragma() == 1  # NORMAL
    monkeypatch.setenv("TABLEWORK_SQLITE_SYNCHRONOUS", "full")
    assert pragma() == 2  # FULL
    monkeypatch.setenv("TABLEWORK_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(SettingsError, match="normal or full"):
        load()


def test_who_is_asking_is_settled_before_the_body(clinic: Clinic) -> None:
    """The route checks its body and Idempotency-Key in its one thread-pool call, after the
    caller and the access rule: no credentials is 401 and another clinic's session 404
    whatever the request carries, then 422 for the caller who may post."""
    session = clinic.start_session("alice", _client(clinic))
    url = f"/api/sessions/{session}/events"
    long_key = {"Idempotency-Key": "k" * 201}
    odd: list[tuple[bytes, dict[str, str]]] = [
        (b"[1]", {}),  # not an object
        (b"", {}),  # no body
        (json.dumps(NOTE).encode(), long_key),
    ]
    for content, extra in odd:
        headers = {"Content-Type": "application/json", **extra}
        for who, status in (("anonymous", 401), ("charlie", 404), ("alice", 422)):
            answer = clinic.http.post(url, content=content, headers={**headers, **clinic.auth(who)})
            assert answer.status_code == status, (who, content, answer.text)
