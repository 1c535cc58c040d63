"""The record key: made on first use, owner-only, outside the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tablework.cli import app
from tablework.settings import key_file
from tablework.store import record_key


def test_the_key_is_made_on_first_use_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "config" / "record.key"
    key = record_key.load_or_create(path)
    assert len(key) == record_key.KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert record_key.load_or_create(path) == key == record_key.load(path)
    assert list(path.parent.iterdir()) == [path]  # no draft file left behind


def test_the_key_file_can_be_named_in_the_environment(tmp_path: Path) -> None:
    assert key_file({"TABLEWORK_KEY_FILE": str(tmp_path / "k")}) == tmp_path / "k"
    assert key_file({}).name == "record.key"


@pytest.mark.parametrize("content", ["", "not hex", "ab" * 16])
def test_a_malformed_key_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "record.key"
    path.write_text(content)
    with pytest.raises(record_key.RecordKeyError, match="is not 32 bytes"):
        record_key.load_or_create(path)


def test_a_missing_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(record_key.RecordKeyError, match="no record key at"):
        record_key.load(tmp_path / "nowhere.key")


def test_a_command_with_an_unusable_key_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "record.key"
    bad.write_text("not hex")
    monkeypatch.setenv("TABLEWORK_KEY_FILE", str(bad))
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = CliRunner().invoke(app, ["client", "add", "Invented Client"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: the record key at {bad} is not 32 bytes of hex"
