"""A client's record as a FHIR R4 Bundle, validated with the `fhir.resources.R4B` models.

Patient, then per session an Encounter, a Procedure, an Observation for every pain rating
(LOINC 72514-3), a CarePlan, and a QuestionnaireResponse for the intake it used.
Identifiers are `urn:uuid:` and stable, so exporting twice gives the same Bundle.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from tablework.charting import SessionDocuments
from tablework.store.repo import ClientRow

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
NAMESPACE = uuid.UUID("6f1b1f4e-6c84-4bde-9a55-5f0c2d6a1b7e")


def urn(*parts: str) -> str:
    """A stable urn:uuid for the resource named by `parts`."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, '/'.join(parts))}"


def client_bundle(
    client: ClientRow, sessions: list[SessionDocuments], generated_at: datetime
) -> dict[str, Any]:
    """The client's Bundle (type collection) as validated JSON-ready data."""
    from fhir.resources.R4B.bundle import Bundle

    patient_ref = urn("patient", client.id)
    resources = [
        (
            patient_ref,
            {"resourceType": "Patient", "id": client.id, "name": [{"text": client.display_name}]},
        )
    ]
    for documents in sessions:
        resources.extend(_session_resources(documents, patient_ref))
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": generated_at.isoformat(),
        "entry": [{"fullUrl": full_url, "resource": resource} for full_url, resource in resources],
    }
    return dict(
        Bundle.model_validate(bundle).model_dump(mode="json", by_alias=True, exclude_none=True)
    )


def _session_resources(
    documents: SessionDocuments, patient: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    session = documents.session
    record = documents.record
    start = session.started_at
    end = start + timedelta(seconds=record.duration)
    encounter = urn("encounter", session.id)
    yield (
        encounter,
        {
            "resourceType": "Encounter",
            "status": "finished" if record.state.ended else "in-progress",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "subject": {"reference": patient},
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "reasonCode": [{"text": record.protocol.scope.condition}],
        },
    )
    yield urn("procedure", session.id), _procedure(documents, patient, encounter, end)
    yield from _pain_observations(documents, patient, encounter)
    yield urn("careplan", session.id), _care_plan(documents, patient, encounter)
    if documents.stored_intake is not None:
        yield urn("intake", documents.stored_intake.id), _questionnaire_response(documents, patient)


def _procedure(
    documents: SessionDocuments, patient: str, encounter: str, end: datetime
) -> dict[str, Any]:
    record = documents.record
    protocol = record.protocol
    done = bool(record.segments)
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed" if done else "not-done",
        "code": {"text": f"Massage therapy following {protocol.title} ({protocol.ref})"},
        "subject": {"reference": patient},
        "encounter": {"reference": encounter},
        "performedPeriod": {
            "start": documents.session.started_at.isoformat(),
            "end": end.isoformat(),
        },
        "bodySite": [
            {
                "coding": [{"system": "urn:tablework:area", "code": area}],
                "text": protocol.area_name(area),
            }
            for area in record.areas_in_order()
        ],
    }
    if not done:
        resource["statusReason"] = {"text": "No hands-on work (screening or client stopped)"}
    return resource


def _pain_observations(
    documents: SessionDocuments, patient: str, encounter: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    record = documents.record
    start = documents.session.started_at
    ratings = [("before", 0.0, record.state.pain_before)]
    ratings += [(f"check-in-{i}", c.at, c.pain) for i, c in enumerate(record.check_ins)]
    ratings.append(("after", record.duration, record.state.pain_after))
    for label, at, pain in ratings:
        if pain is None:
            continue
        yield (
            urn("pain", documents.session.id, label),
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "survey",
                            }
                        ]
                    }
                ],
                "code": {
                    "coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
                    "text": f"Pain 0-10 ({label.replace('-', ' ')})",
                },
                "subject": {"reference": patient},
                "encounter": {"reference": encounter},
                "effectiveDateTime": (start + timedelta(seconds=at)).isoformat(),
                "valueInteger": pain,
            },
        )


def _care_plan(documents: SessionDocuments, patient: str, encounter: str) -> dict[str, Any]:
    plan = documents.plan
    activities = [
        {"detail": {"status": "not-started", "description": f"{f.title}: {f.why}"}}
        for f in plan.focus
    ]
    activities += [
        {
            "detail": {
                "status": "scheduled",
                "description": f"Home stretch: {x.name} ({x.plane} {x.motion})",
            }
        }
        for x in plan.home_care
    ]
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": f"After session {documents.session.session_index}",
        "description": (
            plan.summary()
            + " "
            + " ".join(f"Not covered: {g.plane} {g.motion}." for g in plan.uncovered)
        ),
        "subject": {"reference": patient},
        "encounter": {"reference": encounter},
        "activity": activities,
    }


def _questionnaire_response(documents: SessionDocuments, patient: str) -> dict[str, Any]:
    stored = documents.stored_intake
    assert stored is not None
    items = []
    for name, value in stored.intake.get("answers", {}).items():
        if name == "psfs" or value is None:
            continue
        items.append({"linkId": name, "answer": [_answer(value)]})
    for index, activity in enumerate(stored.intake.get("answers", {}).get("psfs") or []):
        items.append(
            {
                "linkId": f"psfs-{index + 1}",
                "text": activity["activity"],
                "answer": [{"valueInteger": activity["score"]}],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "urn:tablework:questionnaire:low-back-intake",
        "status": "completed",
        "subject": {"reference": patient},
        "authored": stored.recorded_at.isoformat(),
        "item": items,
    }


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueString": str(value)}
