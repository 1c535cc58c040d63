"""The viewer's clinic as pages need it: its settings, its time zone, its accounts, and
the owner-only gate of the settings page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends

from tablework.store import clinic_settings
from tablework.store.repo import Store
from tablework.web.deps import Server
from tablework.web.errors import Refused
from tablework.web.pages.common import PageViewer, Viewer


def chosen(server: Server, store: Store, viewer: Viewer) -> clinic_settings.ClinicSettings:
    """The viewer's clinic's settings, over the environment's defaults."""
    return clinic_settings.read(store, viewer.account.clinic, server.settings)


def zone_of(server: Server, store: Store, viewer: Viewer) -> ZoneInfo:
    """The time zone the viewer's clinic shows times in."""
    return ZoneInfo(chosen(server, store, viewer).timezone)


def shown_at(moment: datetime, zone: ZoneInfo) -> str:
    """A stored UTC time as the clinic reads it: date and time in its zone."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _owner(viewer: PageViewer) -> Viewer:
    if not viewer.is_owner:
        raise Refused(403, "only the clinic's owner may change its settings")
    return viewer


OwnerViewer = Annotated[Viewer, Depends(_owner)]
