"""What a recognized command does in the room: the same event the screen's button makes.

Pure: the state, the guidance and the clock reading come in, the event to record (or why
there is none) and the words to speak back go out. The recorder and the engine still judge
the event as they judge a tap, so a command the protocol refuses is recorded as a refused
attempt, exactly like the button.

- `lighter`, `good`, `deeper`, `stop`: a `check_in` on the work in hand, with a pain
  rating said just before ("pain six") when there is one.
- `pain N`: a `check_in` needs a pressure answer, so the rating is held for the next
  answer, as the screen's pain buttons do; nothing is stored yet.
- `check_in`: nothing is stored; the screen prompts the therapist to ask.
- `next_area`: what the screen's "Do this" button does for the current guidance.
- `level_up`, `level_down`: `work_started` one level up or down on the work in hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from tablework.session.events import (
    CheckIn,
    Event,
    Positioned,
    WorkStarted,
    WorkStopped,
)
from tablework.session.guidance import Guidance
from tablework.session.model import State
from tablework.voice.commands import PAIN_WORDS
from tablework.voice.recognizer import Recognition

ANSWERS = ("lighter", "good", "deeper", "stop")


@dataclass(frozen=True)
class Step:
    """What one recognized utterance leads to."""

    event: Event | None
    say: str
    """Spoken back to the room (and shown): what was understood."""
    why: str | None = None
    """Why nothing is stored, when nothing is."""
    hold_pain: int | None = None
    """A pain rating to keep for the next answer."""
    prompt: bool = False
    """The screen should ask the client about pressure."""


def step_for(
    heard: Recognition, state: State, guidance: Guidance, at: float, held_pain: int | None
) -> Step:
    """The event (or none) for `heard`, `at` seconds into the session in `state`."""
    command = heard.command
    if command is None:
        return Step(None, "", why="no command heard")
    if state.ended:
        return Step(None, "the session has ended", why="the session has ended")
    work = state.work
    if command in ANSWERS:
        pain = f", pain {PAIN_WORDS[held_pain]}" if held_pain is not None else ""
        answer = CheckIn(at=at, pressure=command, area=work.area if work else None, pain=held_pain)
        return Step(answer, f"{command}{pain}")
    if command == "pain":
        assert heard.pain is not None
        word = PAIN_WORDS[heard.pain]
        return Step(
            None,
            f"pain {word}, with the next answer",
            why="a pain rating goes with the next pressure answer",
            hold_pain=heard.pain,
        )
    if command == "check_in":
        return Step(None, "check in about pressure", why="a prompt, not an event", prompt=True)
    if command == "next_area":
        return _do_this(state, guidance, at)
    step = 1 if command == "level_up" else -1
    if work is None:
        return Step(None, "no work in hand", why="no work in hand to change the level of")
    level = work.level + step
    if not 0 <= level <= 5:
        return Step(None, f"already at level {work.level}", why=f"level {level} does not exist")
    event = WorkStarted(at=at, area=work.area, technique=work.technique, level=level)
    return Step(event, f"level {level}")


def _do_this(state: State, guidance: Guidance, at: float) -> Step:
    """The screen's "Do this" for `guidance` (session.js `doable`), said as "next area"."""
    g = guidance
    if g.action == "position_client" and g.position:
        event: Event = Positioned(at=at, position=g.position, supports=g.supports)
        return Step(event, f"positioned {g.position.replace('_', ' ')}")
    if g.action == "adjust_supports":
        position = g.position or state.position
        if position is not None:
            supports = g.supports or tuple(sorted(state.supports))
            event = Positioned(at=at, position=position, supports=supports, client_adjusted=True)
            return Step(event, "client adjusted the supports")
    if g.action == "stop_area" and g.area and state.work and state.work.area == g.area:
        return Step(WorkStopped(at=at, area=g.area), "stopped that area")
    if (
        g.action in ("begin", "move_to_area", "increase_level", "decrease_level")
        and g.area
        and g.technique
        and g.level is not None
    ):
        name = state.protocol.area_name(g.area)
        event = WorkStarted(at=at, area=g.area, technique=g.technique, level=g.level)
        return Step(event, f"{name}, level {g.level}")
    said = g.action.replace("_", " ")
    return Step(None, f"nothing to do: {said}", why=f"the guidance is {g.action}, not a move")
