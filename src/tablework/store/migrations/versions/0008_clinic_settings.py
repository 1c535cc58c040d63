"""Clinic settings an owner changes from the settings page, one row per clinic and key.

A value stored here wins over the environment's default (TABLEWORK_CLINIC_NAME,
TABLEWORK_TIMEZONE, TABLEWORK_RETENTION_YEARS); a key with no row keeps the default.
Values are text, checked by tablework.store.clinic_settings when written and read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clinic_settings",
        sa.Column("clinic", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("clinic_settings")
