"""Accounts, clinic access, login and API tokens, remote tokens, and where audit rows came from.

Clients made before this revision (by the CLI or the demo) have no access row: they belong
to the default clinic with no therapist assigned, so its owners see them.
The audit table gains `address` (the caller's IP address, or none for the command line);
audit stays append-only.

Revision ID: 0007
Revises: 0006 (the integrator sets this to 0006 when the speed issue's migration is merged)
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("clinic", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "client_access",
        sa.Column("client_id", sa.String(32), sa.ForeignKey("clients.id"), primary_key=True),
        sa.Column("clinic", sa.String(64), nullable=False),
        sa.Column("therapist_id", sa.String(32), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_table(
        "client_shares",
        sa.Column("client_id", sa.String(32), sa.ForeignKey("clients.id"), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "remote_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_remote_tokens_session_id", "remote_tokens", ["session_id"])
    # A plain ADD COLUMN: a batch copy would drop the audit table's append-only triggers.
    op.add_column("audit", sa.Column("address", sa.String(64), nullable=True))
    op.create_index("ix_audit_record", "audit", ["record"])


def downgrade() -> None:
    op.drop_index("ix_audit_record", "audit")
    op.drop_column("audit", "address")
    op.drop_index("ix_remote_tokens_session_id", "remote_tokens")
    for table in ("remote_tokens", "auth_tokens", "client_shares", "client_access", "users"):
        op.drop_table(table)
