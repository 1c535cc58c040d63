"""Every read and write of client data leaves an audit row, in the write's transaction."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tablework.cli import app as cli_app
from tablework.store import audit
from web_helpers import Clinic, clinic

__all__ = ["clinic"]


def test_a_read_leaves_a_row_with_actor_action_record_and_address(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.http.get(f"/api/clients/{client_id}", headers=clinic.auth("alice"))
    rows = audit.rows(clinic.store, records=[client_id])
    read = next(r for r in rows if r.action == "read_client")
    assert (read.actor, read.record, read.address) == ("alice@example.org", client_id, "testclient")


def test_a_write_and_its_audit_row_commit_together(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    session_id = clinic.start_session("alice", client_id)

    def broken(self: audit.AuditTrail, conn: object, key: bytes) -> None:
        raise OSError("the audit row could not be written")

    monkeypatch.setattr(audit.AuditTrail, "write", broken)
    event = {"type": "note", "at": 5, "text": "comfortable"}
    with pytest.raises(OSError):
        clinic.post("alice", session_id, event)
    monkeypatch.undo()
    assert len(clinic.store.events(session_id)) == 1  # the event went with its audit row
    assert clinic.post("alice", session_id, event).status_code == 201
    actions = [r.action for r in audit.rows(clinic.store, records=[session_id])]
    assert "post_event" in actions


def test_a_refused_request_leaves_no_row(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.http.get(f"/api/clients/{client_id}", headers=clinic.auth("bob"))
    assert [r.actor for r in audit.rows(clinic.store, records=[client_id])] == ["alice@example.org"]


def test_the_owner_reads_the_audit_of_a_client(clinic: Clinic) -> None:
    client_id = clinic.add_client("alice")
    clinic.http.get(f"/api/clients/{client_id}", headers=clinic.auth("alice"))
    answer = clinic.http.get(f"/api/audit?client={client_id}", headers=clinic.auth("olivia"))
    assert answer.status_code == 200
    assert {"actor", "action", "record", "at"} <= set(answer.json()[0])
    assert {r["actor"] for r in answer.json()} == {"alice@example.org"}
    by_actor = clinic.http.get(
        "/api/audit?actor=alice@example.org", headers=clinic.auth("olivia")
    ).json()
    assert by_actor and all(r["actor"] == "alice@example.org" for r in by_actor)
    assert clinic.http.get("/api/audit", headers=clinic.auth("alice")).status_code == 403


def test_the_owner_of_another_clinic_sees_none_of_its_audit(clinic: Clinic) -> None:
    from tablework.store import tokens
    from tablework.store.accounts import add_user
    from web_helpers import _DAY

    clinic.add_client("alice")
    other = add_user(clinic.store, "oscar@example.org", "owner", "correct horse", "elsewhere")
    token = tokens.issue(clinic.store, other, "bearer", _DAY).secret
    rows = clinic.http.get("/api/audit", headers={"Authorization": f"Bearer {token}"}).json()
    assert all(r["actor"] != "alice@example.org" for r in rows)


def test_tablework_audit_lists_the_rows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    client_id = clinic.add_client("alice")
    monkeypatch.setenv(
        "TABLEWORK_DATABASE_URL", str(clinic.store.engine.url.render_as_string(hide_password=False))
    )
    result = CliRunner().invoke(cli_app, ["audit", "--client", client_id, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"create_client"' in result.stdout


def test_audit_rows_are_append_only_and_chained(clinic: Clinic) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from tablework.store.verify import verify_all

    client_id = clinic.add_client("alice")
    clinic.http.get(f"/api/clients/{client_id}", headers=clinic.auth("alice"))
    assert verify_all(clinic.store.engine, clinic.store.key) == []
    with pytest.raises(DBAPIError), clinic.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit SET address = 'elsewhere'"))
    with pytest.raises(DBAPIError), clinic.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit"))


def test_a_changed_audit_address_is_caught_by_the_chain(clinic: Clinic) -> None:
    from sqlalchemy import text

    from tablework.store.verify import verify_all

    client_id = clinic.add_client("alice")
    clinic.http.get(f"/api/clients/{client_id}", headers=clinic.auth("alice"))
    with clinic.store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER USER")
        conn.execute(text("UPDATE audit SET address = 'elsewhere'"))
    assert verify_all(clinic.store.engine, clinic.store.key) != []
