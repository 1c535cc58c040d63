"""The server's knobs as a pydantic-settings model, typed and bounded.

In a module of its own so that a command which sets none of them (`tablework client list`)
does not import pydantic-settings; `tablework.settings.load` reads them through here.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    """The server's knobs, typed and bounded: TABLEWORK_LOGIN_HOURS and so on."""

    model_config = SettingsConfigDict(env_prefix="TABLEWORK_", extra="ignore")

    login_hours: int = Field(default=12, ge=1, le=24 * 14)
    token_days: int = Field(default=30, ge=1, le=365)
    remote_hours: int = Field(default=4, ge=1, le=24)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=5 * 1024 * 1024)
    heartbeat_seconds: int = Field(default=10, ge=1, le=15)
