"""A clinic's own settings, set by its owner on the settings page, over the environment's.

The environment (TABLEWORK_CLINIC_NAME, TABLEWORK_TIMEZONE, TABLEWORK_RETENTION_YEARS) gives
the defaults; a value stored here for the clinic wins. The check-in interval reaches a
session only through its `session_started` event (`check_in_seconds`), so a replay of an
old session keeps the interval it ran with whatever the clinic sets later.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, insert, select, update

from tablework.session.events import MAX_CHECK_IN_SECONDS, MIN_CHECK_IN_SECONDS
from tablework.settings import Settings
from tablework.store.repo import Store
from tablework.store.tables import clinic_settings


class ClinicSettingsError(ValueError):
    """A settings value the clinic cannot use, with one message per bad field."""


class ClinicSettings(BaseModel):
    """What an owner may set for their clinic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clinic_name: str = Field(default="", max_length=120)
    timezone: str = "UTC"
    retention_years: Annotated[int, Field(ge=1, le=100)] = 7
    check_in_seconds: (
        Annotated[int, Field(ge=MIN_CHECK_IN_SECONDS, le=MAX_CHECK_IN_SECONDS)] | None
    ) = None
    """Seconds of contact between check-ins; None keeps the protocol's own interval."""
    voice_prompts: bool = True
    """Whether the session screen speaks its prompts when it opens (the screen can mute)."""

    @field_validator("clinic_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n\t") or not value.isprintable():
            raise ValueError("the clinic name is one line of text")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone (such as Europe/Paris)") from None
        return value


KEYS = tuple(ClinicSettings.model_fields)


def defaults(settings: Settings) -> ClinicSettings:
    """The environment's values, before any clinic changed them."""
    return ClinicSettings(
        clinic_name=settings.clinic_name,
        timezone=settings.timezone,
        retention_years=settings.retention_years,
    )


def checked(values: dict[str, Any]) -> ClinicSettings:
    """Settings from a form's values; ClinicSettingsError naming each bad field."""
    try:
        return ClinicSettings.model_validate(values)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors(include_url=False)
        ]
        raise ClinicSettingsError("; ".join(problems)) from None


def read(store: Store, clinic: str, settings: Settings) -> ClinicSettings:
    """The clinic's settings: what its owner stored, else the environment's default. A
    stored value this version cannot use (a time zone the machine no longer knows) falls
    back to the default rather than breaking every page."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(clinic_settings.c.key, clinic_settings.c.value).where(
                clinic_settings.c.clinic == clinic
            )
        ).all()
    current = defaults(settings)
    for key, value in rows:
        if key not in KEYS:
            continue
        try:
            current = checked({**current.model_dump(), key: value})
        except ClinicSettingsError:
            continue
    return current


def retention_years(store: Store, client_id: str, default: int) -> int:
    """How long the client's clinic keeps records: its owner's setting, else `default`."""
    from tablework.store.access import clinic_of

    clinic = clinic_of(store, client_id)
    with store.engine.connect() as conn:
        stored = conn.scalar(
            select(clinic_settings.c.value).where(
                clinic_settings.c.clinic == clinic, clinic_settings.c.key == "retention_years"
            )
        )
    if stored is None:
        return default
    try:
        return checked({"retention_years": stored}).retention_years
    except ClinicSettingsError:
        return default


def write(store: Store, clinic: str, chosen: ClinicSettings, by: str) -> None:
    """Store every setting of the clinic in one transaction (None clears a key)."""
    at = store.clock()
    with store.writing() as conn:
        for key, value in chosen.model_dump().items():
            where = (clinic_settings.c.clinic == clinic) & (clinic_settings.c.key == key)
            if value is None:
                conn.execute(delete(clinic_settings).where(where))
                continue
            row = {"value": _text(value), "updated_by": by, "updated_at": at}
            if conn.execute(update(clinic_settings).where(where).values(row)).rowcount == 0:
                conn.execute(insert(clinic_settings).values(clinic=clinic, key=key, **row))


def applied(settings: Settings, chosen: ClinicSettings) -> Settings:
    """`settings` with the clinic's name, time zone and retention period."""
    return dataclasses.replace(
        settings,
        clinic_name=chosen.clinic_name,
        timezone=chosen.timezone,
        retention_years=chosen.retention_years,
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
