"""Everything the documents of a stored session need, loaded once: record, intake, plan.

The one path from the store to notes, handouts, exports and outcome numbers, so they all
describe the same session the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from tablework.documents.careplan import CarePlan, plan_care
from tablework.documents.record import SessionRecord, build
from tablework.documents.soap import Previous, Soap, draft
from tablework.outcomes import SessionOutcome, is_responder, psfs_mean
from tablework.protocols.loader import get
from tablework.screening.answers import Intake, parse_intake
from tablework.session.events import SessionStarted
from tablework.store.intakes import StoredIntake, session_intake
from tablework.store.repo import SessionRow, Store


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
    record = _record(store, row)
    stored = session_intake(store, session_id)
    intake = parse_intake(stored.intake) if stored else None
    onset = intake.answers.onset_days if intake else None
    return SessionDocuments(
        row, record, stored, intake, plan_care(record, onset), _previous(store, row)
    )


def client_outcomes(store: Store, client_id: str | None = None) -> list[SessionOutcome]:
    """Outcomes of every session (of one client, or all), oldest first."""
    return [load_session(store, sid).outcome() for sid in store.session_ids(client_id)]


def _record(store: Store, row: SessionRow) -> SessionRecord:
    events = [s.event for s in store.events(row.id)]
    if not events:
        # A header without events (an interrupted save from before saves were atomic):
        # its opening is what the header says, and the record is incomplete.
        events = [SessionStarted(at=0, protocol=row.protocol, session_index=row.session_index)]
    return build(get(row.protocol), events)


def _previous(store: Store, row: SessionRow) -> Previous | None:
    earlier = [sid for sid in store.session_ids(row.client_id) if sid != row.id]
    earlier = [sid for sid in earlier if store.session(sid).started_at <= row.started_at]
    if not earlier:
        return None
    state = _record(store, store.session(earlier[-1])).state
    return Previous(state.pain_before, state.pain_after)
