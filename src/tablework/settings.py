"""Settings read from the environment, with typed helpers and clear errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from tablework.server_config import ServerSettings

DEFAULT_RETENTION_YEARS = 7
"""How long records are kept after a client's last record before they may be erased."""


class SettingsError(ValueError):
    """An environment variable with a value Tablework cannot use."""


@dataclass(frozen=True)
class Settings:
    """The one settings object; build it with `load()`."""

    database_url: str
    default_database: bool
    instruments_dir: Path | None = None
    clinic_name: str = ""
    timezone: str = "UTC"
    key_file: Path = field(default_factory=lambda: default_key_file())
    retention_years: int = DEFAULT_RETENTION_YEARS
    sqlite_synchronous: str = "NORMAL"
    login_hours: int = 12
    token_days: int = 30
    remote_hours: int = 4
    max_body_bytes: int = 1024 * 1024
    heartbeat_seconds: int = 10

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's time zone: stored times are UTC, shown and printed in this zone."""
        return ZoneInfo(self.timezone)

    @property
    def auto_migrate(self) -> bool:
        """A local SQLite file is upgraded on open; a shared PostgreSQL only on request."""
        return self.database_url.startswith("sqlite:")


def default_database_path() -> Path:
    """The SQLite file in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tablework", appauthor=False)) / "tablework.sqlite3"


def default_key_file() -> Path:
    """The record key in the user's config directory, outside the database."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("tablework", appauthor=False)) / "record.key"


def key_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where the record key lives: TABLEWORK_KEY_FILE, else the user config directory."""
    env = os.environ if environ is None else environ
    named = env.get("TABLEWORK_KEY_FILE", "").strip()
    return Path(named) if named else default_key_file()


def retention_years(environ: Mapping[str, str] | None = None) -> int:
    """TABLEWORK_RETENTION_YEARS as a whole number of years (default 7)."""
    env = os.environ if environ is None else environ
    raw = env.get("TABLEWORK_RETENTION_YEARS", "").strip()
    if not raw:
        return DEFAULT_RETENTION_YEARS
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise SettingsError(
            f"TABLEWORK_RETENTION_YEARS must be a whole number of years from 1 to 100, not {raw!r}"
        )
    return int(raw)


SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")


def sqlite_synchronous(environ: Mapping[str, str] | None = None) -> str:
    """TABLEWORK_SQLITE_SYNCHRONOUS: `normal` (default) or `full`, SQLite's `synchronous`.

    In WAL mode `normal` keeps every committed write through a crash or kill of the
    process; only an operating-system crash or power cut can lose the last commits
    (never damage the file). `full` also syncs the disk on every commit: it survives a
    power cut too, at about a disk flush per write (docs/records.md)."""
    env = os.environ if environ is None else environ
    raw = env.get("TABLEWORK_SQLITE_SYNCHRONOUS", "").strip()
    if not raw:
        return SQLITE_SYNCHRONOUS[0]
    if raw.upper() not in SQLITE_SYNCHRONOUS:
        raise SettingsError(f"TABLEWORK_SQLITE_SYNCHRONOUS must be normal or full, not {raw!r}")
    return raw.upper()


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    instruments = env.get("TABLEWORK_INSTRUMENTS_DIR", "").strip()
    instruments_dir = Path(instruments) if instruments else None
    if instruments_dir is not None and not instruments_dir.is_dir():
        raise SettingsError(f"TABLEWORK_INSTRUMENTS_DIR is not a folder: {instruments}")
    url = env.get("TABLEWORK_DATABASE_URL", "").strip()
    if url and not url.startswith(("sqlite:", "postgresql")):
        raise SettingsError(
            "TABLEWORK_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL"
        )
    return Settings(
        database_url=url or f"sqlite:///{default_database_path()}",
        default_database=not url,
        instruments_dir=instruments_dir,
        clinic_name=_clinic_name(env.get("TABLEWORK_CLINIC_NAME", "").strip()),
        timezone=_timezone(env.get("TABLEWORK_TIMEZONE", "").strip() or "UTC"),
        key_file=key_file(env),
        retention_years=retention_years(env),
        sqlite_synchronous=sqlite_synchronous(env),
        **_server_values(env),
    )


def _clinic_name(name: str) -> str:
    """The practice name printed on documents: a name, not a page of text."""
    if len(name) > 120:
        raise SettingsError("TABLEWORK_CLINIC_NAME is at most 120 characters")
    return name


SERVER_SETTING_NAMES = (
    "login_hours",
    "token_days",
    "remote_hours",
    "max_body_bytes",
    "heartbeat_seconds",
)
"""The fields of `ServerSettings`, each read from TABLEWORK_<NAME>; `Settings` holds their
defaults too (tests/test_settings.py checks that both agree)."""


def __getattr__(name: str) -> Any:
    # `ServerSettings` stays importable from here, loaded only when asked for.
    if name == "ServerSettings":
        from tablework.server_config import ServerSettings

        return ServerSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _server_values(env: Mapping[str, str]) -> dict[str, Any]:
    """The server settings `env` sets, checked; none set leaves `Settings`' defaults and
    pydantic-settings unimported (most commands set none)."""
    if not any(env.get(f"TABLEWORK_{name.upper()}", "").strip() for name in SERVER_SETTING_NAMES):
        return {}
    return server_settings(env).model_dump()


def server_settings(env: Mapping[str, str]) -> ServerSettings:
    """The server's settings from `env`; SettingsError naming the first bad variable."""
    from pydantic import ValidationError

    from tablework.server_config import ServerSettings

    given = {
        name: env[f"TABLEWORK_{name.upper()}"].strip()
        for name in ServerSettings.model_fields
        if env.get(f"TABLEWORK_{name.upper()}", "").strip()
    }
    try:
        return ServerSettings.model_validate(given)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        name = f"TABLEWORK_{str(problem['loc'][0]).upper()}"
        raise SettingsError(f"{name}: {problem['msg']} (got {problem['input']!r})") from None


def _timezone(name: str) -> str:
    """`name` if it is an IANA time zone this machine knows (e.g. Europe/Paris)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"TABLEWORK_TIMEZONE is not an IANA time zone (such as Europe/Paris): {name!r}"
        ) from None
    return name
