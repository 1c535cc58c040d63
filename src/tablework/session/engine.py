"""The advisor: from the session state, the one thing the therapist should do next.

`advise(state, at)` is pure. `at` may be later than the last event (a live screen asks again
as time passes), which is how an overdue check-in shows up without any new event. Rules are
checked most protective first: screening blocks, refusals, stop and tightening, positioning,
check-ins, then the pace of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tablework.protocols.schema import Phase, Protocol, Technique, sentence_case
from tablework.session import admission
from tablework.session.admission import cite
from tablework.session.events import Event, EventError, SessionStarted
from tablework.session.guidance import Action, Guidance, Reason
from tablework.session.state import State, Work, apply, start

CHECK_IN_ALSO_DUE = "A check-in is also due now."
BLOCKED_PROMPTS = {
    "emergency": "DO NOT TREAT. Send the client to emergency care now.",
    "urgent_referral": "Do not treat today: the client needs a doctor's review first.",
    "no_session_today": "No session today: rebook when this has passed.",
    "out_of_scope": "Not covered by this protocol: it guides lower-back work only.",
    "": "Do not treat without a documented clearance.",
}


def replay(protocol: Protocol, events: Iterable[Event]) -> State:
    """Rebuild a session's state from its events, the first being `session_started`."""
    iterator = iter(events)
    first = next(iterator, None)
    if not isinstance(first, SessionStarted):
        raise EventError("a session's first event must be session_started")
    state = start(first, protocol)
    for event in iterator:
        state = apply(state, event)
    return state


def advise(state: State, at: float | None = None) -> Guidance:
    """What to do now, `at` seconds into the session (default: the time of the last event)."""
    now = state.last_at if at is None else max(at, state.last_at)
    due = state.check_in_due_at()
    guidance = _decide(state, now)
    if due is None:
        return guidance
    reasons = guidance.reasons
    if now >= due and guidance.action != "check_in_now":
        # Something more urgent comes first, but the overdue check-in is never silent.
        reasons = (*reasons, cite(state.protocol.check_in, CHECK_IN_ALSO_DUE))
    return replace(guidance, check_in_due_at=due, reasons=reasons)


def _decide(state: State, now: float) -> Guidance:
    if state.ended:
        return _ended(state)
    if state.blocked:
        disposition = (state.screening or {}).get("disposition", "")
        return Guidance(
            "refused",
            BLOCKED_PROMPTS.get(disposition, BLOCKED_PROMPTS[""]),
            reasons=admission.blocked_reasons(state),
        )
    if state.refusal is not None:
        return _refused(state)
    if state.last_event in ("check_in", "tightening_observed"):
        stop = _stop(state)
        if stop is not None:
            return stop
    if not state.positioned:
        return _position(state)
    if state.last_event == "positioned":
        adjust = _adjust_supports(state)
        if adjust is not None:
            return adjust
    if state.work is not None:
        return _while_working(state, state.work, now)
    return _next(state)


def _ended(state: State) -> Guidance:
    after = f"; pain after {state.pain_after}/10" if state.pain_after is not None else ""
    return Guidance(
        "end_session",
        f"Session ended{after}. Draft the note.",
        reasons=(cite(state.protocol.outcomes, "Record pain before and after."),),
    )


def _refused(state: State) -> Guidance:
    refusal = state.refusal
    assert refusal is not None
    reasons = refusal.reasons
    what = "This work" if refusal.area else "This position"
    how = (
        "Go ahead only with a recorded reason."
        if refusal.overridable
        else "It cannot be overridden."
    )
    return Guidance(
        "refused",
        f"{what} is not advised now. {how}",
        area=refusal.area,
        technique=refusal.technique,
        level=refusal.level,
        reasons=reasons,
        overridable=refusal.overridable,
    )


