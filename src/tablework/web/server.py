"""The app uvicorn's workers build: settings and store from the environment."""

from __future__ import annotations

from fastapi import FastAPI


def app_from_environment() -> FastAPI:
    """`create_app` over the configured settings (each worker process builds its own)."""
    from tablework.settings import load
    from tablework.web.app import create_app

    return create_app(load())
