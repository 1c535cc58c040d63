"""FHIR R4 exports, built as plain dicts and validated with `fhir.resources.R4B` models.

A protocol becomes a PlanDefinition: phases, check-ins, deferred work, follow-ups and home
care are actions; techniques and stretches are contained ActivityDefinitions the actions
point to. Reference points travel as `justification` artefacts, so the export stays
traceable to the source, point by point.
"""

from __future__ import annotations

from typing import Any

from tablework.exports.fhir_urls import (
    AREA_SYSTEM,
    EARLIEST_SESSION_EXTENSION,
    EXERCISE_SYSTEM,
    LEVEL_EXTENSION,
    PLANE_EXTENSION,
    TECHNIQUE_SYSTEM,
    canonical,
)
from tablework.protocols.schema import Exercise, Protocol, Sourced, Technique

_FHIR_STATUS = {"draft": "draft", "active": "active", "retired": "retired"}


def plan_definition(protocol: Protocol) -> dict[str, Any]:
    """The protocol as a validated PlanDefinition resource, as JSON-ready data."""
    from tablework.exports.fhir_validation import validate_resource

    resource = plan_definition_resource(protocol)
    validate_resource(resource)
    return resource


def plan_definition_resource(protocol: Protocol) -> dict[str, Any]:
    """The protocol as a PlanDefinition resource, before validation (a Bundle that carries
    it validates it with the rest)."""
    return {
        "resourceType": "PlanDefinition",
        "id": protocol.id,
        "url": plan_definition_url(protocol),
        "version": protocol.version,
        "name": "".join(part.capitalize() for part in protocol.id.split("-")),
        "title": protocol.title,
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "clinical-protocol",
                }
            ]
        },
        "status": _FHIR_STATUS[protocol.status],
        "description": protocol.summary,
        "usage": protocol.scope.condition,
        "copyright": f"{', '.join(protocol.metadata.authors)}; {protocol.metadata.license}",
        "relatedArtifact": _reference_artifacts(protocol),
        "contained": [_technique_activity(protocol, t) for t in protocol.techniques]
        + [_exercise_activity(protocol, x) for x in protocol.home_care],
        "action": [
            *(_phase_action(protocol, i) for i in range(len(protocol.phases))),
            _check_in_action(protocol),
            *(_deferred_action(protocol, t) for t in protocol.techniques if t.earliest_session > 1),
            *(_follow_up_action(protocol, i) for i in range(len(protocol.follow_up))),
            _home_care_action(protocol),
        ],
    }


def plan_definition_url(protocol: Protocol) -> str:
    """The PlanDefinition's canonical URL; records point at `url|version`."""
    return canonical("PlanDefinition", protocol.id)


def plan_definition_json(protocol: Protocol) -> str:
    """The validated PlanDefinition as indented JSON text."""
    import json

    return json.dumps(plan_definition(protocol), indent=2, ensure_ascii=False)


def _justification(protocol: Protocol, element: Sourced) -> list[dict[str, Any]]:
    summaries = {p.id: p.summary for p in protocol.reference.points} if protocol.reference else {}
    return [
        {"type": "justification", "label": point, "display": summaries.get(point, point)}
        for point in element.sources
    ]


def _reference_artifacts(protocol: Protocol) -> list[dict[str, Any]]:
    if protocol.reference is None:
        return []
    ref = protocol.reference
    year = f" ({ref.year})" if ref.year else ""
    return [{"type": "derived-from", "display": f"{ref.title}{year}", "citation": ref.author}]


def _technique_activity(protocol: Protocol, technique: Technique) -> dict[str, Any]:
    extensions = [{"url": LEVEL_EXTENSION, "valueInteger": level} for level in technique.levels]
    extensions.append(
        {"url": EARLIEST_SESSION_EXTENSION, "valueInteger": technique.earliest_session}
    )
    return {
        "resourceType": "ActivityDefinition",
        "id": technique.id,
        "extension": extensions,
        "status": _FHIR_STATUS[protocol.status],
        "title": technique.name,
        "description": technique.description,
        "kind": "ServiceRequest",
        "code": {
            "coding": [{"system": TECHNIQUE_SYSTEM, "code": technique.id}],
            "text": technique.name,
        },
        "bodySite": [_area_concept(protocol, area) for area in technique.areas],
        "relatedArtifact": _justification(protocol, technique),
    }


