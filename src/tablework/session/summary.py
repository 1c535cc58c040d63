"""A session's state summed up for people and scripts: what was done, and what it showed."""

from __future__ import annotations

from typing import Any

from tablework.session.guidance import seconds_json as _n
from tablework.session.state import State


def summarize(state: State) -> dict[str, Any]:
    """The facts a note, a report or a golden test needs from a finished (or live) session."""
    phase = state.phase
    return {
        "protocol": state.protocol.ref,
        "session_index": state.session_index,
        "ended": state.ended,
        "blocked": state.blocked,
        "clearance": state.clearance.model_dump() if state.clearance else None,
        "modifications": list(state.modifications.ids),
        "pain_before": state.pain_before,
        "pain_after": state.pain_after,
        "position": state.position,
        "supports": sorted(state.supports),
        "client_adjusted_supports": state.client_adjusted,
        "areas_worked": list(state.areas_worked),
        "reactive_areas": [{"area": area, "at": _n(at)} for area, at in state.reactive],
        "max_level": state.max_level,
        "contact_seconds": _n(state.contact_seconds),
        "check_ins": state.check_ins,
        "phase": phase.id if phase else "complete",
        "deviations": [
            {
                "at": _n(d.at),
                "area": d.area,
                "technique": d.technique,
                "level": d.level,
                "reason": d.reason,
                "rules": [r.as_json() for r in d.rules],
            }
            for d in state.deviations
        ],
        "refusals": [
            {
                "at": _n(r.at),
                "area": r.area,
                "technique": r.technique,
                "level": r.level,
                "overridable": r.overridable,
                "reasons": [x.as_json() for x in r.reasons],
            }
            for r in state.refusals
        ],
    }
