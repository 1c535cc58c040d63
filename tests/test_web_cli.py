"""`tablework user`, `tablework serve` refusals, settings errors, and a database that is away."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tablework.cli import app as cli_app
from tablework.store.accounts import authenticate
from tablework.store.database import open_engine
from tablework.store.repo import Store
from tablework.web.app import create_app
from web_helpers import PASSWORD, settings_for

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=1"


@pytest.fixture
def env(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv(
        "TABLEWORK_DATABASE_URL", store.engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("TABLEWORK_PASSWORD", PASSWORD)
    return store


def test_user_add_passwd_deactivate(env: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    added = runner.invoke(cli_app, ["user", "add", "Olivia@Example.org", "--role", "owner"])
    assert added.exit_code == 0, added.output
    assert authenticate(env, "olivia@example.org", PASSWORD) is not None
    monkeypatch.setenv("TABLEWORK_PASSWORD", "another long one")
    assert runner.invoke(cli_app, ["user", "passwd", "olivia@example.org"]).exit_code == 0
    assert authenticate(env, "olivia@example.org", "another long one") is not None
    assert runner.invoke(cli_app, ["user", "deactivate", "olivia@example.org"]).exit_code == 0
    assert authenticate(env, "olivia@example.org", "another long one") is None


def test_user_add_refuses_bad_input_in_one_line(env: Store) -> None:
    runner = CliRunner()
    runner.invoke(cli_app, ["user", "add", "a@example.org", "--role", "therapist"])
    for args in (
        ["user", "add", "a@example.org", "--role", "therapist"],
        ["user", "add", "not-an-email", "--role", "therapist"],
        ["user", "add", "b@example.org", "--role", "king"],
        ["user", "passwd", "nobody@example.org"],
    ):
        result = runner.invoke(cli_app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_a_password_shorter_than_eight_is_refused(
    env: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_PASSWORD", "short")
    result = CliRunner().invoke(cli_app, ["user", "add", "c@example.org", "--role", "owner"])
    assert result.exit_code == 2 and "8 characters" in result.output


def test_serve_refuses_several_workers_on_sqlite(env: Store) -> None:
    if env.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    result = CliRunner().invoke(cli_app, ["serve", "--workers", "2"])
    assert result.exit_code == 2 and "PostgreSQL" in result.output


def test_a_bad_server_setting_is_one_clear_line(
    env: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEWORK_HEARTBEAT_SECONDS", "99")
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 2
    assert "TABLEWORK_HEARTBEAT_SECONDS" in result.output and "Traceback" not in result.output


def test_an_unreachable_database_is_503_with_a_message(tmp_path: Path) -> None:
    away = Store(open_engine(UNREACHABLE), key=b"k" * 32)
    app = create_app(settings_for(away, tmp_path), away)
    with TestClient(app) as http:
        health = http.get("/healthz")
        assert health.status_code == 503 and "detail" in health.json()
        clients = http.get("/api/clients", headers={"Authorization": "Bearer anything"})
        assert clients.status_code == 503
        assert "database" in clients.json()["detail"]