def _exercise_activity(protocol: Protocol, exercise: Exercise) -> dict[str, Any]:
    dose = exercise.dose
    return {
        "resourceType": "ActivityDefinition",
        "id": f"home-{exercise.id}",
        "extension": [{"url": PLANE_EXTENSION, "valueCode": f"{exercise.plane}:{exercise.motion}"}],
        "status": _FHIR_STATUS[protocol.status],
        "title": exercise.name,
        "description": exercise.instructions,
        "usage": (
            f"Hold {dose.hold_seconds[0]}-{dose.hold_seconds[1]} s, "
            f"{dose.repetitions[0]}-{dose.repetitions[1]} times, {dose.frequency}."
        ),
        "kind": "CommunicationRequest",
        "code": {
            "coding": [{"system": EXERCISE_SYSTEM, "code": exercise.id}],
            "text": exercise.name,
        },
        "relatedArtifact": _justification(protocol, exercise),
    }


def _area_concept(protocol: Protocol, area_id: str) -> dict[str, Any]:
    area = protocol.area(area_id)
    return {
        "coding": [{"system": AREA_SYSTEM, "code": area_id}],
        "text": area.name if area else area_id,
    }


def _phase_action(protocol: Protocol, index: int) -> dict[str, Any]:
    phase = protocol.phases[index]
    action: dict[str, Any] = {
        "id": f"phase-{phase.id}",
        "prefix": f"Phase {index + 1}",
        "title": phase.name,
        "description": phase.goal,
        "documentation": _justification(protocol, phase),
    }
    if phase.techniques:
        action["selectionBehavior"] = "any"
        by_id = {t.id: t for t in protocol.techniques}
        action["action"] = [
            {"title": by_id[t].name, "definitionCanonical": f"#{t}"} for t in phase.techniques
        ]
    return action


def _check_in_action(protocol: Protocol) -> dict[str, Any]:
    policy = protocol.check_in
    return {
        "id": "check-in",
        "title": "Check in about pressure",
        "description": (
            f"Ask the client about pressure every {policy.interval_seconds} s of contact and "
            f"on every change of {', '.join(policy.on_change)}."
        ),
        "timingTiming": {"repeat": {"period": policy.interval_seconds, "periodUnit": "s"}},
        "documentation": _justification(protocol, policy),
    }


def _deferred_action(protocol: Protocol, technique: Technique) -> dict[str, Any]:
    return {
        "id": f"deferred-{technique.id}",
        "title": f"{technique.name}: not before session {technique.earliest_session}",
        "description": technique.deferral_reason,
        "condition": [
            {
                "kind": "applicability",
                "expression": {
                    "language": "text/fhirpath",
                    "description": f"Session {technique.earliest_session} or later",
                    "expression": f"%sessionIndex >= {technique.earliest_session}",
                },
            }
        ],
        "definitionCanonical": f"#{technique.id}",
        "documentation": _justification(protocol, technique),
    }


def _follow_up_action(protocol: Protocol, index: int) -> dict[str, Any]:
    item = protocol.follow_up[index]
    return {
        "id": f"follow-up-{item.id}",
        "title": item.title,
        "description": item.description,
        "condition": [
            {
                "kind": "applicability",
                "expression": {
                    "language": "text/fhirpath",
                    "description": f"Session {item.from_session} or later",
                    "expression": f"%sessionIndex >= {item.from_session}",
                },
            }
        ],
        "documentation": _justification(protocol, item),
    }


def _home_care_action(protocol: Protocol) -> dict[str, Any]:
    return {
        "id": "home-care",
        "title": "Home stretches",
        "description": "Stretches for hip flexibility; gentle, acute-safe ones first.",
        "selectionBehavior": "any",
        "action": [
            {"title": x.name, "definitionCanonical": f"#home-{x.id}"} for x in protocol.home_care
        ],
    }
