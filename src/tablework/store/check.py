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
    """Run every check (default: `CHECKS`) and collect what they found."""
    chosen = list(CHECKS if checks is None else checks)
    findings = tuple(finding for run in chosen for finding in run(store))
    return CheckReport(findings, tuple(c.__name__ for c in chosen), _counts(store))


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


CHECKS: list[Check] = [
    schema_revision,
    integrity,
    event_sequences,
    session_openings,
    incomplete_sessions,
    note_digests,
    session_summaries,
    record_chain,
]


def _signed_note_holds(store: Store, session_id: str) -> bool:
    try:
        return notes.verify(store, session_id).ok
    except notes.NoNote:  # a signed version without its signer or digest
        return False


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
