"""A protocol as plain text a therapist can read before a session."""

from __future__ import annotations

from collections.abc import Iterator

from tablework.protocols.schema import Protocol, Sourced


def describe(protocol: Protocol) -> str:
    """The protocol summarised section by section, each line citing its reference points."""
    return "\n".join(_lines(protocol)) + "\n"


def _cite(element: Sourced) -> str:
    return f"  [{', '.join(element.sources)}]" if element.sources else ""


def _lines(p: Protocol) -> Iterator[str]:
    yield f"{p.title}"
    yield f"{p.ref} ({p.status}) - {', '.join(p.metadata.authors)}, {p.metadata.license}"
    yield ""
    yield p.summary
    yield ""
    yield "Scope"
    yield f"  Covers: {', '.join(c.region for c in p.scope.covers)}{_cite(p.scope)}"
    for refused in p.scope.refuses:
        yield f"  Refuses {refused.region}: {refused.reason}{_cite(refused)}"
    yield from _section("Principles", (f"{x.text}{_cite(x)}" for x in p.principles))
    yield from _section(
        "Positions (in order of preference)",
        (
            f"{x.name}: {x.description}{_cite(x)}"
            for x in sorted(p.positions, key=lambda x: x.preference)
        ),
    )
    yield from _section("Supports", (f"{x.name}: {x.placement}{_cite(x)}" for x in p.supports))
    yield from _section("Phases", (f"{x.name}: {x.goal}{_cite(x)}" for x in p.phases))
    yield from _section("Techniques", (_technique_line(p, x.id) for x in p.techniques))
    yield "Check-ins"
    yield (
        f"  Every {p.check_in.interval_seconds} s of contact and on every change of "
        f"{', '.join(p.check_in.on_change)}.{_cite(p.check_in)}"
    )
    e = p.escalation
    caps = ", ".join(f"session {c.from_session}+: {c.max_level}" for c in e.max_level_by_session)
    yield "Pressure"
    yield (
        f"  Start at level {e.start_level}; go up {e.step} level at a time after "
        f"{e.good_check_ins_required} good check-ins and {e.min_seconds_at_level} s at a level; "
        f"caps {caps}.{_cite(e)}"
    )
    tightening = "Tightening under touch: stop that area for the rest of the session."
    yield f"  {tightening}{_cite(p.reactivity)}"
    yield from _section(
        "Later sessions",
        (f"{x.title} (from session {x.from_session}){_cite(x)}" for x in p.follow_up),
    )
    yield from _section(
        "Home care",
        (
            f"{x.name} - {x.plane} {x.motion.replace('_', ' ')}"
            f"{' (acute-safe)' if x.acute_safe else ''}{_cite(x)}"
            for x in p.home_care
        ),
    )
    responder = p.outcomes.responder
    yield "Outcomes"
    yield (
        f"  Pain 0-10 (LOINC {p.outcomes.loinc}); a responder drops >= "
        f"{responder.min_drop_points:g} points or >= {responder.min_drop_percent:g} %."
        f"{_cite(p.outcomes)}"
    )
    yield from _section("Notes", (f"[{', '.join(n.points)}] {n.text}" for n in p.notes))


def _section(title: str, items: Iterator[str]) -> Iterator[str]:
    lines = [f"  - {item}" for item in items]
    if lines:
        yield title
        yield from lines


def _technique_line(p: Protocol, technique_id: str) -> str:
    t = p.technique(technique_id)
    assert t is not None
    levels = f"levels {min(t.levels)}-{max(t.levels)}"
    when = f", from session {t.earliest_session}" if t.earliest_session > 1 else ""
    option = ", optional" if t.optional else ""
    return f"{t.name} ({levels}{when}{option}): {t.description}{_cite(t)}"
