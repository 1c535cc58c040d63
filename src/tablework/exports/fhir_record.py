"""A client's whole record, loaded once for the FHIR export: sessions, notes, addenda."""

from __future__ import annotations

from dataclasses import dataclass

from tablework.charting import SessionDocuments, load_client_sessions
from tablework.store import notes
from tablework.store.notes import Addendum, NoteVersion
from tablework.store.repo import ClientRow, Store


@dataclass(frozen=True)
class SessionEntry:
    """One session with its note as it stands (signed, or the latest draft) and addenda."""

    documents: SessionDocuments
    note: NoteVersion | None
    addenda: tuple[Addendum, ...]


@dataclass(frozen=True)
class ClientRecord:
    """Everything the export carries for one client, oldest session first."""

    client: ClientRow
    sessions: tuple[SessionEntry, ...]


def load_record(store: Store, client: ClientRow) -> ClientRecord:
    """The client's record from the store, in a fixed number of queries."""
    current = notes.client_current(store, client.id)
    addenda = notes.client_addenda(store, client.id)
    return ClientRecord(
        client,
        tuple(
            SessionEntry(
                documents,
                current.get(documents.session.id),
                tuple(addenda.get(documents.session.id, ())),
            )
            for documents in load_client_sessions(store, client.id)
        ),
    )
