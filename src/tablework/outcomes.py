"""Outcomes: did the session help, and how often does the protocol help (P15)?

Pain is the 0-10 numeric rating (LOINC 72514-3). A responder session drops by at least
2 points or at least 30 % of the pain before it (the protocol's responder rule, from the
Ostelo 2008 consensus). Rates come with a Wilson 95 % interval, which behaves well for
the small numbers a single clinic has.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tablework.protocols.schema import ResponderRule

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class SessionOutcome:
    """Pain before and after one session, and whether it counts as a response."""

    session_id: str
    client_id: str
    protocol: str
    session_index: int
    started_at: str
    pain_before: int | None
    pain_after: int | None
    responder: bool | None
    psfs_mean: float | None = None
    complete: bool = True
    """False when the session's end was never recorded: such a session is not rated."""

    @property
    def change(self) -> int | None:
        """Pain after minus pain before (negative is better)."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


@dataclass(frozen=True)
class Rate:
    """How many sessions responded out of how many rated, with a Wilson 95 % interval."""

    protocol: str
    sessions: int
    responders: int
    responder_rate: float | None
    ci_low: float | None
    ci_high: float | None


def is_responder(before: int | None, after: int | None, rule: ResponderRule) -> bool | None:
    """Whether pain dropped enough to count; None when either rating is missing."""
    if before is None or after is None:
        return None
    drop = before - after
    if drop <= 0:
        return False
    if drop >= rule.min_drop_points:
        return True
    return before > 0 and drop / before * 100 >= rule.min_drop_percent


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError("need 0 <= successes <= trials and trials > 0")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def responder_rates(outcomes: Iterable[SessionOutcome]) -> list[Rate]:
    """Per protocol: rated sessions, responders, rate and interval (unrated ones left out)."""
    return tallied_rates(
        Tally(o.protocol, o.complete, o.responder, 1) for o in outcomes if o.responder is not None
    )


@dataclass(frozen=True)
class Tally:
    """How many sessions of a protocol share one outcome (ended or not; responded or not)."""

    protocol: str
    ended: bool
    responder: bool | None
    sessions: int


def tallied_rates(tallies: Iterable[Tally]) -> list[Rate]:
    """Per protocol: rated sessions, responders, rate and interval, from counted outcomes."""
    rated: dict[str, int] = {}
    responded: dict[str, int] = {}
    for tally in tallies:
        if tally.responder is None:
            continue
        rated[tally.protocol] = rated.get(tally.protocol, 0) + tally.sessions
        responded[tally.protocol] = responded.get(tally.protocol, 0) + (
            tally.sessions if tally.responder else 0
        )
    rates = []
    for protocol, n in sorted(rated.items()):
        k = responded[protocol]
        low, high = wilson(k, n)
        rates.append(Rate(protocol, n, k, k / n, low, high))
    return rates


@dataclass(frozen=True)
class Trend:
    """A client's course: pain before each session and PSFS, first to latest."""

    client_id: str
    pain_before: tuple[int | None, ...]
    pain_after: tuple[int | None, ...]
    psfs: tuple[float | None, ...]

    @property
    def course_change(self) -> int | None:
        """Latest pain after minus first pain before, when both are known."""
        first = next((p for p in self.pain_before if p is not None), None)
        last = next((p for p in reversed(self.pain_after) if p is not None), None)
        return None if first is None or last is None else last - first


def trend(client_id: str, outcomes: Sequence[SessionOutcome]) -> Trend:
    """The client's sessions in order, as a trend."""
    ordered = sorted(
        (o for o in outcomes if o.client_id == client_id),
        key=lambda o: (o.started_at, o.session_index),
    )
    return Trend(
        client_id,
        tuple(o.pain_before for o in ordered),
        tuple(o.pain_after for o in ordered),
        tuple(o.psfs_mean for o in ordered),
    )


def psfs_mean(scores: Sequence[int]) -> float | None:
    """The Patient-Specific Functional Scale score: the mean of the item scores."""
    return round(sum(scores) / len(scores), 2) if scores else None
