"""Everything the documents of a stored session need, loaded once: record, intake, plan.

The one path from the store to notes, handouts, exports and outcome numbers, so they all
describe the same session the same way.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from tablework.documents.careplan import CarePlan, plan_care
from tablework.documents.record import SessionRecord, build
from tablework.documents.soap import Previous, Soap, draft
from tablework.outcomes import SessionOutcome, is_responder, psfs_mean
from tablework.protocols.loader import get
from tablework.screening.answers import Intake, parse_intake
from tablework.session.events import Event, SessionStarted
from tablework.store.intakes import StoredIntake, client_session_intakes, session_intake
from tablework.store.repo import SessionRow, Store
from tablework.store.summaries import SessionSummary
from tablework.summarised import client_outcomes

__all__ = ["SessionDocuments", "client_outcomes", "load_client_sessions", "load_session"]


@dataclass(frozen=True)
class SessionDocuments:
    """A stored session, ready to be written up."""

    session: SessionRow
    record: SessionRecord
    stored_intake: StoredIntake | None
    intake: Intake | None
    plan: CarePlan
    previous: Previous | None

    def soap(self) -> Soap:
        """The drafted SOAP note."""
        return draft(self.record, self.intake, self.plan, self.previous)

    @property
    def complete(self) -> bool:
        """Whether the session's end is on record (see SessionRecord.complete)."""
        return self.record.complete

    def outcome(self) -> SessionOutcome:
        state = self.record.state
        psfs = self.intake.answers.psfs if self.intake else None
        return SessionOutcome(
            session_id=self.session.id,
            client_id=self.session.client_id,
            protocol=self.session.protocol,
            session_index=self.session.session_index,
            started_at=self.session.started_at.isoformat(),
            pain_before=state.pain_before,
            pain_after=state.pain_after,
            responder=is_responder(
                state.pain_before, state.pain_after, self.record.protocol.outcomes.responder
            )
            if self.complete
            else None,
            psfs_mean=psfs_mean([a.score for a in psfs]) if psfs else None,
            complete=self.complete,
        )


def load_session(store: Store, session_id: str) -> SessionDocuments:
    """Load and derive everything for one session (NotFound if it does not exist)."""
    row = store.session(session_id)
    stored = session_intake(store, session_id)
    previous = store.previous_summary(row.id)
    return _documents(row, [s.event for s in store.events(row.id)], stored, _as_previous(previous))


def load_client_sessions(store: Store, client_id: str) -> list[SessionDocuments]:
    """Everything for each of a client's sessions, oldest first, in a fixed number of
    queries however many sessions the client has."""
    rows = store.sessions(client_id)
    events = store.client_events(client_id)
    linked = client_session_intakes(store, client_id)
    documents: list[SessionDocuments] = []
    starts = [row.started_at for row in rows]
    for index, row in enumerate(rows):
        earlier = _earlier(starts, index)
        previous = documents[earlier].record.state if earlier is not None else None
        documents.append(
            _documents(
                row,
                [s.event for s in events.get(row.id, [])],
                linked.get(row.id),
                Previous(previous.pain_before, previous.pain_after) if previous else None,
            )
        )
    return documents


def _documents(
    row: SessionRow,
    events: list[Event],
    stored: StoredIntake | None,
    previous: Previous | None,
) -> SessionDocuments:
    record = _record(row, events)
    intake = parse_intake(stored.intake) if stored else None
    onset = intake.answers.onset_days if intake else None
    return SessionDocuments(row, record, stored, intake, plan_care(record, onset), previous)


def _record(row: SessionRow, events: list[Event]) -> SessionRecord:
    if not events:
        # A header without events (an interrupted save from before saves were atomic):
        # its opening is what the header says, and the record is incomplete.
        events = [SessionStarted(at=0, protocol=row.protocol, session_index=row.session_index)]
    return build(get(row.protocol), events)


def _earlier(starts: list[datetime], index: int) -> int | None:
    """The session before `index` as a note's "previous" means it: the latest other
    session that started no later (rows ordered by start, then id)."""
    last = bisect_right(starts, starts[index]) - 1
    if last == index:
        last -= 1
    return last if last >= 0 else None


def _as_previous(summary: SessionSummary | None) -> Previous | None:
    return None if summary is None else Previous(summary.pain_before, summary.pain_after)
