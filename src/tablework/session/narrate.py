"""Sessions as text a therapist can read: a timeline of events, each with its guidance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tablework.protocols.schema import Protocol
from tablework.session.events import (
    CheckIn,
    Event,
    Note,
    Positioned,
    Retracted,
    SessionEnded,
    SessionStarted,
    TighteningObserved,
    WorkStarted,
    WorkStopped,
)
from tablework.session.guidance import Guidance


def clock(seconds: float) -> str:
    """Session time as m:ss."""
    whole = int(seconds)
    return f"{whole // 60:>2}:{whole % 60:02d}"


def describe_event(event: Event, protocol: Protocol) -> str:
    """One event in plain words."""
    if isinstance(event, SessionStarted):
        return f"Session {event.session_index} started under {event.protocol}"
    if isinstance(event, Positioned):
        supports = ", ".join(protocol.support_name(s) for s in event.supports) or "no supports"
        adjusted = ", client adjusted" if event.client_adjusted else ""
        return f"Positioned {event.position.replace('_', ' ')} ({supports}{adjusted})"
    if isinstance(event, WorkStarted):
        override = f" [override: {event.override_reason}]" if event.override_reason else ""
        return (
            f"Work: {protocol.technique_name(event.technique)} on "
            f"{protocol.area_name(event.area)}, level {event.level}{override}"
        )
    if isinstance(event, CheckIn):
        parts = [f"pressure {event.pressure}"] if event.pressure else []
        if event.pain is not None:
            parts.append(f"pain {event.pain}/10")
        if event.tightening:
            parts.append("tightening")
        return "Check-in: " + ", ".join(parts)
    if isinstance(event, TighteningObserved):
        return f"Tightening felt in {protocol.area_name(event.area)}"
    if isinstance(event, WorkStopped):
        return f"Stopped work on {protocol.area_name(event.area)}"
    if isinstance(event, Note):
        return f"Note: {event.text}"
    if isinstance(event, Retracted):
        return f"Retracted event {event.seq} (recorded by mistake): {event.reason}"
    assert isinstance(event, SessionEnded)
    after = f", pain after {event.pain_after}/10" if event.pain_after is not None else ""
    return f"Session ended{after}"


def describe_guidance(guidance: Guidance) -> str:
    """The guidance line: the prompt with its cited points."""
    points = ", ".join(dict.fromkeys(r.point for r in guidance.reasons))
    cited = f"  [{points}]" if points else ""
    return f"-> {guidance.action.upper().replace('_', ' ')}: {guidance.prompt}{cited}"


def timeline(steps: list[tuple[Event, Guidance]], protocol: Protocol) -> Iterator[str]:
    """Alternate event and guidance lines, ready to print."""
    for event, guidance in steps:
        yield f"{clock(event.at)}  {describe_event(event, protocol)}"
        yield f"       {describe_guidance(guidance)}"
        if guidance.action == "refused":
            yield from reason_lines(guidance)


def reason_lines(guidance: Guidance) -> Iterator[str]:
    """Each distinct reason once, with every point that gives it."""
    points: dict[str, list[str]] = {}
    for reason in guidance.reasons:
        points.setdefault(reason.text, []).append(reason.point)
    for text, cited in points.items():
        yield f"         {', '.join(cited)}: {text}"


def summary_lines(summary: dict[str, Any], protocol: Protocol) -> Iterator[str]:
    """The closing summary in plain words."""
    yield "Summary"
    before, after = summary["pain_before"], summary["pain_after"]
    if before is not None or after is not None:
        yield f"  Pain: {_pain(before)} before, {_pain(after)} after"
    worked = ", ".join(protocol.area_name(a) for a in summary["areas_worked"]) or "none"
    yield f"  Areas worked: {worked}"
    highest = "none" if summary["max_level"] is None else summary["max_level"]
    yield (
        f"  Highest level: {highest}; check-ins: {summary['check_ins']}; "
        f"contact: {clock(summary['contact_seconds']).strip()}"
    )
    if summary["clearance"]:
        clearance = summary["clearance"]
        yield f"  Cleared to treat by {clearance['by']} ({clearance['when']}): {clearance['note']}"
    for item in summary["reactive_areas"]:
        yield (
            f"  Reactive (tightened, left alone): {protocol.area_name(item['area'])} at "
            f"{clock(item['at']).strip()}"
        )
    for item in summary["deviations"]:
        rules = ", ".join(dict.fromkeys(r["point"] for r in item["rules"]))
        yield f"  Deviation at {clock(item['at']).strip()} ({rules}): {item['reason']}"
    if summary["refusals"]:
        yield f"  Refused: {len(summary['refusals'])} time(s)"


def _pain(value: int | None) -> str:
    return "not rated" if value is None else f"{value}/10"
