"""Intake answers: the contract names of DESIGN.md section 4, typed and range-checked.

A missing answer means the question was not asked, which is different from "no". Values of
the wrong type are errors naming the field, never silently coerced: "yes" is not a
boolean and "12" is not a number of weeks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

Region = Literal["lumbar", "sacral", "lumbosacral", "thoracic", "cervical"]
Side = Literal["none", "left", "right", "both"]
Flag = StrictBool | None


class Activity(BaseModel):
    """One Patient-Specific Functional Scale item: an activity the client finds hard."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    activity: Annotated[str, Field(min_length=1, max_length=120)]
    score: Annotated[StrictInt, Field(ge=0, le=10)] = Field(
        description="0 = unable to do it, 10 = able to do it as before the problem."
    )


class Answers(BaseModel):
    """A client's intake answers. Every field is optional: unanswered means not asked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: Region | None = None
    age: Annotated[StrictInt, Field(ge=0, le=120)] | None = None
    onset_days: Annotated[StrictInt, Field(ge=0, le=36500)] | None = None
    pain_now: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    first_episode: Flag = None
    bladder_dysfunction: Flag = None
    bowel_incontinence: Flag = None
    saddle_numbness: Flag = None
    bilateral_leg_symptoms: Flag = None
    progressive_leg_weakness: Flag = None
    sexual_dysfunction_new: Flag = None
    leg_numbness_or_weakness: Flag = None
    fever: Flag = None
    iv_drug_use: Flag = None
    immunosuppressed: Flag = None
    recent_infection: Flag = None
    recent_spinal_procedure: Flag = None
    cancer_history: Flag = None
    unexplained_weight_loss: Flag = None
    significant_trauma: Flag = None
    long_term_steroids: Flag = None
    osteoporosis: Flag = None
    collapse_or_fainting: Flag = None
    known_aortic_aneurysm: Flag = None
    night_pain_unrelenting: Flag = None
    not_improving: Flag = None
    feels_unwell: Flag = None
    anticoagulants: Flag = None
    bleeding_disorder: Flag = None
    dvt: Side | None = None
    dvt_suspected: Flag = None
    pregnancy_weeks: Annotated[StrictInt, Field(ge=0, le=45)] | Literal["none"] | None = None
    skin_lesion_lumbar: Flag = None
    uncontrolled_hypertension: Flag = None
    intoxicated: Flag = None
    chemo_last_72h: Flag = None
    recent_surgery: Flag = None
    larger_body: Flag = None
    pronounced_lordosis: Flag = None
    psfs: Annotated[tuple[Activity, ...], Field(min_length=3, max_length=5)] | None = None

    def asked(self) -> set[str]:
        """Names of the questions that were answered. Null is not an answer: it means the
        question was not asked ("none" is how "not pregnant" is recorded)."""
        return {name for name in self.model_fields_set if getattr(self, name) is not None}

    def facts(self) -> dict[str, Any]:
        """The answers as facts for rule conditions; unasked questions are absent, and
        "not pregnant" gives no pregnancy fact."""
        return {
            name: getattr(self, name)
            for name in self.asked()
            if name != "psfs" and not (name == "pregnancy_weeks" and self.pregnancy_weeks == "none")
        }


ANSWER_NAMES = tuple(name for name in Answers.model_fields if name != "psfs")


class AnswerError(ValueError):
    """Intake answers that cannot be used, with one message per bad field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_answers(data: Any) -> Answers:
    """Validate answers from JSON; raise AnswerError naming each bad field."""
    if not isinstance(data, dict):
        raise AnswerError(["answers must be a JSON object of answer names to values"])
    try:
        return Answers.model_validate(data)
    except ValidationError as error:
        raise AnswerError(
            [_problem(detail) for detail in error.errors(include_url=False)]
        ) from None


def _problem(detail: Any) -> str:
    field = ".".join(
        str(part) for part in detail["loc"] if not str(part).startswith(("function", "constrained"))
    )
    if detail["type"] == "extra_forbidden":
        return f"{field}: unknown answer name (see the intake questionnaire)"
    given = detail.get("input")
    # Echo numbers and short words, never free text: it may be personal data.
    shown = repr(given) if not isinstance(given, str) or len(given) <= 12 else "some text"
    return f"{field}: {detail['msg']} (got {shown})"


Note = Annotated[str, Field(max_length=2000)] | None


class Intake(BaseModel):
    """An intake: the screening answers plus what the client says in their own words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answers: Answers
    complaint: Note = None
    aggravating: Note = None
    easing: Note = None
    goals: Note = None
    medication: Note = None


def parse_intake(data: Any) -> Intake:
    """Validate an intake from JSON; raise AnswerError naming each bad field."""
    if not isinstance(data, dict) or "answers" not in data:
        raise AnswerError(["an intake must be a JSON object with 'answers'"])
    answers = parse_answers(data["answers"])
    try:
        return Intake.model_validate({**data, "answers": answers})
    except ValidationError as error:
        raise AnswerError(
            [_problem(detail) for detail in error.errors(include_url=False)]
        ) from None
