"""What the session screen shows besides the guidance: the body chart's state, the position,
the work in hand and the screening limits, read off the engine's state (never recomputed).

The stream sends this `view` with every message, so a screen reloaded or opened in a
second tab draws exactly what the engine knows.
"""

from __future__ import annotations

from typing import Any

from tablework.protocols.schema import Protocol
from tablework.session.admission import screening_limits
from tablework.session.model import State


def view(state: State) -> dict[str, Any]:
    """The screen's state as JSON-ready data."""
    work = state.work
    return {
        "position": state.position,
        "supports": sorted(state.supports),
        "work": (
            {"area": work.area, "technique": work.technique, "level": work.level}
            if work is not None
            else None
        ),
        "last_area": state.last_area,
        "last_level": state.last_level,
        "treated": list(state.areas_worked),
        "settled": sorted(state.settled),
        "reactive": sorted(state.reactive_areas),
        "closed": sorted(state.closed_areas),
        "paused": state.paused,
        "ending": state.ending,
        "ended": state.ended,
        "check_ins": state.check_ins,
        "last_pain": state.last_pain,
        "pain_before": state.pain_before,
        "limits": [reason.text for reason in screening_limits(state)],
    }


def chart(protocol: Protocol) -> dict[str, Any]:
    """The protocol's areas, techniques, positions and supports, for the page's controls."""
    return {
        "areas": {
            a.id: {"name": a.name, "side": a.side, "surface": a.surface, "role": a.role}
            for a in protocol.areas
        },
        "techniques": [
            {
                "id": t.id,
                "name": t.name,
                "broad": t.broad,
                "levels": list(t.levels),
                "areas": list(t.areas),
            }
            for t in protocol.techniques
        ],
        "positions": [
            {"id": p.id, "name": p.name, "supports": list(p.supports)} for p in protocol.positions
        ],
        "supports": {s.id: s.name for s in protocol.supports},
    }
