"""Append-only without holes: session headers, REPLACE on SQLite, TRUNCATE on PostgreSQL.

Revision ID: 0004
Revises: 0003

Before this, SQLite's `INSERT OR REPLACE` rewrote stored events, intakes and addenda (a
REPLACE deletes the old row without firing delete triggers), PostgreSQL allowed TRUNCATE of
intakes and notes, and a session's header (client, pinned protocol, index) could be
changed. Now every record table refuses, in the database itself and for any client:
- UPDATE and DELETE (row triggers; nothing in a session header changes after it is made);
- REPLACE and upsert: on SQLite a BEFORE INSERT trigger aborts when the row's key is
  already stored, so the conflict never reaches REPLACE; on PostgreSQL `ON CONFLICT DO
  UPDATE` is an UPDATE and is refused as one;
- TRUNCATE: PostgreSQL statement triggers; SQLite has no TRUNCATE, and its "truncate
  optimisation" of `DELETE FROM t` is off for tables with delete triggers.
Idempotency keys may be up to 128 characters (validated by the store on both engines).

Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEYS = {
    "events": ["id", "session_id, seq", "session_id, idempotency_key"],
    "intakes": ["id", "client_id, version"],
    "note_versions": ["id", "session_id, version"],
    "note_addenda": ["id"],
    "sessions": ["id"],
    "session_intakes": ["session_id"],
}
"""Each record table and its unique keys: an insert matching one would replace a row."""

NEW_ROW_TRIGGERS = ("sessions", "session_intakes")
"""Tables that had no update or delete triggers before this revision."""

PG_EARLIER_TRUNCATE = ("events",)


def _refusal(table: str) -> str:
    return f"{table} are append-only: stored rows cannot be changed, replaced or deleted"


def _already_stored(table: str, key: str) -> str:
    columns = [c.strip() for c in key.split(",")]
    matches = " AND ".join(f"{c} = NEW.{c}" for c in columns)
    return f"EXISTS (SELECT 1 FROM {table} WHERE {matches})"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def _sqlite_upgrade() -> None:
    for table, keys in KEYS.items():
        stored = " OR ".join(_already_stored(table, key) for key in keys)
        op.execute(f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN {stored}
            BEGIN SELECT RAISE(ABORT, '{_refusal(table)}'); END""")
    for table in NEW_ROW_TRIGGERS:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                BEGIN SELECT RAISE(ABORT, '{_refusal(table)}'); END""")


def _postgresql_upgrade() -> None:
    op.execute("""CREATE FUNCTION tablework_refuse_change() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN
            RAISE EXCEPTION '% are append-only: stored rows cannot be changed, replaced or '
                'deleted', TG_TABLE_NAME;
        END $$""")
    for table in NEW_ROW_TRIGGERS:
        op.execute(f"""CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE
            ON {table} FOR EACH ROW EXECUTE FUNCTION tablework_refuse_change()""")
    for table in KEYS:
        if table not in PG_EARLIER_TRUNCATE:
            op.execute(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION tablework_refuse_change()""")
    op.execute("ALTER TABLE events ALTER COLUMN idempotency_key TYPE varchar(128)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in KEYS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        for table in NEW_ROW_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        return
    for table in NEW_ROW_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
    for table in KEYS:
        if table not in PG_EARLIER_TRUNCATE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS tablework_refuse_change()")
    op.execute("ALTER TABLE events ALTER COLUMN idempotency_key TYPE varchar(120)")
