"""The advisor: from the session state, the one thing the therapist should do next.

`advise(state, at)` is pure. `at` may be later than the last event (a live screen asks again
as time passes), which is how an overdue check-in shows up without any new event. Rules are
checked most protective first: screening blocks, refusals, the safety routine (end early,
pause), tightening, positioning, check-ins, then the pace of work and the day's plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tablework.protocols.schema import Position, Protocol, Technique, sentence_case
from tablework.session import admission
from tablework.session.admission import cite
from tablework.session.events import Event, EventError, SessionStarted
from tablework.session.guidance import Action, Guidance, Reason
from tablework.session.model import State, Work
from tablework.session.plan import PlannedPhase, allowed_positions, phase_positions
from tablework.session.state import apply, start

CHECK_IN_ALSO_DUE = "A check-in is also due now."
ASK_PAIN = "Ask for a pain rating (0-10) before the client gets up."
BLOCKED_PROMPTS = {
    "emergency": "DO NOT TREAT. Send the client to emergency care now.",
    "urgent_referral": "Do not treat today: the client needs a doctor's review first.",
    "no_session_today": "No session today: rebook when this has passed.",
    "out_of_scope": "Not covered by this protocol: it guides lower-back work only.",
    "incomplete": "Do not treat yet: ask the missing emergency questions first.",
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
        return Guidance(
            "refused",
            BLOCKED_PROMPTS.get(state.block_kind or "", BLOCKED_PROMPTS[""]),
            reasons=admission.blocked_reasons(state),
        )
    if state.refusal is not None:
        return _refused(state)
    if state.ending is not None:
        return _end_early(state)
    if state.paused is not None:
        return _pause(state)
    if state.last_event in ("check_in", "tightening_observed") and state.signal == "tightening":
        return _stop_area(state)
    if state.last_event == "check_in" and state.signal == "lighter_at_zero":
        return _lightest_already(state)
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
    if state.pain_after is None:
        return Guidance(
            "end_session",
            "Session ended without a pain rating: ask the client for pain 0-10 and add it "
            "to the note.",
            reasons=(cite(state.protocol.outcomes, "Record pain before and after."),),
        )
    before = state.pain_before
    if before is not None and state.pain_after > before:
        return Guidance(
            "end_session",
            f"Session ended; pain after {state.pain_after}/10 is higher than before "
            f"({before}/10). Advise rest and a review with a doctor if it keeps getting worse; "
            "the note records an adverse response.",
            reasons=(
                cite(state.protocol.safety_routine, "Pain was worse after the session."),
                cite(state.protocol.outcomes, "Record pain before and after."),
            ),
        )
    return Guidance(
        "end_session",
        f"Session ended; pain after {state.pain_after}/10. Draft the note.",
        reasons=(cite(state.protocol.outcomes, "Record pain before and after."),),
    )


def _refused(state: State) -> Guidance:
    refusal = state.refusal
    assert refusal is not None
    what = "This work" if refusal.area else "This position"
    how = (
        "Go ahead only with a recorded reason."
        if refusal.overridable
        else "It cannot be overridden."
    )
    prompt = f"{what} is not advised now. {how}"
    if refusal.position is not None:
        better = _better_position(state, refusal.position)
        if better is not None:
            prompt += f" Use {sentence_case(better.name)} instead."
    return Guidance(
        "refused",
        prompt,
        area=refusal.area,
        technique=refusal.technique,
        level=refusal.level,
        position=refusal.position,
        reasons=refusal.reasons,
        overridable=refusal.overridable,
    )


def _better_position(state: State, refused: str) -> Position | None:
    allowed = [p for p in _allowed_positions(state) if p.id != refused]
    return allowed[0] if allowed else None


def _end_early(state: State) -> Guidance:
    if state.ending == "reactive":
        return Guidance(
            "end_session",
            f"The back is too reactive today ({len(state.reactive_areas)} areas tightened): "
            f"close gently and end the session. {ASK_PAIN}",
            reasons=(admission.ending_reason(state),),
        )
    return Guidance(
        "end_session",
        "End the session now: pain keeps rising. Advise rest and a review with a doctor if "
        f"it keeps getting worse. {ASK_PAIN}",
        reasons=(admission.ending_reason(state),),
    )


def _pause(state: State) -> Guidance:
    protocol = state.protocol
    area = state.pause_area
    where = f" {protocol.area_name(area)}" if area else ""
    answer = "Record their answer (lighter, good or deeper) to go on."
    if state.paused == "stop":
        prompt = "Hands off now: the client asked you to stop. Ask what happened; go on only "
        cap = state.area_caps.get(area) if area else None
        limit = f", and not above level {cap} on{where}" if cap is not None else ""
        prompt += f"when they agree{limit}. {answer}"
        reasons = [cite(protocol.check_in, "The client said stop.")]
    else:
        done = f"; {where.strip()} is done for today" if area else ""
        prompt = (
            f"Hands off: pain is {state.last_pain}/10. Ask what changed{done}. If it does not "
            f"ease, end the session. {answer}"
        )
        reasons = [cite(protocol.safety_routine, "Pain rose during the work: stop and ask (P2).")]
    closed = state.closed(area) if area else None
    if closed is not None and closed.why == "tightening":
        prompt += f" {protocol.area_name(area or '').capitalize()} tightened: leave it today."
        reasons.append(admission.closed_reason(state, "tightening"))
    return Guidance("pause", prompt, area=area, reasons=tuple(reasons))


def _lightest_already(state: State) -> Guidance:
    area = state.last_area
    where = state.protocol.area_name(area) if area else "this area"
    return Guidance(
        "stop_area",
        f"Already at the lightest level: take your hands off {where} and ask; leave it for "
        "today if it stays uncomfortable.",
        area=area,
        reasons=(
            cite(state.protocol.check_in, "The client asked for lighter at a still hold."),
            cite(state.protocol.safety_routine, "Less is more today: do not push on."),
        ),
    )


def _stop_area(state: State) -> Guidance:
    protocol = state.protocol
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


def _allowed_positions(state: State) -> list[Position]:
    planned = state.planned_phase
    phase = planned.phase if planned else None
    if phase is None or not phase.positions:
        return allowed_positions(state.protocol, state.modifications)
    return phase_positions(state.protocol, phase, state.modifications)


def _position(state: State) -> Guidance:
    chosen = _allowed_positions(state)[0]
    reasons = [cite(chosen, chosen.description)]
    reasons.extend(admission.screening_limits(state))
    not_asked = (state.screening or {}).get("not_asked") or []
    if not_asked:
        names = ", ".join(str(n).replace("_", " ") for n in not_asked)
        reasons.append(
            Reason(
                "screening:incomplete",
                f"Not asked: {names}. Ask before treating; until then the session stays on "
                "the safe side.",
            )
        )
    elif state.screening is None:
        reasons.append(
            Reason("screening:none", "No screening is on record: screen the client first.")
        )
    if state.clearance is not None:
        clearance = state.clearance
        reasons.append(
            Reason(
                "clearance",
                f"Cleared to treat by {clearance.by} ({clearance.when}). {clearance.note}".strip(),
            )
        )
        reasons.extend(_cleared_flags(state))
    if state.modifications.emphasize_hip_pillow and "hip_pillow_asis" in chosen.supports:
        reasons.append(
            Reason(
                "P3",
                "The hip pillow matters most for a larger body or a pronounced lower-back curve.",
            )
        )
    reasons.extend(_plan_reasons(state))
    return Guidance(
        "position_client",
        f"Position the client: {sentence_case(chosen.name)}; let them adjust the supports.",
        position=chosen.id,
        supports=chosen.supports,
        reasons=tuple(reasons),
    )


def _cleared_flags(state: State) -> list[Reason]:
    """The flags a clearance overrode, still said at the start: cleared is not forgotten."""
    flags = [f for f in (state.screening or {}).get("flags", []) if isinstance(f, dict)]
    return [
        Reason(
            f"screening:{f.get('id')}",
            f"Cleared, but keep in mind: {f.get('title')}. Stop and refer if it comes back.",
        )
        for f in flags
        if f.get("severity") in ("emergency", "urgent_referral")
    ]


def _plan_reasons(state: State) -> list[Reason]:
    """What today's plan takes from earlier sessions (CLINICAL.md 10)."""
    protocol = state.protocol
    reasons = []
    for item in state.plan.follow_ups:
        if item.areas:
            reasons.append(cite(item, f"Today's plan includes {sentence_case(item.title)}."))
    for withheld in state.plan.withheld:
        if withheld.follow_up.areas and withheld.follow_up.from_session <= state.session_index:
            reasons.append(
                cite(
                    withheld.follow_up,
                    f"Not today: {sentence_case(withheld.follow_up.title)}, {withheld.why}.",
                )
            )
    last = state.history.last
    restart = protocol.reactivity.next_session_level
    if last is not None and restart is not None:
        for area in last.reactive_areas:
            if protocol.area(area) is not None:
                reasons.append(
                    cite(
                        protocol.reactivity,
                        f"{protocol.area_name(area).capitalize()} tightened last time: "
                        f"level {restart} there until it settles.",
                    )
                )
    return reasons


