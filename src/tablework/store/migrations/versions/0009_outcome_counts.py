"""Responder counts per client and protocol, for the clinic-wide rates.

`outcome_counts` holds, per client and pinned protocol, the rated sessions and the
responders among them, counted from `session_summaries` (filled here with one GROUP BY);
from now on the write that ends a session recounts its client's rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_counts",
        sa.Column(
            "client_id",
            sa.String(32),
            sa.ForeignKey("clients.id", name="fk_outcome_counts_client_id_clients"),
            nullable=False,
        ),
        sa.Column("protocol", sa.String(120), nullable=False),
        sa.Column("rated", sa.Integer, nullable=False),
        sa.Column("responders", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("client_id", "protocol", name="pk_outcome_counts"),
    )
    op.execute(
        "INSERT INTO outcome_counts (client_id, protocol, rated, responders) "
        "SELECT client_id, protocol, count(*), "
        "sum(CASE WHEN responder THEN 1 ELSE 0 END) "
        "FROM session_summaries WHERE responder IS NOT NULL GROUP BY client_id, protocol"
    )


def downgrade() -> None:
    op.drop_table("outcome_counts")
