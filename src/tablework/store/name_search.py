"""The trigram index behind the client search on PostgreSQL (migration 0010, restores).

The search is a substring match on `lower(display_name)`; `pg_trgm`'s GIN operator class
answers `LIKE '%text%'` from an index for fragments of three characters or more. The
extension is one per database, wherever it was first added, so the operator class is
named with its schema. Where the extension cannot be added the search stays a scan.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

INDEX = "ix_clients_display_name_trgm"


def add_trigram_index(conn: Connection) -> bool:
    """Index the clients' names by trigram (PostgreSQL only); False where it cannot."""
    if conn.dialect.name != "postgresql":
        return False
    schema = _trigram_schema(conn)
    if schema is None:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError:
            return False  # not available or not allowed here: the search stays a scan
        schema = _trigram_schema(conn)
    conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON clients "
        f'USING gin (lower(display_name) "{schema}".gin_trgm_ops)'
    )
    return True


def _trigram_schema(conn: Connection) -> str | None:
    found = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar()
    return None if found is None else str(found)