def _adjust_supports(state: State) -> Guidance | None:
    protocol = state.protocol
    position = admission.current_position(state)
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
    cap = _limit(state, work.area)
    if work.level > cap:  # reached through an override: never endorse it, lead back down
        reason = cite(protocol.escalation, f"Level {cap} or below here today.")
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
    ceiling = state.lighter_ceiling(work.area)
    if ceiling is not None and work.level > ceiling and not work.overridden:
        reason = cite(protocol.check_in, "The client asked for lighter pressure at this level.")
        return _decrease(state, work, ceiling, reason)
    if state.signal in ("lighter", "pain_rise"):
        lower = max(work.level - 1, 0)
        if lower < work.level:
            return _decrease(state, work, lower, _lighter_reason(state))
    planned = state.planned_phase
    if planned is None:
        return _end_of_plan(state)
    settled = state.last_event != "work_started" and work.area in state.settled
    if settled and planned.area(work.area) is None:  # its phase is over: on to the next
        onward = _onward(state, work)
        if onward is not None:
            return onward
    step = protocol.escalation.step
    if state.signal == "deeper" and work.level + step > cap:
        return Guidance(
            "continue",
            f"Level {cap} is the limit here today: stay at level {cap}.",
            area=work.area,
            technique=work.technique,
            level=work.level,
            reasons=(_limit_reason(state, work.area, cap),),
        )
    if not work.overridden and admission.may_increase(state) and work.level + step <= cap:
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
    if settled:
        onward = _onward(state, work)
        if onward is not None:
            return onward
    home = admission.home_phase(state, work.area) or planned
    return Guidance(
        "continue",
        f"Continue: {protocol.technique_name(work.technique)} on "
        f"{protocol.area_name(work.area)}, level {work.level}.",
        area=work.area,
        technique=work.technique,
        level=work.level,
        reasons=(cite(home.phase, home.phase.goal),),
    )


