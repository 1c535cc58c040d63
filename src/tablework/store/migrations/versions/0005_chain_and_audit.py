"""The chain that makes tampering evident, and the append-only audit log.

Records stored before this revision are chained here, in the order they were stored, with
the record key (made on first use, outside the database).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEPT = "chain links and audit entries are kept: they cannot be changed or deleted"
TABLES = ("chain_links", "audit")


def upgrade() -> None:
    op.create_table(
        "chain_links",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("session_id", sa.String(32), nullable=True),
        sa.Column("record_digest", sa.String(64), nullable=False),
        sa.Column("link", sa.String(64), nullable=False),
        sa.UniqueConstraint("kind", "record_id", name="uq_chain_links_kind_record"),
    )
    op.create_index("ix_chain_links_session_id", "chain_links", ["session_id"])
    op.create_table(
        "audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("record", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()
    _chain_existing_records()


def _sqlite_triggers() -> None:
    for table in TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, '{KEPT}'); END""")
    # INSERT OR REPLACE deletes the old row without firing delete triggers: refuse it here.
    op.execute(f"""CREATE TRIGGER chain_links_no_replace BEFORE INSERT ON chain_links
        WHEN EXISTS (SELECT 1 FROM chain_links WHERE position = NEW.position
                     OR (kind = NEW.kind AND record_id = NEW.record_id))
        BEGIN SELECT RAISE(ABORT, '{KEPT}'); END""")
    op.execute(f"""CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
        WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{KEPT}'); END""")


def _postgresql_triggers() -> None:
    op.execute(f"""CREATE FUNCTION chain_refuse_change() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION '{KEPT}'; END $$""")
    for table in TABLES:
        op.execute(f"""CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE
            ON {table} FOR EACH ROW EXECUTE FUNCTION chain_refuse_change()""")
        op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION chain_refuse_change()""")


def _chain_existing_records() -> None:
    from tablework.store.chain import chain_existing

    chain_existing(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS chain_refuse_change()")
    op.drop_table("audit")
    op.drop_index("ix_chain_links_session_id", "chain_links")
    op.drop_table("chain_links")
