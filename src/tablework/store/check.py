"""`db check`: is the stored record whole? Each check reads the database and says what it saw.

A problem means the record is not what the application wrote (a corrupt file, a missing
event, a signed note that no longer matches its digest); a warning is something to know
that the application itself can leave behind (a session whose end was never recorded).
Checks are plain functions in `CHECKS`, so a new guarantee comes with its own check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import case, exists, func, select, text

from tablework.store import notes
from tablework.store.database import HEAD, current_revision
from tablework.store.repo import Store
from tablework.store.tables import events, note_versions, sessions

MAX_LISTED = 10
"""Ids named per finding; the rest are counted."""


class Severity(StrEnum):
    problem = "problem"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """One thing a check found, in a line a person can act on."""

    severity: Severity
    check: str
    message: str


@dataclass(frozen=True)
class CheckReport:
    """Everything `db check` found, and what it looked at."""

    findings: tuple[Finding, ...]
    checks: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing is a problem (warnings allowed)."""
        return not any(f.severity is Severity.problem for f in self.findings)


Check = Callable[[Store], Iterable[Finding]]


def check_database(store: Store, checks: Iterable[Check] | None = None) -> CheckReport:
    """Run every check (default: `CHECKS`) and collect what they found. A check that cannot
    even read the records (a row changed outside Tablework) is itself a problem found."""
    chosen = list(CHECKS if checks is None else checks)
    findings = tuple(finding for run in chosen for finding in _run(run, store))
    return CheckReport(findings, tuple(c.__name__ for c in chosen), _counts(store))


def _run(check: Check, store: Store) -> list[Finding]:
    try:
        return list(check(store))
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        return [_problem(check.__name__, f"cannot read the records to check them: {first}")]


APPEND_ONLY_TABLES = (
    "audit",
    "chain_links",
    "events",
    "intakes",
    "note_addenda",
    "note_versions",
    "session_intakes",
    "sessions",
)
EXPECTED_TRIGGERS = {
    "sqlite": {
        *(f"{t}_no_{verb}" for t in APPEND_ONLY_TABLES for verb in ("update", "delete", "replace")),
        "note_versions_locked",
    },
    "postgresql": {
        *(
            f"{t}_no_{verb}"
            for t in APPEND_ONLY_TABLES
            for verb in ("truncate", "update_or_delete")
        ),
        "note_versions_locked",
    },
}
"""The triggers that keep records append-only; someone who dropped one could rewrite rows."""


def append_only_triggers(store: Store) -> Iterator[Finding]:
    """Every trigger that keeps records append-only is in place."""
    dialect = store.engine.dialect.name
    expected = EXPECTED_TRIGGERS.get(dialect, set())
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if dialect == "sqlite"
        else "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
    )
    with store.engine.connect() as conn:
        present = {row[0] for row in conn.exec_driver_sql(query)}
    missing = sorted(expected - present)
    if missing:
        yield _problem(
            "append_only_triggers",
            f"{len(missing)} append-only trigger(s) are missing, so records could be "
            f"rewritten: {_listed(missing)}",
        )


def schema_revision(store: Store) -> Iterator[Finding]:
    """The schema is the one this version of Tablework writes."""
    revision = current_revision(store.engine)
    if revision != HEAD:
        yield _problem("schema_revision", f"schema revision {revision}, expected {HEAD}")


def integrity(store: Store) -> Iterator[Finding]:
    """SQLite's own page-level check, and every foreign key resolves (SQLite only)."""
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.connect() as conn:
        results = [str(r[0]) for r in conn.execute(text("PRAGMA integrity_check"))]
        orphans = conn.execute(text("PRAGMA foreign_key_check")).all()
    if results != ["ok"]:
        for line in results[:MAX_LISTED]:
            yield _problem("integrity", f"SQLite integrity_check: {line}")
    if orphans:
        tables = sorted({str(row[0]) for row in orphans})
        yield _problem(
            "integrity", f"{len(orphans)} row(s) point at missing rows (in {', '.join(tables)})"
        )


def event_sequences(store: Store) -> Iterator[Finding]:
    """Each session's events are numbered 1, 2, 3, ... with none missing."""
    query = (
        select(events.c.session_id, func.count(), func.min(events.c.seq), func.max(events.c.seq))
        .group_by(events.c.session_id)
        .having((func.min(events.c.seq) != 1) | (func.max(events.c.seq) != func.count()))
    )
    with store.engine.connect() as conn:
        for session_id, count, low, high in conn.execute(query):
            yield _problem(
                "event_sequences",
                f"session {session_id}: {count} event(s) stored but numbered {low} to {high}",
            )


