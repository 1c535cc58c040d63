"""Session notes as append-only versions (draft, edits, one signed), and addenda.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KEPT = "note versions and addenda are kept: they cannot be changed or deleted"
LOCKED = "the note is signed: corrections go in an addendum"


def upgrade() -> None:
    op.create_table(
        "note_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.UniqueConstraint("session_id", "version", name="uq_note_versions_session_version"),
    )
    op.create_table(
        "note_addenda",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def _sqlite_triggers() -> None:
    for table in ("note_versions", "note_addenda"):
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, '{KEPT}'); END""")
    op.execute(f"""CREATE TRIGGER note_versions_locked BEFORE INSERT ON note_versions
        WHEN EXISTS (SELECT 1 FROM note_versions
                     WHERE session_id = NEW.session_id AND kind = 'signed')
        BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""")


def _postgresql_triggers() -> None:
    op.execute(f"""CREATE FUNCTION notes_refuse_change() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION '{KEPT}'; END $$""")
    op.execute(f"""CREATE FUNCTION notes_refuse_after_signing() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN
            IF EXISTS (SELECT 1 FROM note_versions
                       WHERE session_id = NEW.session_id AND kind = 'signed') THEN
                RAISE EXCEPTION '{LOCKED}';
            END IF;
            RETURN NEW;
        END $$""")
    for table in ("note_versions", "note_addenda"):
        op.execute(f"""CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE
            ON {table} FOR EACH ROW EXECUTE FUNCTION notes_refuse_change()""")
    op.execute("""CREATE TRIGGER note_versions_locked BEFORE INSERT ON note_versions
        FOR EACH ROW EXECUTE FUNCTION notes_refuse_after_signing()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("note_versions", "note_addenda"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
        op.execute("DROP TRIGGER IF EXISTS note_versions_locked ON note_versions")
        op.execute("DROP FUNCTION IF EXISTS notes_refuse_change()")
        op.execute("DROP FUNCTION IF EXISTS notes_refuse_after_signing()")
    op.drop_table("note_addenda")
    op.drop_table("note_versions")
