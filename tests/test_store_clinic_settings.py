"""Clinic settings (migration 0008): stored per clinic over the environment's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from tablework.settings import Settings
from tablework.store import clinic_settings
from tablework.store.clinic_settings import ClinicSettings, ClinicSettingsError, checked
from tablework.store.database import HEAD, current_revision, migrate
from tablework.store.repo import Store
from test_store_append_only import downgrade


def env(tmp_path: Path, **values: object) -> Settings:
    return Settings(
        database_url="sqlite://", default_database=False, key_file=tmp_path / "k", **values
    )  # type: ignore[arg-type]


def test_the_migration_can_be_undone_and_redone(store: Store) -> None:
    downgrade(store, "0007")
    assert not inspect(store.engine).has_table("clinic_settings")
    migrate(store.engine)
    assert current_revision(store.engine) == HEAD == "0010"
    assert inspect(store.engine).has_table("clinic_settings")


def test_a_clinic_without_settings_reads_the_environments(store: Store, tmp_path: Path) -> None:
    defaults = env(tmp_path, clinic_name="Env Clinic", timezone="Europe/Paris", retention_years=6)
    read = clinic_settings.read(store, "default", defaults)
    assert (read.clinic_name, read.timezone, read.retention_years) == (
        "Env Clinic",
        "Europe/Paris",
        6,
    )
    assert read.check_in_seconds is None and read.voice_prompts is True


def test_stored_settings_win_and_stay_with_their_clinic(store: Store, tmp_path: Path) -> None:
    defaults = env(tmp_path, clinic_name="Env Clinic")
    chosen = ClinicSettings(
        clinic_name="Harbour Massage",
        timezone="America/New_York",
        retention_years=6,
        check_in_seconds=120,
        voice_prompts=False,
    )
    clinic_settings.write(store, "default", chosen, "olivia@example.org")
    assert clinic_settings.read(store, "default", defaults) == chosen
    assert clinic_settings.read(store, "elsewhere", defaults).clinic_name == "Env Clinic"
    protocols_own = chosen.model_copy(update={"check_in_seconds": None})
    clinic_settings.write(store, "default", protocols_own, "olivia@example.org")
    assert clinic_settings.read(store, "default", defaults).check_in_seconds is None
    applied = clinic_settings.applied(defaults, clinic_settings.read(store, "default", defaults))
    assert applied.zone.key == "America/New_York" and applied.retention_years == 6


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"retention_years": 0}, "retention_years"),
        ({"check_in_seconds": 30}, "check_in_seconds"),
        ({"check_in_seconds": 3600}, "check_in_seconds"),
        ({"clinic_name": "two\nlines"}, "clinic_name"),
    ],
)
def test_unusable_values_are_refused_by_name(values: dict[str, object], named: str) -> None:
    with pytest.raises(ClinicSettingsError, match=named):
        checked(values)


def test_erasure_counts_the_clients_clinics_retention(store: Store, tmp_path: Path) -> None:
    client = store.add_client("Invented Client")  # no access row: the default clinic
    assert clinic_settings.retention_years(store, client, 7) == 7
    chosen = ClinicSettings(retention_years=4)
    clinic_settings.write(store, "elsewhere", chosen, "owner@example.org")
    assert clinic_settings.retention_years(store, client, 7) == 7
    clinic_settings.write(store, "default", chosen, "owner@example.org")
    assert clinic_settings.retention_years(store, client, 7) == 4