def session_openings(store: Store) -> Iterator[Finding]:
    """Each session's first event is its `session_started`."""
    query = select(events.c.session_id, events.c.type).where(
        events.c.seq == 1, events.c.type != "session_started"
    )
    with store.engine.connect() as conn:
        for session_id, kind in conn.execute(query):
            yield _problem(
                "session_openings", f"session {session_id} begins with {kind}, not session_started"
            )


def incomplete_sessions(store: Store) -> Iterator[Finding]:
    """Sessions whose end was never recorded (live now, or interrupted)."""
    ended = exists().where(events.c.session_id == sessions.c.id, events.c.type == "session_ended")
    with store.engine.connect() as conn:
        found = list(conn.scalars(select(sessions.c.id).where(~ended).order_by(sessions.c.id)))
    if found:
        yield Finding(
            Severity.warning,
            "incomplete_sessions",
            f"{len(found)} session(s) incomplete (no end recorded): {_listed(found)}",
        )


def note_digests(store: Store) -> Iterator[Finding]:
    """Each signed note matches its digest; versions run 1, 2, ... with one signature at most."""
    query = (
        select(
            note_versions.c.session_id,
            func.count(),
            func.max(note_versions.c.version),
            func.sum(case((note_versions.c.kind == "signed", 1), else_=0)),
        )
        .group_by(note_versions.c.session_id)
        .order_by(note_versions.c.session_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    for session_id, count, highest, signed in rows:
        if count != highest:
            yield _problem(
                "note_digests", f"session {session_id}: note versions 1 to {highest}, {count} kept"
            )
        if (signed or 0) > 1:
            yield _problem(
                "note_digests", f"session {session_id}: the note is signed {signed} times"
            )
        if signed and not _signed_note_holds(store, session_id):
            yield _problem(
                "note_digests",
                f"session {session_id}: the signed note no longer matches its digest",
            )


def record_chain(store: Store) -> Iterator[Finding]:
    """Every chained record (events, note versions, addenda, audit rows) is unchanged, and
    the chain has no gap: the tamper evidence of store.chain, checked with the record key."""
    from tablework.store.verify import verify_all

    for problem in verify_all(store.engine, store.key):
        yield _problem("record_chain", problem)


def session_summaries(store: Store) -> Iterator[Finding]:
    """Each session's summary says what its events say (`db rebuild` recomputes them)."""
    from tablework.store.summaries import compare

    differing = list(compare(store.engine))
    for line in differing[:MAX_LISTED]:
        yield _problem("session_summaries", f"{line}: run `tablework db rebuild`")
    if len(differing) > MAX_LISTED:
        yield _problem("session_summaries", f"{len(differing) - MAX_LISTED} more summaries differ")


def outcome_counts(store: Store) -> Iterator[Finding]:
    """Each client's responder counts say what its session summaries say."""
    from tablework.store.outcome_counts import compare

    differing = list(compare(store.engine))
    for line in differing[:MAX_LISTED]:
        yield _problem("outcome_counts", f"{line}: run `tablework db rebuild`")
    if len(differing) > MAX_LISTED:
        yield _problem("outcome_counts", f"{len(differing) - MAX_LISTED} more counts differ")


CHECKS: list[Check] = [
    schema_revision,
    integrity,
    event_sequences,
    session_openings,
    incomplete_sessions,
    note_digests,
    session_summaries,
    outcome_counts,
    record_chain,
    append_only_triggers,
]


def _signed_note_holds(store: Store, session_id: str) -> bool:
    """The signed note still matches its own SHA-256 (the chain is checked separately)."""
    from tablework.documents.signing import digest

    signed = next((v for v in notes.versions(store, session_id) if v.kind == "signed"), None)
    if signed is None or signed.author is None or signed.digest is None:
        return False
    return digest(session_id, signed.body, signed.author, signed.created_at) == signed.digest


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            "sessions": conn.scalar(select(func.count()).select_from(sessions)) or 0,
            "events": conn.scalar(select(func.count()).select_from(events)) or 0,
            "signed notes": conn.scalar(
                select(func.count()).where(note_versions.c.kind == "signed")
            )
            or 0,
        }


def _problem(check: str, message: str) -> Finding:
    return Finding(Severity.problem, check, message)


def _listed(ids: list[str]) -> str:
    named = ", ".join(ids[:MAX_LISTED])
    return named if len(ids) <= MAX_LISTED else f"{named} and {len(ids) - MAX_LISTED} more"
