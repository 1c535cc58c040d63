"""Settings from the environment: the server's knobs, read only when one is set."""

from __future__ import annotations

import dataclasses

import pytest

from tablework.server_config import ServerSettings
from tablework.settings import SERVER_SETTING_NAMES, Settings, SettingsError, load

ENV = {"TABLEWORK_DATABASE_URL": "sqlite:///invented.sqlite3"}


def test_the_server_knobs_are_the_fields_of_server_settings() -> None:
    assert tuple(ServerSettings.model_fields) == SERVER_SETTING_NAMES


def test_with_no_knob_set_the_settings_hold_the_server_defaults() -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert {name: defaults[name] for name in SERVER_SETTING_NAMES} == ServerSettings().model_dump()
    settings = load(ENV)
    assert {name: getattr(settings, name) for name in SERVER_SETTING_NAMES} == (
        ServerSettings().model_dump()
    )


def test_a_knob_that_is_set_is_read() -> None:
    assert load({**ENV, "TABLEWORK_LOGIN_HOURS": "3"}).login_hours == 3


def test_a_knob_out_of_bounds_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="TABLEWORK_HEARTBEAT_SECONDS"):
        load({**ENV, "TABLEWORK_HEARTBEAT_SECONDS": "99"})


def test_server_settings_is_still_importable_from_settings() -> None:
    from tablework import settings

    assert settings.ServerSettings is ServerSettings
