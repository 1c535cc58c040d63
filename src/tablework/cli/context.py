"""Opening the configured store for a command, with errors a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tablework.cli.output import fail

if TYPE_CHECKING:
    from tablework.store.repo import Store


def open_store() -> Store:
    """The store at TABLEWORK_DATABASE_URL (default: the SQLite file, migrated as needed)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tablework.settings import SettingsError, load
    from tablework.store import record_key
    from tablework.store.database import SchemaOutOfDate, open_configured
    from tablework.store.repo import Store

    try:
        settings = load()
        key = record_key.load_or_create(settings.key_file)
        engine = open_configured(settings.database_url, auto_migrate=settings.auto_migrate)
    except (SettingsError, SchemaOutOfDate) as error:
        fail(f"error: {error}")
    except record_key.RecordKeyError as error:
        fail(f"error: {error}", code=1)
    except SQLAlchemyError as error:
        fail(f"error: cannot open the database: {type(error).__name__}", code=1)
    return Store(engine, key=key)
