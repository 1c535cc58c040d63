"""The session note in FHIR: a DocumentReference, its signer, and a Provenance for the signature.

A signed note carries two attachments: the text as printed, and the exact canonical bytes
the SHA-256 digest covers, so a receiver can recompute the digest (the DocumentReference's
`masterIdentifier`) without Tablework. Each addendum is its own DocumentReference that
`appends` to the note.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

from tablework.documents.signing import canonical
from tablework.documents.soap import Soap
from tablework.exports.fhir_ids import Resource, instant, urn
from tablework.exports.fhir_record import SessionEntry
from tablework.exports.fhir_urls import NOTE_DIGEST_SYSTEM
from tablework.store.notes import Addendum, NoteVersion

LOINC = "http://loinc.org"
PROGRESS_NOTE = {"system": LOINC, "code": "11506-3", "display": "Progress note"}
AUTHOR_SIGNATURE = {
    "system": "urn:iso-astm:E1762-95:2013",
    "code": "1.2.840.10065.1.12.1.1",
    "display": "Author's Signature",
}
AUTHOR_ROLE = {
    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    "code": "author",
    "display": "Author",
}


def practitioner(name: str) -> Resource:
    """The person who signed or added to a note, known to Tablework by name only."""
    return urn("practitioner", name), {"resourceType": "Practitioner", "name": [{"text": name}]}


def note_resources(entry: SessionEntry, patient: str, encounter: str) -> Iterator[Resource]:
    """The note, its signer and signature, and each addendum with its author."""
    note = entry.note
    if note is None:
        return
    session_id = entry.documents.session.id
    note_ref = urn("note", session_id)
    if note.author:
        yield practitioner(note.author)
    yield note_ref, _document(note, patient, encounter)
    if note.kind == "signed" and note.author:
        yield urn("signature", session_id), _provenance(note, note.author, note_ref)
    for index, addendum in enumerate(entry.addenda):
        yield practitioner(addendum.author)
        yield (
            urn("addendum", session_id, str(index)),
            _addendum(addendum, note_ref, patient, encounter),
        )


def note_text(note: NoteVersion) -> str:
    """The note as text: its sections, then who signed it and when (UTC)."""
    text = Soap.from_json(note.body).as_text()
    if note.kind == "signed":
        text += f"Signed by {note.author} at {note.created_at.isoformat()}\n"
    return text


def signed_bytes(note: NoteVersion) -> bytes:
    """The canonical bytes the signed note's digest covers."""
    assert note.author is not None
    return canonical(note.session_id, note.body, note.author, note.created_at)


def _document(note: NoteVersion, patient: str, encounter: str) -> dict[str, Any]:
    signed = note.kind == "signed"
    author = [{"reference": urn("practitioner", note.author)}] if note.author else []
    content = [_attachment("text/plain; charset=utf-8", note_text(note), "Session note")]
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "final" if signed else "preliminary",
        "type": {"coding": [PROGRESS_NOTE], "text": "Massage therapy session note (SOAP)"},
        "subject": {"reference": patient},
        "date": instant(note.created_at),
        "author": author,
        "content": content,
        "context": {"encounter": [{"reference": encounter}]},
    }
    if signed and note.digest:
        resource["masterIdentifier"] = {"system": NOTE_DIGEST_SYSTEM, "value": note.digest}
        resource["authenticator"] = author[0]
        content.append(
            _attachment("application/json", signed_bytes(note), "Signed note, canonical JSON")
        )
    return resource


def _provenance(note: NoteVersion, signer_name: str, target: str) -> dict[str, Any]:
    signer = {"reference": urn("practitioner", signer_name)}
    return {
        "resourceType": "Provenance",
        "target": [{"reference": target}],
        "recorded": instant(note.created_at),
        "activity": {"text": "Signed the session note"},
        "agent": [{"type": {"coding": [AUTHOR_ROLE]}, "who": signer}],
        "signature": [
            {
                "type": [AUTHOR_SIGNATURE],
                "when": instant(note.created_at),
                "who": signer,
                "targetFormat": "application/json",
            }
        ],
    }


def _addendum(addendum: Addendum, note: str, patient: str, encounter: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [PROGRESS_NOTE], "text": "Addendum to the session note"},
        "subject": {"reference": patient},
        "date": instant(addendum.created_at),
        "author": [{"reference": urn("practitioner", addendum.author)}],
        "relatesTo": [{"code": "appends", "target": {"reference": note}}],
        "content": [_attachment("text/plain; charset=utf-8", addendum.text, "Addendum")],
        "context": {"encounter": [{"reference": encounter}]},
    }


def _attachment(content_type: str, data: str | bytes, title: str) -> dict[str, Any]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return {
        "attachment": {
            "contentType": content_type,
            "data": base64.b64encode(raw).decode("ascii"),
            "hash": base64.b64encode(hashlib.sha1(raw).digest()).decode("ascii"),
            "size": len(raw),
            "title": title,
        }
    }
