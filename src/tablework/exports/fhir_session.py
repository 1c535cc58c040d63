"""One session in FHIR: the Encounter, the Procedure, pain Observations and the CarePlan.

The Procedure and the CarePlan point at the protocol's PlanDefinition (`url|version`) with
`instantiatesCanonical`, so the record says which version of which protocol it followed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from tablework.charting import SessionDocuments
from tablework.exports.fhir import plan_definition_url
from tablework.exports.fhir_ids import Resource, instant, urn
from tablework.exports.fhir_urls import AREA_SYSTEM

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"


def session_resources(documents: SessionDocuments, patient: str) -> Iterator[Resource]:
    """The Encounter, Procedure, pain Observations and CarePlan of one session."""
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
            "period": {"start": instant(start), "end": instant(end)},
            "reasonCode": [{"text": record.protocol.scope.condition}],
        },
    )
    yield urn("procedure", session.id), _procedure(documents, patient, encounter, end)
    yield from _pain_observations(documents, patient, encounter)
    yield urn("careplan", session.id), _care_plan(documents, patient, encounter)


def _procedure(
    documents: SessionDocuments, patient: str, encounter: str, end: datetime
) -> dict[str, Any]:
    record = documents.record
    protocol = record.protocol
    done = bool(record.segments)
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed" if done else "not-done",
        "instantiatesCanonical": [_plan_canonical(documents)],
        "code": {"text": f"Massage therapy following {protocol.title} ({protocol.ref})"},
        "subject": {"reference": patient},
        "encounter": {"reference": encounter},
        "performedPeriod": {
            "start": instant(documents.session.started_at),
            "end": instant(end),
        },
        "bodySite": [
            {
                "coding": [{"system": AREA_SYSTEM, "code": area}],
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
) -> Iterator[Resource]:
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
                "effectiveDateTime": instant(start + timedelta(seconds=at)),
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
        "instantiatesCanonical": [_plan_canonical(documents)],
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


def _plan_canonical(documents: SessionDocuments) -> str:
    protocol = documents.record.protocol
    return f"{plan_definition_url(protocol)}|{protocol.version}"
