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

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from tablework.store.name_search import add_trigram_index

    add_trigram_index(op.get_bind())


def downgrade() -> None:
    from tablework.store.name_search import INDEX

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
