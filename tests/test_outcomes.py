from __future__ import annotations

import pytest

from tablework.outcomes import SessionOutcome, is_responder, responder_rates, trend, wilson
from tablework.protocols.schema import ResponderRule

RULE = ResponderRule(min_drop_points=2, min_drop_percent=30)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (7, 5, True),  # exactly 2 points
        (7, 6, False),  # 1 point, 14 %
        (3, 2, True),  # 1 point but 33 %
        (10, 9, False),  # 10 %
        (4, 3, False),  # 25 %
        (10, 7, True),  # 3 points, exactly 30 %
        (3, 3, False),
        (2, 4, False),  # worse
        (0, 0, False),
        (None, 3, None),
        (5, None, None),
    ],
)
def test_the_responder_rule_at_its_boundaries(
    before: int | None, after: int | None, expected: bool | None
) -> None:
    assert is_responder(before, after, RULE) is expected


def test_thirty_percent_exactly_counts() -> None:
    assert is_responder(10, 7, ResponderRule(min_drop_points=5, min_drop_percent=30)) is True
    assert is_responder(10, 8, ResponderRule(min_drop_points=5, min_drop_percent=30)) is False


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Reference values from the Wilson score formula (z = 1.96), as given by
        # statsmodels' proportion_confint(method="wilson") and Newcombe (1998).
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (5, 10, 0.2366, 0.7634),
        (81, 263, 0.2553, 0.3662),
        (6, 10, 0.3127, 0.8318),
    ],
)
def test_the_wilson_interval_matches_known_values(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson(k, n)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def test_the_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson(3, 0)
    with pytest.raises(ValueError):
        wilson(4, 3)


def outcome(
    session: str,
    client: str,
    before: int | None,
    after: int | None,
    index: int = 1,
    psfs: float | None = None,
) -> SessionOutcome:
    return SessionOutcome(
        session,
        client,
        "acute-low-back-spasm@1.0.0",
        index,
        f"2026-11-{index:02d}",
        before,
        after,
        is_responder(before, after, RULE),
        psfs,
    )


def test_rates_per_protocol_leave_out_unrated_sessions() -> None:
    rates = responder_rates(
        [outcome("a", "c1", 7, 4), outcome("b", "c1", 6, 6), outcome("c", "c2", 5, None)]
    )
    (rate,) = rates
    assert (rate.sessions, rate.responders, rate.responder_rate) == (2, 1, 0.5)
    assert rate.ci_low == pytest.approx(0.0945, abs=1e-4)
    assert rate.ci_high == pytest.approx(0.9055, abs=1e-4)


def test_a_client_trend_runs_from_first_to_latest_session() -> None:
    course = trend(
        "c1",
        [
            outcome("b", "c1", 5, 3, index=2, psfs=5.0),
            outcome("a", "c1", 8, 5, index=1, psfs=2.5),
            outcome("x", "c2", 9, 9),
        ],
    )
    assert course.pain_before == (8, 5)
    assert course.psfs == (2.5, 5.0)
    assert course.course_change == 3 - 8
