"""A screening result in the therapist's words, for the intake and client pages.

Only wording lives here: the disposition, flags and modifications come from
`tablework.screening` exactly as the API stores them, and whether a session may start is
decided by the API's own admission check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tablework.protocols.loader import get
from tablework.screening.questionnaire import bundled
from tablework.session.modifications import limit_text
from tablework.web.api.sessions import DEFAULT_PROTOCOL

DISPOSITIONS = {
    "emergency": "Emergency: do not treat",
    "urgent_referral": "Urgent referral: do not treat today",
    "no_session_today": "No session today",
    "out_of_scope": "Outside this protocol",
    "modify": "Proceed, with changes",
    "proceed": "Proceed",
}
SEVERITY = {
    "emergency": "danger",
    "urgent_referral": "danger",
    "no_session_today": "warn",
    "out_of_scope": "warn",
    "modify": "warn",
    "proceed": "ok",
}
WHAT_NOW = {
    "emergency": "Send the client to emergency care now. No session can start.",
    "urgent_referral": "The client needs a doctor's review first. No session can start.",
    "no_session_today": "Rebook once this has passed. No session can start today.",
    "out_of_scope": "This protocol covers the lower back only. No session can start.",
}
INCOMPLETE = (
    "Emergency questions were not asked: ask them before any treatment. No session can "
    "start until they are answered."
)


@dataclass(frozen=True)
class FlagView:
    title: str
    severity: str
    advice: str
    source: str
    for_client: bool
    """Advice to read to the client (a flag that blocks), not a note for the therapist."""


@dataclass(frozen=True)
class ScreeningView:
    """What the pages show of one screening result."""

    disposition: str
    label: str
    tone: str
    blocks: bool
    what_now: str | None
    flags: tuple[FlagView, ...]
    limits: tuple[str, ...]
    not_asked: tuple[str, ...]
    emergency_not_asked: tuple[str, ...]


def screening_view(screening: dict[str, Any]) -> ScreeningView:
    """The stored (or previewed) screening JSON, worded for the page. While the result
    blocks a session only the flags that block are shown: a caution's advice ("keep
    pressure at level 2") must not read as leave to treat through a red flag."""
    from tablework.screening.rules import BLOCKING

    disposition = str(screening.get("disposition", ""))
    emergency_not_asked = tuple(screening.get("emergency_not_asked", ()))
    incomplete = disposition not in BLOCKING and bool(emergency_not_asked)
    blocks = disposition in BLOCKING or incomplete
    what_now = INCOMPLETE if incomplete else WHAT_NOW.get(disposition)
    return ScreeningView(
        disposition=disposition,
        label="Incomplete: do not treat yet" if incomplete else DISPOSITIONS.get(disposition, ""),
        tone="danger" if incomplete else SEVERITY.get(disposition, "warn"),
        blocks=blocks,
        what_now=what_now,
        flags=tuple(
            FlagView(
                str(f.get("title", f.get("id", ""))),
                DISPOSITIONS.get(str(f.get("severity")), str(f.get("severity"))),
                str(f.get("advice", "")),
                str(f.get("source", "")),
                f.get("severity") in BLOCKING,
            )
            for f in screening.get("flags", ())
            if f.get("severity") in BLOCKING or not blocks
        ),
        limits=_limits(screening.get("modifications", ())),
        not_asked=tuple(question_text(name) for name in screening.get("not_asked", ())),
        emergency_not_asked=tuple(question_text(name) for name in emergency_not_asked),
    )


def question_text(answer: str) -> str:
    """The question that fills `answer`, as read aloud (the answer name if none does)."""
    for question in bundled().questions():
        if question.answer == answer:
            return question.ask
    return answer.replace("_", " ")


def _limits(modifications: Any) -> tuple[str, ...]:
    protocol = get(DEFAULT_PROTOCOL)
    shown = (limit_text(str(m), protocol) for m in modifications)
    return tuple(text for text in shown if text)
