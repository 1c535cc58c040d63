"""A screening result as text for the therapist: the decision first, unmistakably."""

from __future__ import annotations

from collections.abc import Iterator

from tablework.screening.rules import BLOCKING
from tablework.screening.screen import ScreeningResult

HEADLINES = {
    "emergency": "DO NOT TREAT. EMERGENCY: send the client to an emergency department now "
    "(or call emergency services).",
    "urgent_referral": "DO NOT TREAT TODAY. Refer the client to a doctor within days (no "
    "later than two weeks) before any lower-back work.",
    "no_session_today": "NO SESSION TODAY. Rebook once this has passed.",
    "out_of_scope": "NOT COVERED. This protocol guides lower-back work only (P1).",
    "modify": "PROCEED WITH CHANGES. Treat, with the changes below.",
    "proceed": "PROCEED. No red flags or cautions in the answers given.",
}


def report(result: ScreeningResult) -> str:
    """The result in plain text: headline, flags with advice, changes, missing questions."""
    return "\n".join(_lines(result)) + "\n"


def _headlines(result: ScreeningResult) -> Iterator[str]:
    """The decision first. An incomplete screen never reads as "proceed"."""
    incomplete = (
        f"SCREEN INCOMPLETE: {len(result.not_asked)} safety question(s) not asked; "
        "ask them before treating."
    )
    blocking = result.disposition in BLOCKING
    if result.emergency_not_asked and result.disposition != "emergency":
        yield (
            f"DO NOT TREAT YET: {len(result.emergency_not_asked)} emergency question(s) not "
            "asked. Ask them, or record why they could not be asked, before any treatment."
        )
        if blocking:
            yield HEADLINES[result.disposition]
        yield incomplete
    elif blocking or result.complete:
        yield HEADLINES[result.disposition]
        if not result.complete:
            yield incomplete
    else:
        yield incomplete
        if result.disposition == "modify":
            yield "Until they are asked, apply the changes below."


def _lines(result: ScreeningResult) -> Iterator[str]:
    yield from _headlines(result)
    yield ""
    last_giving: dict[str, str] = {flag.advice: flag.id for flag in result.flags}
    for flag in result.flags:
        yield f"[{flag.severity.replace('_', ' ')}] {flag.title}"
        if last_giving[flag.advice] == flag.id:  # shared advice once, after its last flag
            yield f"  Say: {flag.advice}"
        yield f"  Source: {flag.source}"
    if result.modifications:
        yield ""
        yield "Session changes: " + ", ".join(result.modifications)
    if result.not_asked:
        yield ""
        yield "Not asked: " + ", ".join(result.not_asked)
