"""Screening, case by case: the vignette table covers every rule, threshold and precedence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tablework.protocols.loader import ProtocolError
from tablework.screening import screen
from tablework.screening.answers import ANSWER_NAMES, AnswerError, parse_answers, parse_intake
from tablework.screening.questionnaire import bundled as questionnaire
from tablework.screening.report import report
from tablework.screening.rules import bundled, load_text

DATA = yaml.safe_load((Path(__file__).parent / "data" / "screening_vignettes.yaml").read_text())
VIGNETTES: list[dict[str, Any]] = DATA["vignettes"]
RULES = bundled("low-back")


def answers_of(case: dict[str, Any]) -> dict[str, Any]:
    if case.get("incomplete"):
        return dict(case["answers"])
    return {**DATA["complete_intake"], **case["answers"]}


@pytest.mark.parametrize("case", VIGNETTES, ids=lambda c: c["name"])
def test_vignette(case: dict[str, Any]) -> None:
    result = screen(parse_answers(answers_of(case)), RULES)
    assert result.disposition == case["disposition"]
    assert sorted(f.id for f in result.flags) == case["flags"]
    assert sorted(result.modifications) == case["modifications"]
    if case.get("incomplete") or case.get("incomplete_over_complete"):
        assert set(case["not_asked_includes"]) <= set(result.not_asked)
        assert not result.complete
    else:
        assert result.not_asked == ()
    if "emergency_not_asked" in case:
        assert list(result.emergency_not_asked) == case["emergency_not_asked"]
        assert result.blocks_session
    elif not case.get("incomplete"):
        assert result.emergency_not_asked == ()


def test_there_are_at_least_forty_vignettes() -> None:
    assert len(VIGNETTES) >= 40


def test_every_rule_fires_in_some_vignette() -> None:
    fired = {flag for case in VIGNETTES for flag in case["flags"]}
    assert {rule.id for rule in RULES.rules} <= fired


@pytest.mark.parametrize(
    "names",
    [
        ("age 69", "age 70"),
        ("pregnant 12 weeks", "pregnant 13 weeks"),
        ("osteoporosis with pain 6", "osteoporosis with pain 7"),
        ("first episode at 14", "first episode at 15", "first episode at 16"),
        ("first episode at 60", "first episode at 61"),
    ],
)
def test_each_threshold_is_tested_on_both_sides(names: tuple[str, ...]) -> None:
    outcomes = {
        (c["disposition"], tuple(c["modifications"])) for c in VIGNETTES if c["name"] in names
    }
    assert len([c for c in VIGNETTES if c["name"] in names]) == len(names)
    assert len(outcomes) == 2


def test_the_complete_intake_asks_every_safety_question() -> None:
    assert set(RULES.safety_answers) <= set(DATA["complete_intake"])


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"age": -3}, "age"),
        ({"pain_now": 14}, "pain_now"),
        ({"region": "elbow"}, "region"),
        ({"pregnancy_weeks": "yes"}, "pregnancy_weeks"),
        ({"fever": "yes"}, "fever"),
        ({"dvt": "middle"}, "dvt"),
        ({"agee": 30}, "agee"),
        ({"age": 40.5}, "age"),
        ({"psfs": [{"activity": "walking", "score": 11}] * 3}, "psfs"),
    ],
)
def test_bad_answers_are_errors_naming_the_field(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(AnswerError) as error:
        parse_answers(answers)
    assert error.value.problems[0].startswith(field)


def test_an_intake_needs_answers() -> None:
    with pytest.raises(AnswerError, match="'answers'"):
        parse_intake({"complaint": "sore"})


def test_the_emergency_report_says_do_not_treat_first() -> None:
    result = screen(parse_answers({**DATA["complete_intake"], "saddle_numbness": True}), RULES)
    first_line = report(result).splitlines()[0]
    assert first_line.startswith("DO NOT TREAT") and "emergency department" in first_line


def test_an_unasked_emergency_question_reads_as_do_not_treat() -> None:
    text = report(screen(parse_answers({"region": "lumbar"}), RULES))
    assert text.startswith("DO NOT TREAT YET")
    assert "SCREEN INCOMPLETE" in text and "PROCEED" not in text


def test_an_incomplete_clear_screen_never_reads_as_proceed() -> None:
    answers = {**DATA["complete_intake"], "anticoagulants": None}
    result = screen(parse_answers(answers), RULES)
    assert result.not_asked == ("anticoagulants",) and not result.blocks_session
    text = report(result)
    assert text.startswith("SCREEN INCOMPLETE")
    assert "PROCEED" not in text.splitlines()[0]


def test_no_report_line_suggests_treating_through_a_red_flag() -> None:
    for case in VIGNETTES:
        result = screen(parse_answers(answers_of(case)), RULES)
        if result.blocks_session:
            assert not report(result).startswith(("PROCEED", "SCREEN INCOMPLETE"))


def test_a_rule_reading_an_undeclared_answer_is_rejected() -> None:
    text = """
id: broken
version: 1.0.0
title: Broken
rules:
  - id: r
    title: R
    reads: [fever]
    when: {fact: age, op: gte, value: 3}
    disposition: modify
    advice: a
    source: s
"""
    expected = r"broken.yaml:9: rules\[0\]\.when: condition reads 'age'"
    with pytest.raises(ProtocolError, match=expected):
        load_text(text, "broken.yaml")


def test_a_rule_with_an_unknown_answer_or_bad_modification_is_rejected() -> None:
    text = """
id: broken
version: 1.0.0
title: Broken
rules:
  - id: r
    title: R
    reads: [fevr]
    when: {fact: fevr}
    disposition: modify
    modifications: ["cap_level:9"]
    advice: a
    source: s
"""
    with pytest.raises(ProtocolError) as error:
        load_text(text, "broken.yaml")
    messages = [p.message for p in error.value.problems]
    assert "rules[0].reads[0]: unknown answer name 'fevr'" in messages
    assert "rules[0].modifications[0]: malformed modification 'cap_level:9'" in messages


# The questionnaire


def test_the_questionnaire_asks_every_answer_exactly_once() -> None:
    asked = [q.answer for q in questionnaire().questions()]
    assert sorted(asked) == sorted(ANSWER_NAMES)


def test_the_questionnaire_reads_aloud_in_under_three_minutes() -> None:
    assert questionnaire().reading_seconds() < 180


def test_the_questionnaire_names_its_ruleset_and_baseline_measures() -> None:
    form = questionnaire()
    assert form.ruleset == "low-back"
    assert {b.id for b in form.baseline} == {"pain_now", "psfs"}


def test_choice_questions_offer_exactly_the_valid_answers() -> None:
    from typing import get_args

    from tablework.screening.answers import Region, Side

    choices = {q.answer: set(q.choices) for q in questionnaire().questions() if q.choices}
    assert choices["region"] == set(get_args(Region))
    assert choices["dvt"] == set(get_args(Side))
