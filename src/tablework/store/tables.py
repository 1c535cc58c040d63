"""The database tables. Events are append-only; everything else is derived or minimal."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

clients = Table(
    "clients",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("client_id", String(32), ForeignKey("clients.id"), nullable=False, index=True),
    Column("protocol", String(120), nullable=False),
    Column("session_index", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_client_started", "client_id", "started_at", "id"),
    Index("ix_sessions_started", "started_at", "id"),
)

events = Table(
    "events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("session_id", String(32), ForeignKey("sessions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("at", Float, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("actor", String(120), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("idempotency_key", String(128), nullable=True),
    UniqueConstraint("session_id", "seq", name="uq_events_session_seq"),
    UniqueConstraint("session_id", "idempotency_key", name="uq_events_session_idempotency"),
)

intakes = Table(
    "intakes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("client_id", String(32), ForeignKey("clients.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("intake", JSON, nullable=False),
    Column("screening", JSON, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "version", name="uq_intakes_client_version"),
)

session_intakes = Table(
    "session_intakes",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id"), primary_key=True),
    Column("intake_id", String(32), ForeignKey("intakes.id"), nullable=False),
)

note_versions = Table(
    "note_versions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("session_id", String(32), ForeignKey("sessions.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("body", JSON, nullable=False),
    Column("author", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("digest", String(64), nullable=True),
    UniqueConstraint("session_id", "version", name="uq_note_versions_session_version"),
)

note_addenda = Table(
    "note_addenda",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("session_id", String(32), ForeignKey("sessions.id"), nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_note_addenda_session_id", "session_id"),
)

chain_links = Table(
    "chain_links",
    metadata,
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("session_id", String(32), nullable=True, index=True),
    Column("record_digest", String(64), nullable=False),
    Column("link", String(64), nullable=False),
    UniqueConstraint("kind", "record_id", name="uq_chain_links_kind_record"),
)
"""One link per stored event, note version, addendum and audit entry, in order.

No foreign keys: a link outlives a record erased after its retention period, so the chain
stays whole and verifiable.
"""

audit = Table(
    "audit",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("record", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
"""Who did what to which record id, when; ids only, never personal data."""

session_summaries = Table(
    "session_summaries",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id"), primary_key=True),
    Column("client_id", String(32), nullable=False),
    Column("protocol", String(120), nullable=False),
    Column("session_index", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("pain_before", Integer, nullable=True),
    Column("pain_after", Integer, nullable=True),
    Column("responder", Boolean, nullable=True),
    Column("ended", Boolean, nullable=False),
    Column("reactive_areas", JSON, nullable=False),
    Column("psfs_mean", Float, nullable=True),
    Column("last_seq", Integer, nullable=False),
    Index("ix_session_summaries_client_started", "client_id", "started_at", "session_id"),
    Index("ix_session_summaries_started", "started_at", "session_id"),
)
"""One row per session, derived from its events and intake (store.summaries): what lists,
outcomes and trends read. Updated in place in the transaction that stores the event, so it
is never behind; `db rebuild` recomputes it and `db check` compares."""

audit.append_column(Column("address", String(64), nullable=True))
Index("ix_audit_record", audit.c.record)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("clinic", String(64), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
"""Accounts: an `owner` sees every client of their clinic, a `therapist` their own."""

client_access = Table(
    "client_access",
    metadata,
    Column("client_id", String(32), ForeignKey("clients.id"), primary_key=True),
    Column("clinic", String(64), nullable=False),
    Column("therapist_id", String(32), ForeignKey("users.id"), nullable=True),
)
"""Which clinic a client belongs to and which therapist it is assigned to (no row: the
default clinic, no therapist)."""

client_shares = Table(
    "client_shares",
    metadata,
    Column("client_id", String(32), ForeignKey("clients.id"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
)

auth_tokens = Table(
    "auth_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("csrf", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False),
)
"""Bearer tokens and browser sessions, stored as the SHA-256 of the secret only."""

remote_tokens = Table(
    "remote_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
"""The client's remote for one session, stored as the SHA-256 of its token."""

clinic_settings = Table(
    "clinic_settings",
    metadata,
    Column("clinic", String(64), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_by", String(254), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""What a clinic's owner set on the settings page (store.clinic_settings); a key with no
row keeps the environment's default."""

outcome_counts = Table(
    "outcome_counts",
    metadata,
    Column("client_id", String(32), ForeignKey("clients.id"), primary_key=True),
    Column("protocol", String(120), primary_key=True),
    Column("rated", Integer, nullable=False),
    Column("responders", Integer, nullable=False),
)
"""Per client and pinned protocol: the sessions rated (a responder or not) and the
responders among them, counted from session_summaries (store.outcome_counts). What the
clinic-wide rates add up: one row per client instead of one per session. Recounted in the
transaction that ends a session; `db rebuild` recounts every row and `db check` compares."""
