"""A client's course as a small SVG line chart that reads without colour.

Each series has its own marker shape and line pattern, every point is labelled with its
value, and the page prints the same numbers as a table under the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tablework.store.summaries import SessionSummary

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 20, 52
MAX_POINTS = 20
"""The chart draws the latest sessions only; the table under it lists them all."""


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: str


@dataclass(frozen=True)
class Series:
    name: str
    marker: str
    """circle, square or diamond: the shape says which series a point belongs to."""
    dash: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """What the template draws: series, axis ticks and labels, in SVG units."""

    title: str
    description: str
    y_label: str
    x_label: str
    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def pain_chart(summaries: Sequence[SessionSummary]) -> Chart | None:
    """Pain before and after each session, 0-10; None when no session has a rating."""
    before = [s.pain_before for s in summaries]
    after = [s.pain_after for s in summaries]
    if all(v is None for v in (*before, *after)):
        return None
    return _chart(
        "Pain by session",
        "Pain rating 0 to 10 before (circles, solid line) and after (squares, dashed line) "
        "each session, first to latest.",
        "Pain (0-10)",
        summaries,
        (("Before", "circle", "", before), ("After", "square", "6 4", after)),
    )


def psfs_chart(summaries: Sequence[SessionSummary]) -> Chart | None:
    """The PSFS mean (0-10, higher is better) at each session's intake; None without any."""
    scores = [s.psfs_mean for s in summaries]
    if all(v is None for v in scores):
        return None
    return _chart(
        "Function (PSFS) by session",
        "Patient-Specific Functional Scale mean, 0 (cannot do) to 10 (as before), at each "
        "session's intake (diamonds), first to latest.",
        "PSFS mean (0-10)",
        summaries,
        (("PSFS mean", "diamond", "", scores),),
    )


def _chart(
    title: str,
    description: str,
    y_label: str,
    summaries: Sequence[SessionSummary],
    lines: Sequence[tuple[str, str, str, Sequence[float | int | None]]],
) -> Chart:
    summaries = summaries[-MAX_POINTS:]
    lines = [(name, marker, dash, values[-MAX_POINTS:]) for name, marker, dash, values in lines]
    xs = _x_positions(len(summaries))
    series = tuple(
        Series(
            name,
            marker,
            dash,
            tuple(
                Point(x, _y(value), _shown(value))
                for x, value in zip(xs, values, strict=True)
                if value is not None
            ),
        )
        for name, marker, dash, values in lines
    )
    return Chart(
        title=title,
        description=description,
        y_label=y_label,
        x_label="Session",
        series=series,
        x_ticks=tuple(Tick(x, f"#{s.session_index}") for x, s in zip(xs, summaries, strict=True)),
        y_ticks=tuple(Tick(_y(v), str(v)) for v in range(0, 11, 2)),
    )


def _x_positions(count: int) -> list[float]:
    inset = 44  # room for a value label beside the first and last points
    span = (WIDTH - RIGHT) - LEFT - 2 * inset
    if count == 1:
        return [LEFT + inset + span / 2]
    return [LEFT + inset + span * i / (count - 1) for i in range(count)]


def _y(value: float) -> float:
    return TOP + (HEIGHT - BOTTOM - TOP) * (1 - value / 10)


def _shown(value: float) -> str:
    return f"{value:g}"