def _stop(state: State) -> Guidance | None:
    protocol = state.protocol
    if state.signal == "tightening":
        area = state.reactive[-1][0]
        return Guidance(
            "stop_area",
            f"Stop working {protocol.area_name(area)}: it tightened. "
            "Leave it for the rest of the session.",
            area=area,
            reasons=(
                cite(
                    protocol.reactivity,
                    "The area tightened in response to touch, so it is too reactive to work today.",
                ),
            ),
        )
    if state.signal == "stop":
        return Guidance(
            "stop_area",
            "Stop now: the client asked you to stop.",
            area=state.last_area,
            reasons=(cite(protocol.check_in, "The client said stop."),),
        )
    return None


def _position(state: State) -> Guidance:
    protocol = state.protocol
    mods = state.modifications
    positions = sorted(protocol.positions, key=lambda p: p.preference)
    if mods.no_prone:
        positions = [p for p in positions if p.id != "prone"]
    if mods.prefer_side_lying_left:
        positions.sort(key=lambda p: p.id != "side_lying_left")
    chosen = positions[0]
    reasons = [cite(chosen, chosen.description)]
    if mods.no_prone:
        reasons.append(
            admission.screening_reason("no_prone", "No lying face down for this client.")
        )
    not_asked = (state.screening or {}).get("not_asked") or []
    if not_asked:
        reasons.append(
            Reason(
                "screening:incomplete",
                f"The screen is incomplete: {len(not_asked)} safety question(s) were not "
                "asked. Ask them before treating.",
            )
        )
    if state.clearance is not None:
        clearance = state.clearance
        reasons.append(
            Reason(
                "clearance",
                f"Cleared to treat by {clearance.by} ({clearance.when}). {clearance.note}".strip(),
            )
        )
    if mods.clinician_approval_advised:
        reasons.append(
            admission.screening_reason(
                "clinician_approval_advised", "Check the client has their clinician's approval."
            )
        )
    if mods.emphasize_hip_pillow and "hip_pillow_asis" in chosen.supports:
        reasons.append(
            Reason(
                "P3",
                "The hip pillow matters most for a larger body or a pronounced lower-back curve.",
            )
        )
    return Guidance(
        "position_client",
        f"Position the client: {sentence_case(chosen.name)}; let them adjust the supports.",
        position=chosen.id,
        supports=chosen.supports,
        reasons=tuple(reasons),
    )


def _adjust_supports(state: State) -> Guidance | None:
    protocol = state.protocol
    position = next(p for p in protocol.positions if p.id == state.position)
    missing = tuple(s for s in position.supports if s not in state.supports)
    adjustable = [s for s in protocol.supports if s.id in position.supports and s.client_adjusts]
    if not missing and (state.client_adjusted or not adjustable):
        return None
    supports = [s for s in protocol.supports if s.id in position.supports]
    if missing:
        names = ", ".join(sentence_case(s.name) for s in supports if s.id in missing)
        prompt = f"Add the {names}, then let the client adjust it."
    else:
        prompt = "Invite the client to shift the supports until the back feels easiest."
    return Guidance(
        "adjust_supports",
        prompt,
        position=position.id,
        supports=position.supports,
        reasons=tuple(cite(s, s.placement) for s in supports),
    )


def _while_working(state: State, work: Work, now: float) -> Guidance:
    protocol = state.protocol
    cap = state.level_cap()
    if work.level > cap:  # reached through an override: never endorse it, lead back down
        reason = cite(
            protocol.escalation, f"Session {state.session_index} stays at level {cap} or below."
        )
        return _decrease(state, work, cap, reason)
    due = state.check_in_due_at()
    if due is not None and now >= due:
        return Guidance(
            "check_in_now",
            "Check in: ask about pressure (lighter, good, deeper).",
            area=work.area,
            technique=work.technique,
            level=work.level,
            reasons=(cite(protocol.check_in, "A check-in is due."),),
            check_in_due_at=due,
        )
    if state.signal in ("lighter", "pain_rise"):
        lower = max(work.level - 1, 0)
        return _decrease(state, work, lower, _lighter_reason(state))
    phase = state.phase
    if phase is None:
        return _end_of_plan(state)
    if not state.areas_in_phase:  # a new phase began: lead the hands to its first area
        return _next(state)
    limit = min(state.level_cap(), phase.max_level)
    if work.level > limit:
        return _decrease(state, work, limit, cite(phase, f"{phase.name}: level {limit} or below."))
    step = protocol.escalation.step
    if admission.may_increase(state) and work.level + step <= limit:
        technique = _technique_for(state, work, work.level + step)
        if technique is not None:
            return Guidance(
                "increase_level",
                f"The client is settling: you may go to level {work.level + step}.",
                area=work.area,
                technique=technique.id,
                level=work.level + step,
                reasons=(
                    cite(
                        protocol.escalation,
                        "Good check-ins and enough time at this level: build up gradually.",
                    ),
                ),
            )
    return Guidance(
        "continue",
        f"Continue: {protocol.technique_name(work.technique)} on "
        f"{protocol.area_name(work.area)}, level {work.level}.",
        area=work.area,
        technique=work.technique,
        level=work.level,
        reasons=(cite(phase, phase.goal),),
    )


