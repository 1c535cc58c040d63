"""A client's whole record as a FHIR R4 Bundle (type collection), validated before it leaves.

The Patient; per session an Encounter, a Procedure, one Observation per pain rating (LOINC
72514-3), a CarePlan, the intake as a QuestionnaireResponse, a ServiceRequest when
screening referred the client on, and the note as a DocumentReference with its signer
(Practitioner), a Provenance for the signature, and its addenda. The definitions these
point at travel with them: the intake Questionnaire and each protocol version's
PlanDefinition. Every entry has a stable `urn:uuid`, so exporting twice gives the same
Bundle. Validated with the `fhir.resources.R4B` models here (each distinct element once, see
`fhir_validation`) and, in the tests, against the official FHIR R4 JSON schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from tablework.exports.fhir import plan_definition_resource
from tablework.exports.fhir_ids import Resource, instant, pruned, urn
from tablework.exports.fhir_intake import questionnaire, questionnaire_response, referral
from tablework.exports.fhir_note import note_resources
from tablework.exports.fhir_record import ClientRecord, SessionEntry
from tablework.exports.fhir_session import PAIN_CODE, session_resources
from tablework.exports.fhir_validation import validate_resource

__all__ = ["PAIN_CODE", "client_bundle"]


def client_bundle(record: ClientRecord, generated_at: datetime) -> dict[str, Any]:
    """The client's Bundle as validated, JSON-ready data."""
    entries = dict(_resources(record))  # one entry per fullUrl: a signer appears once
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(generated_at),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries.items()],
    }
    # Validated by the models, then returned as built: the models' own serializer would
    # give the same JSON (tests/test_exports_fhir_bundle.py checks it) at twice the cost.
    clean: dict[str, Any] = pruned(bundle)
    validate_resource(clean)
    return clean


def _resources(record: ClientRecord) -> Iterator[Resource]:
    client = record.client
    patient = urn("patient", client.id)
    yield (
        patient,
        {"resourceType": "Patient", "id": client.id, "name": [{"text": client.display_name}]},
    )
    for entry in record.sessions:
        yield from _session(entry, patient)
    if any(entry.documents.stored_intake for entry in record.sessions):
        yield questionnaire()
    protocols = {entry.documents.record.protocol.ref: entry for entry in record.sessions}
    for entry in protocols.values():
        protocol = entry.documents.record.protocol
        yield urn("plan-definition", protocol.ref), plan_definition_resource(protocol)


def _session(entry: SessionEntry, patient: str) -> Iterator[Resource]:
    documents = entry.documents
    encounter = urn("encounter", documents.session.id)
    yield from session_resources(documents, patient)
    for optional in (
        questionnaire_response(documents, patient),
        referral(documents, patient, encounter),
    ):
        if optional is not None:
            yield optional
    yield from note_resources(entry, patient, encounter)
