"""The intake in FHIR: the Questionnaire as asked, the client's answers, and any referral.

The Questionnaire is built from the bundled intake form (`screening/library`), one group
per section, then the PSFS activities and the client's own words; a QuestionnaireResponse
answers it item for item. A screening that sent the client to a doctor (emergency or
urgent referral) becomes a ServiceRequest.
"""

from __future__ import annotations

from typing import Any

from tablework.charting import SessionDocuments
from tablework.exports.fhir_ids import Resource, instant, urn
from tablework.exports.fhir_urls import SCREENING_FLAG_SYSTEM, canonical
from tablework.screening.questionnaire import Question, Questionnaire, bundled

INTAKE_FORM = "low-back-intake"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ITEM_TYPES = {"boolean": "boolean", "integer": "integer", "integer_or_none": "integer"}
OWN_WORDS = {
    "complaint": "What brings you in?",
    "aggravating": "What makes it worse?",
    "easing": "What makes it better?",
    "goals": "What would you like to be able to do again?",
    "medication": "What medication are you taking?",
}
PATIENT_REFERRAL = {"system": "http://snomed.info/sct", "code": "3457005"}
REFERRALS = {
    "emergency": ("stat", "Emergency referral: same-day emergency assessment"),
    "urgent_referral": ("urgent", "Urgent referral to a doctor"),
}


def questionnaire() -> Resource:
    """The intake form as a Questionnaire, with the canonical URL responses point at."""
    form = bundled(INTAKE_FORM)
    items = [
        _section(index, section.title, section.questions)
        for index, section in enumerate(form.sections)
    ]
    items.append(_psfs_group(form))
    items.append(
        {
            "linkId": "own-words",
            "text": "In the client's own words",
            "type": "group",
            "item": [{"linkId": k, "text": v, "type": "text"} for k, v in OWN_WORDS.items()],
        }
    )
    resource = {
        "resourceType": "Questionnaire",
        "id": form.id,
        "url": canonical("Questionnaire", form.id),
        "name": "".join(part.capitalize() for part in form.id.split("-")),
        "title": form.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }
    return urn("questionnaire", form.id), resource


def questionnaire_response(documents: SessionDocuments, patient: str) -> Resource | None:
    """The stored intake of the session as answers to the intake Questionnaire."""
    stored = documents.stored_intake
    if stored is None:
        return None
    form = bundled(INTAKE_FORM)
    intake = stored.intake
    answers = intake.get("answers", {})
    items = [
        group
        for index, section in enumerate(form.sections)
        if (group := _answered_section(index, section.title, section.questions, answers))
    ]
    items += [_psfs_answer(activity) for activity in answers.get("psfs") or []]
    own_words = [
        {"linkId": key, "text": text, "answer": [{"valueString": str(intake[key])}]}
        for key, text in OWN_WORDS.items()
        if intake.get(key)
    ]
    if own_words:
        items.append(
            {"linkId": "own-words", "text": "In the client's own words", "item": own_words}
        )
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": canonical("Questionnaire", form.id),
        "status": "completed",
        "subject": {"reference": patient},
        "authored": instant(stored.recorded_at),
        "item": items,
    }
    return urn("intake", stored.id), resource


def referral(documents: SessionDocuments, patient: str, encounter: str) -> Resource | None:
    """A ServiceRequest when screening sent the client on to a doctor, else None."""
    record = documents.record
    screening = record.state.screening or {}
    disposition = screening.get("disposition")
    if disposition not in REFERRALS:
        return None
    priority, title = REFERRALS[disposition]
    flags = [f for f in screening.get("flags", []) if f.get("severity") == disposition]
    clearance = record.state.clearance
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        # A massage therapist advises a referral; they do not order care.
        "status": "completed" if clearance else "active",
        "intent": "proposal",
        "priority": priority,
        "code": {"coding": [{**PATIENT_REFERRAL, "display": "Patient referral"}], "text": title},
        "subject": {"reference": patient},
        "encounter": {"reference": encounter},
        "authoredOn": instant(documents.session.started_at),
    }
    notes = [{"text": flag["advice"]} for flag in flags if flag.get("advice")]
    if clearance:
        notes.append({"text": f"Cleared by {clearance.by} ({clearance.when})."})
    if flags:
        resource["reasonCode"] = [_flag_concept(flag) for flag in flags]
    if notes:
        resource["note"] = notes
    return urn("referral", documents.session.id), resource


def _section(index: int, title: str, questions: tuple[Question, ...]) -> dict[str, Any]:
    return {
        "linkId": f"section-{index + 1}",
        "text": title,
        "type": "group",
        "item": [_question(q) for q in questions],
    }


def _question(question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.answer,
        "text": question.ask,
        "type": ITEM_TYPES.get(question.type, "choice"),
    }
    if question.type == "choice":
        item["answerOption"] = [{"valueString": choice} for choice in question.choices]
    limits = [(MIN_VALUE, question.min), (MAX_VALUE, question.max)]
    extensions = [{"url": url, "valueInteger": value} for url, value in limits if value is not None]
    if extensions:
        item["extension"] = extensions
    return item


def _psfs_group(form: Questionnaire) -> dict[str, Any]:
    psfs = next((b for b in form.baseline if b.id == "psfs"), None)
    return {
        "linkId": "psfs",
        "text": psfs.ask if psfs and psfs.ask else "Patient-Specific Functional Scale",
        "type": "group",
        "repeats": True,
        "item": [
            {"linkId": "psfs-activity", "text": "Activity", "type": "string", "required": True},
            {
                "linkId": "psfs-score",
                "text": "How well can you do it now (0 = unable, 10 = as before)?",
                "type": "integer",
                "required": True,
                "extension": [
                    {"url": MIN_VALUE, "valueInteger": 0},
                    {"url": MAX_VALUE, "valueInteger": 10},
                ],
            },
        ],
    }


def _answered_section(
    index: int, title: str, questions: tuple[Question, ...], answers: dict[str, Any]
) -> dict[str, Any] | None:
    items = [
        {"linkId": q.answer, "text": q.ask, "answer": [_answer(answers[q.answer])]}
        for q in questions
        if answers.get(q.answer) is not None
    ]
    if not items:
        return None
    return {"linkId": f"section-{index + 1}", "text": title, "item": items}


def _psfs_answer(activity: dict[str, Any]) -> dict[str, Any]:
    return {
        "linkId": "psfs",
        "item": [
            {"linkId": "psfs-activity", "answer": [{"valueString": activity["activity"]}]},
            {"linkId": "psfs-score", "answer": [{"valueInteger": activity["score"]}]},
        ],
    }


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueString": str(value)}


def _flag_concept(flag: dict[str, Any]) -> dict[str, Any]:
    return {
        "coding": [{"system": SCREENING_FLAG_SYSTEM, "code": flag["id"], "display": flag["title"]}],
        "text": flag["title"],
    }