def _lighter_reason(state: State) -> Reason:
    if state.signal == "lighter":
        return cite(state.protocol.check_in, "The client asked for lighter pressure.")
    return Reason("P2", "Pain went up during the work: ease off.")


def _decrease(state: State, work: Work, level: int, reason: Reason) -> Guidance:
    technique = _technique_for(state, work, level)
    return Guidance(
        "decrease_level",
        f"Ease off to level {level}.",
        area=work.area,
        technique=technique.id if technique else work.technique,
        level=level,
        reasons=(reason,),
    )


def _technique_for(state: State, work: Work, level: int) -> Technique | None:
    """The current technique if it allows `level`, else the first usable one that does."""
    current = state.protocol.technique(work.technique)
    if current is not None and level in current.levels:
        return current
    phase = state.phase
    if phase is None:
        return None
    return next(
        (t for t in admission.usable_techniques(state, phase, work.area) if level in t.levels), None
    )


def _next(state: State) -> Guidance:
    """Where to work next: `begin` for the first work, `move_to_area` afterwards."""
    protocol = state.protocol
    phase = state.phase
    suggestion = _suggest(state) if phase is not None else None
    if phase is None or suggestion is None:
        return _end_of_plan(state)
    area, technique, level = suggestion
    action: Action = "move_to_area" if state.worked_before else "begin"
    verb = "Move to" if state.worked_before else "Begin on"
    return Guidance(
        action,
        f"{verb} {protocol.area_name(area)}: {sentence_case(technique.name)}, level {level}.",
        area=area,
        technique=technique.id,
        level=level,
        reasons=_start_reasons(state, phase),
    )


def _start_reasons(state: State, phase: Phase) -> tuple[Reason, ...]:
    escalation = state.protocol.escalation
    reasons = [cite(phase, f"{phase.name}: {phase.goal}")]
    if not state.worked_before:
        reasons.append(cite(escalation, "Start slow and broad, at a low level."))
    return tuple(reasons)


def _suggest(state: State) -> tuple[str, Technique, int] | None:
    phase = state.phase
    assert phase is not None
    areas = admission.workable_areas(state, phase)
    current = state.work.area if state.work else state.last_area
    fresh = [a for a in areas if a not in state.areas_in_phase and a != current]
    for area in fresh or areas:
        techniques = admission.usable_techniques(state, phase, area)
        broad_first = sorted(techniques, key=lambda t: not t.broad)
        level = min(state.protocol.escalation.start_level, state.level_cap(), phase.max_level)
        for technique in broad_first:
            if level in technique.levels:
                return area, technique, level
            allowed = [
                lv for lv in technique.levels if lv <= min(state.level_cap(), phase.max_level)
            ]
            if allowed:
                return area, technique, min(allowed)
    return None


def _end_of_plan(state: State) -> Guidance:
    return Guidance(
        "end_session",
        "The plan for today is done: close gently and ask for a pain rating.",
        reasons=(cite(state.protocol.outcomes, "Ask for pain 0-10 before the client gets up."),),
    )
