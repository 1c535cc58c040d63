"""The intake form, generated from the questionnaire data, and read back into intake JSON.

Every question of `screening/library/low-back-intake.yaml` becomes one control named by its
answer (the DESIGN.md 4 names, as in examples/intakes): yes / no / not asked for a
boolean, a number for an integer, a list for a choice. "Not asked" is the default, so an
unanswered question is never mistaken for "no".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request

from tablework.screening.questionnaire import Question, Questionnaire, bundled

NOTES = (
    ("complaint", "What brings the client in, in their words"),
    ("aggravating", "What makes it worse"),
    ("easing", "What eases it"),
    ("goals", "The client's goals"),
    ("medication", "Medication"),
)
PSFS_ROWS = 5
MAX_FIELD = 2000


def questionnaire() -> Questionnaire:
    """The bundled low-back intake questionnaire."""
    return bundled()


def intake_from_form(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The intake JSON the form's values describe, and what could not be read as asked
    (the screen's own parser checks ranges and choices after)."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for question in questionnaire().questions():
        value, problem = _answer(question, form)
        if problem:
            problems.append(problem)
        elif value is not None:
            answers[question.answer] = value
    psfs, psfs_problems = _psfs(form)
    problems.extend(psfs_problems)
    if psfs:
        answers["psfs"] = psfs
    intake: dict[str, Any] = {"answers": answers}
    for name, _label in NOTES:
        text = form.get(name, "").strip()
        if text:
            intake[name] = text
    return intake, problems


def _answer(question: Question, form: Mapping[str, str]) -> tuple[Any, str | None]:
    raw = form.get(question.answer, "").strip()
    if question.type == "boolean":
        if raw in ("", "yes", "no"):
            return (None if not raw else raw == "yes"), None
        return None, f"{question.answer}: answer yes, no, or leave it not asked"
    if question.type == "choice":
        return raw or None, None
    if question.type == "integer_or_none":
        count = form.get(f"{question.answer}_count", "").strip()
        if raw == "none" and count:
            return None, f"{question.answer}: choose none, or give the number, not both"
        if count:
            return _number(question.answer, count)
        if raw == "count":
            return None, f"{question.answer}: give the number"
        return ("none" if raw == "none" else None), None
    return _number(question.answer, raw) if raw else (None, None)


def _number(name: str, raw: str) -> tuple[int | None, str | None]:
    try:
        return int(raw), None
    except ValueError:
        return None, f"{name}: a whole number, please"


def _psfs(form: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for row in range(1, PSFS_ROWS + 1):
        activity = form.get(f"psfs_activity_{row}", "").strip()
        score = form.get(f"psfs_score_{row}", "").strip()
        if not activity and not score:
            continue
        if not activity or not score:
            problems.append(f"psfs row {row}: give both the activity and its score")
            continue
        number, problem = _number(f"psfs row {row} score", score)
        if problem:
            problems.append(problem)
        else:
            items.append({"activity": activity, "score": number})
    return items, problems


async def _form_values(request: Request) -> dict[str, str]:
    """A posted form's text fields (files and repeated names are not used by any page)."""
    form = await request.form()
    return {key: value[:MAX_FIELD] for key, value in form.items() if isinstance(value, str)}


FormValues = Annotated[dict[str, str], Depends(_form_values)]
