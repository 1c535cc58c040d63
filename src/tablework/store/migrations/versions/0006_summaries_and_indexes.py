"""Per-session summaries, and the indexes the list and record queries ask for.

`session_summaries` is a projection of each session's events, updated in place in the
transaction that stores the event (no append-only triggers: it is derived, and
`tablework db rebuild` recomputes it). Existing sessions are summarised here.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sessions_client_started", "sessions", ["client_id", "started_at", "id"])
    op.create_index("ix_sessions_started", "sessions", ["started_at", "id"])
    op.create_index("ix_note_addenda_session_id", "note_addenda", ["session_id"])
    op.create_table(
        "session_summaries",
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("sessions.id", name="fk_session_summaries_session_id_sessions"),
            nullable=False,
        ),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("protocol", sa.String(120), nullable=False),
        sa.Column("session_index", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pain_before", sa.Integer, nullable=True),
        sa.Column("pain_after", sa.Integer, nullable=True),
        sa.Column("responder", sa.Boolean, nullable=True),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.Column("reactive_areas", sa.JSON, nullable=False),
        sa.Column("psfs_mean", sa.Float, nullable=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_session_summaries"),
    )
    op.create_index(
        "ix_session_summaries_client_started",
        "session_summaries",
        ["client_id", "started_at", "session_id"],
    )
    op.create_index(
        "ix_session_summaries_started", "session_summaries", ["started_at", "session_id"]
    )
    _summarise_existing_sessions()


def _summarise_existing_sessions() -> None:
    from tablework.store.summaries import rebuild_on

    rebuild_on(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_session_summaries_started", "session_summaries")
    op.drop_index("ix_session_summaries_client_started", "session_summaries")
    op.drop_table("session_summaries")
    op.drop_index("ix_note_addenda_session_id", "note_addenda")
    op.drop_index("ix_sessions_started", "sessions")
    op.drop_index("ix_sessions_client_started", "sessions")