def _onward(state: State, work: Work) -> Guidance | None:
    """Where to go once the area being worked has settled: another area, or a turn."""
    suggestion = _suggest(state)
    if suggestion is not None:
        return _move(state, suggestion, settled=work.area) if suggestion[0] != work.area else None
    return _turn(state)


def _limit(state: State, area: str) -> int:
    """The highest level for `area` now: caps of session, screening, phase and area."""
    limit = min(state.level_cap(), admission.phase_max_level(state, area))
    ceiling = state.lighter_ceiling(area)
    if ceiling is not None and (state.work is None or state.work.area != area):
        limit = min(limit, ceiling)
    area_cap = state.area_cap(area)
    return limit if area_cap is None else min(limit, area_cap)


def _limit_reason(state: State, area: str, cap: int) -> Reason:
    """Why `cap` is the highest level for `area` now: screening, the area, session or phase."""
    mods = state.modifications
    if mods.cap_level is not None and mods.cap_level == cap:
        return admission.screening_reason(state, mods.cap_cause(), f"Level capped at {cap}")
    area_cap = state.area_cap(area)
    if area_cap is not None and area_cap == cap:
        return admission.area_cap_reason(state, area, cap)
    if state.protocol.max_level_for_session(state.session_index) == cap:
        return cite(
            state.protocol.escalation,
            f"Session {state.session_index} stays at level {cap} or below: build up over sessions.",
        )
    home = admission.home_phase(state, area)
    phase = home.phase if home else state.phase
    assert phase is not None
    return cite(phase, f"{phase.name}: level {cap} or below.")


def _lighter_reason(state: State) -> Reason:
    if state.signal == "lighter":
        return cite(state.protocol.check_in, "The client asked for lighter pressure.")
    return cite(state.protocol.safety_routine, "Pain went up during the work: ease off.")


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
    usable = admission.usable_techniques(state, work.area, level)
    return sorted(usable, key=lambda t: not t.broad)[0] if usable else None


Suggestion = tuple[str, Technique, int, PlannedPhase]


def _next(state: State) -> Guidance:
    """Where to work next: `begin` for the first work, `move_to_area` afterwards."""
    if state.planned_phase is None:
        return _end_of_plan(state)
    suggestion = _suggest(state)
    if suggestion is not None:
        return _move(state, suggestion)
    turn = _turn(state)
    if turn is not None:
        return turn
    return _end_of_plan(state)


