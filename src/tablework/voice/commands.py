"""The spoken command set of DESIGN.md section 10: phrases, names and confidence thresholds."""

from __future__ import annotations

from dataclasses import dataclass

PAIN_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
"""Spoken numbers for `pain N`, indexed by N."""


@dataclass(frozen=True)
class Command:
    """One thing the room can say: its name in events, its phrase and how sure we must be."""

    name: str
    phrase: str
    threshold: float
    lowest_snr_db: float = 0.0
    """Under this signal-to-noise ratio (estimated from the utterance) the command is not
    taken at all: in a noisy room the model mistakes short words for longer ones."""


# A wrong command is worse than none: anything that adds pressure needs the most certainty,
# `stop` the least (a false "stop" only pauses the work). At 10 dB SNR "stop" and "good"
# were heard as "level up" with high confidence (bench/voice.py), so the commands that add
# pressure are not taken from a noisy utterance at all: the button still works.
COMMANDS = (
    Command("lighter", "lighter", 0.5),
    Command("good", "good", 0.5),
    Command("deeper", "deeper", 0.72, lowest_snr_db=17.0),
    Command("stop", "stop", 0.45),
    Command("pain", "pain", 0.5),
    Command("check_in", "check in", 0.5),
    Command("next_area", "next area", 0.5),
    Command("level_up", "level up", 0.72, lowest_snr_db=17.0),
    Command("level_down", "level down", 0.5),
)
BY_PHRASE = {command.phrase: command for command in COMMANDS}


def grammar() -> str:
    """The JSGF grammar that accepts exactly one command per utterance."""
    phrases = [c.phrase for c in COMMANDS if c.name != "pain"]
    return (
        "#JSGF V1.0;\ngrammar tablework;\n"
        f"<number> = {' | '.join(PAIN_WORDS)};\n"
        f"public <command> = {' | '.join(phrases)} | pain <number>;\n"
    )


def parse(words: str) -> tuple[Command, int | None] | None:
    """The command (and pain number) a complete grammar hypothesis names, else None."""
    if words in BY_PHRASE and words != "pain":
        return BY_PHRASE[words], None
    first, _, rest = words.partition(" ")
    if first == "pain" and rest in PAIN_WORDS:
        return BY_PHRASE["pain"], PAIN_WORDS.index(rest)
    return None
