"""Versioned intakes, kept forever, and the link from a session to the intake it used.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEPT = "intakes are kept: a new version is added instead of changing or deleting one"


def upgrade() -> None:
    op.create_table(
        "intakes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("client_id", sa.String(32), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("intake", sa.JSON, nullable=False),
        sa.Column("screening", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("client_id", "version", name="uq_intakes_client_version"),
    )
    op.create_table(
        "session_intakes",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("intake_id", sa.String(32), sa.ForeignKey("intakes.id"), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER intakes_no_{verb.lower()} BEFORE {verb} ON intakes
                BEGIN SELECT RAISE(ABORT, '{KEPT}'); END""")
    else:
        op.execute(f"""CREATE FUNCTION intakes_refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{KEPT}'; END $$""")
        op.execute("""CREATE TRIGGER intakes_no_update_or_delete BEFORE UPDATE OR DELETE
            ON intakes FOR EACH ROW EXECUTE FUNCTION intakes_refuse_change()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS intakes_no_update_or_delete ON intakes")
        op.execute("DROP FUNCTION IF EXISTS intakes_refuse_change()")
    op.drop_table("session_intakes")
    op.drop_table("intakes")
