"""The server-rendered pages: login, clients, intake, the session screen, the remote,
notes and settings. Pages call the same store, engine and documents as the JSON API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tablework.web.pages import auth, clients, intake, notes, settings
from tablework.web.pages.common import HERE


def install(app: FastAPI) -> None:
    """Mount the pages and the static files on `app`."""
    from tablework.web.pages import session

    for module in (auth, clients, intake, notes, settings, session):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