def _move(state: State, suggestion: Suggestion, settled: str | None = None) -> Guidance:
    protocol = state.protocol
    area, technique, level, planned = suggestion
    action: Action = "move_to_area" if state.worked_before else "begin"
    verb = "Move to" if state.worked_before else "Begin on"
    option = "Option: " if technique.optional and "option" not in technique.name.lower() else ""
    prompt = (
        f"{option}{verb} {protocol.area_name(area)}: {sentence_case(technique.name)}, "
        f"level {level}."
    )
    reasons = []
    if settled is not None:
        reasons.append(
            cite(
                protocol.settling_rule,
                f"{protocol.area_name(settled).capitalize()} has settled: move on when ready.",
            )
        )
    reasons.append(cite(planned.phase, f"{planned.phase.name}: {planned.phase.goal}"))
    if technique.optional:
        reasons.append(cite(technique, technique.description))
    elif not state.worked_before or state.last_event == "positioned":
        reasons.extend(_option_reasons(state, planned))  # offered at each fresh start
    if not state.worked_before:
        reasons.append(cite(protocol.escalation, "Start slow and broad, at a low level."))
    if planned is not state.planned_phase:
        reasons.append(
            cite(
                planned.phase,
                "While the client is in this position; the rest of the plan resumes when "
                "they turn back.",
            )
        )
    cap = state.area_cap(area)
    if cap is not None:
        reasons.append(admission.area_cap_reason(state, area, cap))
    return Guidance(
        action, prompt, area=area, technique=technique.id, level=level, reasons=tuple(reasons)
    )


def _option_reasons(state: State, planned: PlannedPhase) -> list[Reason]:
    """Optional techniques (P10) that today's plan allows in this phase, offered by name."""
    protocol = state.protocol
    reasons = []
    open_areas = set(state.open_areas(planned))
    for entry in planned.areas:
        if entry.id not in open_areas or not admission.reachable(state, entry.id):
            continue
        for technique_id in entry.techniques:
            technique = protocol.technique(technique_id)
            if technique is not None and technique.optional:
                reasons.append(
                    cite(
                        technique,
                        f"Option: {sentence_case(technique.name)} on "
                        f"{protocol.area_name(entry.id)}. {technique.description}",
                    )
                )
                return reasons
    return reasons


def _suggest(state: State) -> Suggestion | None:
    """The next area to work in this position: the current phase first, then later ones
    that are reachable now (never a closing pass ahead of its time)."""
    phases = state.plan.phases[state.phase_index :]
    for index, planned in enumerate(phases):
        if index > 0 and planned.phase.revisit:
            continue
        found = _suggest_in(state, planned)
        if found is not None:
            return found
    return None


def _suggest_in(state: State, planned: PlannedPhase) -> Suggestion | None:
    current = state.work.area if state.work else state.last_area
    areas = [a for a in state.open_areas(planned) if admission.reachable(state, a)]
    fresh = [a for a in areas if a not in state.areas_in_phase and a != current]
    order = fresh or [a for a in areas if a != current] or areas
    if state.work is None and current in areas and current not in state.area_caps:
        order = [current, *order]  # resume where the hands were (after turning, a pause)
    for area in order:
        level = _start_level(state, area, planned)
        techniques = admission.usable_techniques(state, area, level)
        if not techniques:
            lower = [
                (lv, t)
                for t in admission.usable_techniques_at_any_level(state, area)
                for lv in t.levels
                if lv <= _limit(state, area)
            ]
            if not lower:
                continue
            level = min(lv for lv, _ in lower)
            techniques = [t for lv, t in lower if lv == level]
        best = sorted(techniques, key=lambda t: (not t.broad, not t.optional))[0]
        return area, best, level, planned
    return None


def _start_level(state: State, area: str, planned: PlannedPhase) -> int:
    level = min(state.protocol.escalation.start_level, _limit(state, area))
    return max(level, 0)


def _turn(state: State) -> Guidance | None:
    """Nothing open can be reached as the client lies: suggest the position that can."""
    planned = state.planned_phase
    assert planned is not None
    open_areas = [state.protocol.area(a) for a in state.open_areas(planned)]
    for position in phase_positions(state.protocol, planned.phase, state.modifications):
        if position.id == state.position:
            continue
        if any(area is not None and position.reaches(area) for area in open_areas):
            where = sentence_case(admission.current_position(state).name)
            return Guidance(
                "position_client",
                f"Nothing left in today's plan can be reached {where}: turn the client to "
                f"{sentence_case(position.name)}. The plan carries on from there.",
                position=position.id,
                supports=position.supports,
                reasons=(
                    cite(position, position.description),
                    cite(planned.phase, f"{planned.phase.name}: {planned.phase.goal}"),
                ),
            )
    return None


def _end_of_plan(state: State) -> Guidance:
    return Guidance(
        "end_session",
        f"The plan for today is done: close gently. {ASK_PAIN}",
        reasons=(cite(state.protocol.outcomes, "Record pain before and after."),),
    )
