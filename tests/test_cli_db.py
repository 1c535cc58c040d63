"""`tablework db check`, and database trouble as one line and exit 1 from any command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from typer.testing import CliRunner

from store_fixtures import as_attacker
from tablework.cli import app
from tablework.store import database
from tablework.store.repo import Store

EXAMPLE = Path(__file__).parent.parent / "examples" / "sessions" / "first-session-settles.json"


@pytest.fixture
def cli_db(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A migrated database on each engine, configured for the CLI."""
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", database_url)
    return store


def saved_session(cli: CliRunner) -> str:
    result = cli.invoke(app, ["session", "simulate", str(EXAMPLE), "--save", "-f", "json"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["session_id"])


def one_line_error(result: Any, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


def test_db_check_passes_a_whole_record(cli: CliRunner, cli_db: Store) -> None:
    session = saved_session(cli)
    cli.invoke(app, ["note", "draft", session])
    cli.invoke(app, ["note", "sign", session, "--by", "Invented Therapist"])
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: 10 checks passed on 1 sessions, 26 events, 1 signed notes" in result.stdout


def test_db_check_warns_about_an_incomplete_session_but_passes(
    cli: CliRunner, cli_db: Store
) -> None:
    bare = cli_db.create_session(cli_db.add_client("C"), "acute-low-back-spasm@1.0.0", 1)
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 0
    assert f"warning: 1 session(s) incomplete (no end recorded): {bare}" in result.stdout


def test_db_check_fails_on_a_missing_event(cli: CliRunner, cli_db: Store) -> None:
    session = saved_session(cli)
    with cli_db.engine.begin() as conn:  # an event slipped in past a gap
        conn.execute(
            text(
                "INSERT INTO events (session_id, seq, type, at, payload, recorded_at) "
                'VALUES (:s, 40, \'note\', 1, \'{"type": "note", "at": 1, "text": "x"}\', '
                "'2026-11-25 10:00:00')"
            ),
            {"s": session},
        )
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 1
    assert f"problem: session {session}: 27 event(s) stored but numbered 1 to 40" in result.stderr


def test_db_check_fails_on_an_altered_signed_note(cli: CliRunner, cli_db: Store) -> None:
    session = saved_session(cli)
    cli.invoke(app, ["note", "draft", session])
    cli.invoke(app, ["note", "sign", session, "--by", "Invented Therapist"])
    with cli_db.engine.begin() as conn:
        if cli_db.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER note_versions_no_update"))
        else:
            conn.execute(text("ALTER TABLE note_versions DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE note_versions SET author = 'Someone Else'"))
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 1
    assert "no longer matches its digest" in result.stderr


def test_a_second_signature_is_refused_in_one_line(cli: CliRunner, cli_db: Store) -> None:
    session = saved_session(cli)
    cli.invoke(app, ["note", "draft", session])
    assert cli.invoke(app, ["note", "sign", session, "--by", "A"]).exit_code == 0
    line = one_line_error(cli.invoke(app, ["note", "sign", session, "--by", "B"]), 2)
    assert line == f"error: session {session}: the note is already signed (by A)"


def test_a_draft_of_an_incomplete_session_says_so(cli: CliRunner, cli_db: Store) -> None:
    bare = cli_db.create_session(cli_db.add_client("C"), "acute-low-back-spasm@1.0.0", 1)
    result = cli.invoke(app, ["note", "draft", bare])
    assert result.exit_code == 0, result.output
    assert "INCOMPLETE SESSION" in result.stdout and "warning: incomplete" in result.stderr
    shown = json.loads(cli.invoke(app, ["note", "show", bare, "-f", "json"]).stdout)
    assert shown["session_complete"] is False


def test_exports_of_an_incomplete_session_say_so(
    cli: CliRunner, cli_db: Store, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    client = cli_db.add_client("C")
    bare = cli_db.create_session(client, "acute-low-back-spasm@1.0.0", 1)
    bundle = json.loads(cli.invoke(app, ["export", "fhir", "--client", client]).stdout)
    (encounter,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"
    ]
    assert encounter["status"] == "in-progress"
    pdf = tmp_path / "note.pdf"
    assert cli.invoke(app, ["export", "pdf", "--session", bare, "-o", str(pdf)]).exit_code == 0
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Incomplete session: no end of session was recorded." in text
    csv_rows = cli.invoke(app, ["outcomes", "-f", "csv"]).stdout.splitlines()
    assert csv_rows[0].endswith(",complete") and csv_rows[1].endswith(",no")
    assert "1 session(s) incomplete" in cli.invoke(app, ["outcomes"]).stdout


# Database trouble: one line on stderr, exit 1


def test_a_read_only_database_is_one_line(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.sqlite3"
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{path}")
    assert cli.invoke(app, ["client", "add", "Invented Client"]).exit_code == 0
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    assert cli.invoke(app, ["client", "list"]).exit_code == 0  # reading is fine
    line = one_line_error(cli.invoke(app, ["client", "add", "Another"]), 1)
    assert line.startswith("error: the database is read-only")
    assert "Another" not in cli.invoke(app, ["client", "list"]).stdout


def test_an_unreachable_database_server_is_one_line(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "TABLEWORK_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    )
    line = one_line_error(cli.invoke(app, ["client", "list"]), 1)
    assert line.startswith("error: cannot reach the database server") and "secret" not in line


def test_a_locked_database_is_one_line_and_readers_still_read(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.sqlite3"
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{path}")
    assert cli.invoke(app, ["client", "add", "Invented Client"]).exit_code == 0
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        listed = cli.invoke(app, ["client", "list"])
        added = cli.invoke(app, ["client", "add", "Another"])
    finally:
        writer.rollback()
        writer.close()
    assert listed.exit_code == 0 and "Invented Client" in listed.stdout
    assert one_line_error(added, 1).startswith("error: the database is locked")


def test_a_full_disk_is_one_line(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert cli.invoke(app, ["client", "add", "Invented Client"]).exit_code == 0
    opened = database.open_engine

    def no_room_to_grow(url: str, **options: Any) -> Any:
        engine = opened(url, **options)

        @event.listens_for(engine, "connect")
        def _full(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        return engine

    monkeypatch.setattr(database, "open_engine", no_room_to_grow)
    result = cli.invoke(app, ["session", "simulate", str(EXAMPLE), "--save"])
    assert one_line_error(result, 1).startswith("error: the disk holding the database is full")


def test_a_refused_idempotency_key_is_one_line_and_exit_2(cli: CliRunner) -> None:
    import typer

    from tablework.cli.context import CommandsWithDatabaseErrors
    from tablework.store.repo import check_idempotency_key

    # No command takes a key yet: a stand-in for the API's append, under the same root group.
    root = typer.Typer(cls=CommandsWithDatabaseErrors)
    root.command("append")(lambda: check_idempotency_key("k" * 200))
    root.command("other")(lambda: None)
    line = one_line_error(cli.invoke(root, ["append"]), 2)
    assert line == "error: an idempotency key has at most 128 characters (got 200)"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("/proc/no-such-folder/db.sqlite3", "error: cannot create the database folder"),
        ("/proc/db.sqlite3", "error: cannot open the database file"),
        ("{tmp}/not-a-database.sqlite3", "error: the database file is damaged or not SQLite"),
    ],
)
def test_a_database_file_that_cannot_be_used_is_one_line(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, expected: str
) -> None:
    (tmp_path / "not-a-database.sqlite3").write_text("a shopping list\n" * 100)
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{where.format(tmp=tmp_path)}")
    for command in (["client", "list"], ["db", "upgrade"]):
        assert one_line_error(cli.invoke(app, command), 1).startswith(expected)


def test_db_check_fails_on_an_event_changed_behind_the_triggers(
    cli: CliRunner, cli_db: Store
) -> None:
    session = saved_session(cli)
    with as_attacker(cli_db) as conn:
        conn.execute(
            text(
                "UPDATE events SET payload = :payload "
                "WHERE session_id = :session AND type = 'session_ended'"
            ),
            {
                "payload": '{"type": "session_ended", "at": 1500, "pain_after": 0}',
                "session": session,
            },
        )
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 1
    assert "event 26 (session_ended) was changed after it was recorded" in result.output


def test_db_check_finds_a_dropped_append_only_trigger(cli: CliRunner, cli_db: Store) -> None:
    saved_session(cli)
    with cli_db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql('DROP TRIGGER "events_no_update"')
        else:
            conn.exec_driver_sql("DROP TRIGGER events_no_update_or_delete ON events")
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 1 and "append-only trigger(s) are missing" in result.output


def test_a_stored_event_that_is_not_json_is_reported_not_a_traceback(
    cli: CliRunner, cli_db: Store
) -> None:
    session = saved_session(cli)
    with cli_db.engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's json column refuses text that is not JSON")
        conn.execute(
            text(
                "INSERT INTO events (session_id, seq, type, at, payload, recorded_at) "
                "VALUES (:s, 99, 'note', 1, 'not json', '2026-01-01 00:00:00')"
            ),
            {"s": session},
        )
    result = cli.invoke(app, ["db", "check"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    replay = cli.invoke(app, ["session", "replay", session])
    assert replay.exit_code == 1 and "cannot be read" in replay.output


def test_a_wrong_record_key_writes_nothing(
    cli: CliRunner, cli_db: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    saved_session(cli)
    before = len(cli_db.session_ids())
    monkeypatch.setenv("TABLEWORK_KEY_FILE", str(tmp_path / "another.key"))
    result = cli.invoke(app, ["session", "simulate", str(EXAMPLE), "--save"])
    assert result.exit_code == 1
    assert "no record key" in result.output or "does not match" in result.output
    assert len(cli_db.session_ids()) == before


def test_db_rebuild_recomputes_summaries_and_changes_no_record(
    cli: CliRunner, cli_db: Store
) -> None:
    saved_session(cli)
    before = cli_db.summaries()
    result = cli.invoke(app, ["db", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "rebuilt the summaries of 1 session(s) from their events\n"
    assert cli_db.summaries() == before


def test_demo_at_scale_adds_clients_with_their_sessions(cli: CliRunner, cli_db: Store) -> None:
    result = cli.invoke(app, ["demo", "--clients", "2", "--sessions", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added 2 invented clients with 6 sessions (")
    assert len(cli_db.summaries()) == 6
    assert cli.invoke(app, ["db", "check"]).exit_code == 0


@pytest.mark.parametrize(
    "arguments",
    [["--clients", "2"], ["--clients", "0", "--sessions", "1"], ["--clients", "x"]],
)
def test_demo_at_scale_refuses_bad_sizes_in_one_line(
    cli: CliRunner, cli_db: Store, arguments: list[str]
) -> None:
    result = cli.invoke(app, ["demo", *arguments])
    assert result.exit_code == 2
    assert cli_db.summaries() == []
