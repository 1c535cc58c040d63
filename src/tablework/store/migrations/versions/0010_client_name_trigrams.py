"""A trigram index for the client search on PostgreSQL.

The search is a substring match on `lower(display_name)` (store.access.clients_for): a
scan of the clinic's clients, which grows with them. On PostgreSQL a GIN index with
`pg_trgm`'s operator class answers `LIKE '%text%'` from the index for fragments of three
characters or more. `pg_trgm` ships with PostgreSQL and is a trusted extension (any user
who may create objects in the database can add it); where it cannot be added, the
migration leaves the search as a scan rather than fail. SQLite keeps the scan.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = "ix_clients_display_name_trgm"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trigram_schema(bind)
    if schema is None:
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return  # not available or not allowed here: the search stays a scan
        schema = _trigram_schema(bind)
    # The operator class named with its schema: the extension may live outside this
    # connection's search_path (it is one per database, wherever it was first added).
    bind.exec_driver_sql(
        f'CREATE INDEX {INDEX} ON clients USING gin (lower(display_name) "{schema}".gin_trgm_ops)'
    )


def _trigram_schema(bind: sa.Connection) -> str | None:
    found = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar()
    return None if found is None else str(found)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
