"""Shared fixtures: paths to test data and a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

if TYPE_CHECKING:
    from tablework.store.repo import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def record_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test signs its records with its own key, never the user's."""
    path = tmp_path / "config" / "record.key"
    monkeypatch.setenv("TABLEWORK_KEY_FILE", str(path))
    return path


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated-on-demand database URL, once per engine the suite can reach."""
    from store_fixtures import postgresql_url, sqlite_url

    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield from postgresql_url()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on each database."""
    from tablework.store.database import migrate, open_engine
    from tablework.store.repo import Store

    engine = open_engine(database_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()
