"""Backup and restore: the restored database equals the original, table by table."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tablework.cli import app
from tablework.store.database import open_engine
from tablework.store.tables import metadata

PG_TOOLS = ("pg_dump", "pg_restore")


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema revision), in primary-key order."""
    engine = open_engine(url)
    with engine.connect() as conn:
        tables = {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }
        tables["alembic_version"] = [
            tuple(row) for row in conn.execute(text("SELECT version_num FROM alembic_version"))
        ]
    engine.dispose()
    return tables


def use(monkeypatch: pytest.MonkeyPatch, url: str) -> CliRunner:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", url)
    return CliRunner()


def filled(monkeypatch: pytest.MonkeyPatch, url: str, *, demo: bool = False) -> CliRunner:
    """A runner on `url`, which holds the demo records or one client."""
    runner = use(monkeypatch, url)
    if url.startswith("postgresql"):
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    fill = ["demo"] if demo else ["client", "add", "Invented Client"]
    assert runner.invoke(app, fill).exit_code == 0
    return runner


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another, empty database on the same engine as `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    missing = [tool for tool in PG_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"PostgreSQL backup test skipped: {', '.join(missing)} not on PATH")
    source = make_url(database_url)
    name = f"tw_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(source.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        # The same schema name as the source: pg_restore recreates the schema it dumped.
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_restored_backup_equals_the_original_table_by_table(
    database_url: str, empty_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = filled(monkeypatch, database_url, demo=True)
    backup = tmp_path / "backup.tablework"
    result = runner.invoke(app, ["backup", str(backup)])
    assert result.exit_code == 0, result.output
    runner = use(monkeypatch, empty_target)
    result = runner.invoke(app, ["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "every record verifies" in result.output
    before, after = snapshot(database_url), snapshot(empty_target)
    assert before == after and len(before["events"]) > 20 and before["chain_links"]
    sessions = json.loads(runner.invoke(app, ["session", "list", "--format", "json"]).output)
    for session in sessions:
        assert runner.invoke(app, ["note", "verify", session["id"]]).exit_code == 0
    if empty_target.startswith("postgresql"):  # the search's trigram index is made again
        engine = open_engine(empty_target)
        assert "ix_clients_display_name_trgm" in {
            index["name"] for index in inspect(engine).get_indexes("clients")
        }
        engine.dispose()


def test_restore_refuses_a_database_that_holds_records(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = filled(monkeypatch, database_url)
    if database_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not on PATH")
    backup = tmp_path / "backup.tablework"
    assert runner.invoke(app, ["backup", str(backup)]).exit_code == 0
    before = snapshot(database_url)
    result = runner.invoke(app, ["restore", str(backup)])
    assert result.exit_code == 2
    assert result.output.startswith("error: the database is not empty")
    assert len(result.output.strip().splitlines()) == 1
    assert snapshot(database_url) == before


def test_a_backup_never_overwrites_a_file(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = filled(monkeypatch, database_url)
    existing = tmp_path / "existing"
    existing.write_text("keep me")
    result = runner.invoke(app, ["backup", str(existing)])
    assert result.exit_code == 2 and "never overwrites" in result.output
    assert existing.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = use(monkeypatch, f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    for bogus in (tmp_path / "nothing-here", tmp_path / "note.txt"):
        if bogus.name.endswith(".txt"):
            bogus.write_text("not a database")
        result = runner.invoke(app, ["restore", str(bogus)])
        assert result.exit_code == 2 and result.output.startswith(f"error: {bogus}")


def test_postgresql_backup_without_pg_dump_names_it(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("pg_dump is only needed for PostgreSQL")
    runner = filled(monkeypatch, database_url)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    result = runner.invoke(app, ["backup", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert result.output.startswith("error: pg_dump is not on PATH")
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()


def test_postgresql_restore_wants_a_database_without_tables(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a SQLite restore replaces the whole file, tables and all")
    runner = use(monkeypatch, database_url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    backup = tmp_path / "backup.tablework"
    backup.write_bytes(b"PGDMP")
    result = runner.invoke(app, ["restore", str(backup)])
    assert result.exit_code == 2 and "new PostgreSQL database" in result.output


def test_a_backup_from_a_newer_tablework_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    runner = filled(monkeypatch, f"sqlite:///{tmp_path / 'source.sqlite3'}")
    backup = tmp_path / "backup.tablework"
    assert runner.invoke(app, ["backup", str(backup)]).exit_code == 0
    with sqlite3.connect(backup) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    runner = use(monkeypatch, f"sqlite:///{tmp_path / 'target.sqlite3'}")
    result = runner.invoke(app, ["restore", str(backup)])
    assert result.exit_code == 1 and "newer than this Tablework" in result.output
    assert "Traceback" not in result.output
