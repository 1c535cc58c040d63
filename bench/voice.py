"""Voice commands: accuracy against noise, false accepts on ordinary talk, decode time.

Every command (and pain 0-10) is spoken by 8 espeak-ng voices at 3 speeds, clean and with
pink noise mixed in at 20 dB and 10 dB SNR; 90 ordinary sentences a client or therapist might
say (near-misses such as "a bit lighter maybe" and "don't stop" among them) are spoken by 6
voices, clean and at 10 dB. Each utterance is cut as the room's VAD passes it: espeak-ng's
digital silence trimmed, then 150 ms of lead-in and 200 ms of hangover around the speech,
with the noise over all of it (tablework.voice.vad keeps 200 ms before the onset, of which
the last 60 ms are already speech, and ends after 200 ms of quiet).

Voices are split: the recognizer was tuned on TUNING_VOICES only; HELD_OUT_VOICES were not
looked at while tuning (en-gb-x-gbclan and en-us-nyc were never used before at all), and the
script reports them separately.

Targets (issue 14): >= 95 % recognized clean, >= 90 % at 10 dB SNR; 0 confusions into
deeper or level_up; < 1 % false accepts over all distractors; decode < 100 ms per utterance.

Needs espeak-ng (Debian/Ubuntu: `sudo apt-get install espeak-ng`) and the voice extra
(`.venv/bin/pip install -e '.[voice]'`).
Run: nice -n 10 .venv/bin/python bench/voice.py [--svg docs/voice-noise.svg]
Quick subset: --voices tuning --speeds 160 --distractors 30 (see --help).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tablework.voice import Recognizer, read_wav
from tablework.voice.audio import SAMPLE_RATE
from tablework.voice.commands import COMMANDS, PAIN_WORDS

TUNING_VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-029")
HELD_OUT_VOICES = ("en-us+f3", "en-gb-x-rp", "en-gb-x-gbclan", "en-us-nyc")
VOICES = TUNING_VOICES + HELD_OUT_VOICES
SPEEDS = (130, 160, 190)
CONDITIONS: tuple[float | None, ...] = (None, 20.0, 10.0)
"""SNR in dB of the noise mixed in; None is clean speech."""
DISTRACTOR_VOICES = ("en-us", "en-gb", "en-029", "en-us+f3", "en-us-nyc", "en-gb-x-gbclan")
LEAD_IN_MS = 150
HANGOVER_MS = 200

DISTRACTORS = """a bit lighter maybe
don't stop
don't go deeper
could it be a little lighter
that's good
good morning
it feels good actually
can you go a little deeper there
stop talking about it
is that too light
it is fine
my lower back hurts
how long is the session
the pressure is okay
next week I am away
I like the music
check the time please
I was at level four yesterday
pain is gone now
lighten up a bit
take a deep breath
the stoplight was red
a little lighter on the left
the next area is my neck
I checked in online
level with me
what level is this
not so deep please
the pain was about a six last night
I sleep on my side
my hip is sore when I sit
can I turn over now
is the oil warm
my shoulders are tight
it's been a long week
I feel much better than last time
that spot is tender
keep going
right there
a little higher please
the left side more than the right
do you want me to breathe out
I had a headache this morning
my doctor said it was a strain
how often should I come
it eases off when I walk
I can't lie flat for long
the pillow is fine
my knee clicks sometimes
should I stretch at home
the room is a bit cold
can you dim the lights
I work at a desk all day
it hurts when I bend down
I drove here this morning
my neck is stiff
I'm a bit nervous
thank you that was lovely
same time next week
it stings a little
could you avoid that area
the cream smells nice
I went running on sunday
my arm is going numb
it pulls down my leg
I'm fine really
that's enough for today
please carry on
is it nearly time
no that's alright
don't go any deeper
is that stop or go
goodness me
good grief
a pain in my neck
we are painting the kitchen
level three felt fine
I check in at reception
the next bus is late
lighter than air
I wish I could sleep deeper
keep it steady
it was good yesterday
what a good idea
no no not deeper
that's a bit deep
pay attention to it
let me know when to stop
the level is up to you
a bit lower down""".splitlines()

PHRASES = [(c.name, c.phrase, None) for c in COMMANDS if c.name != "pain"] + [
    ("pain", f"pain {word}", number) for number, word in enumerate(PAIN_WORDS)
]


class Speaker:
    """espeak-ng speech, read back through the recognizer's own WAV reader, kept in `cache`."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def speak(self, text: str, voice: str, speed: int) -> npt.NDArray[np.int16]:
        key = hashlib.sha1(f"{text}|{voice}|{speed}".encode()).hexdigest()[:16]
        kept = self.cache / f"{key}.npy"
        if kept.exists():
            loaded: npt.NDArray[np.int16] = np.load(kept)
            return loaded
        path = self.cache / f"{key}.wav"
        command = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text]
        subprocess.run(command, check=True)
        speech = trimmed(read_wav(path))
        path.unlink()
        np.save(kept, speech)
        return speech


def trimmed(speech: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """Without the digital silence espeak-ng writes before and after the speech."""
    sounding = np.flatnonzero(np.abs(speech.astype(np.int32)) > 16)
    return speech[sounding[0] : sounding[-1] + 1] if sounding.size else speech[:0]


def pink_noise(size: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Noise with a 1/f spectrum, closer to a room (fans, traffic) than white noise."""
    spectrum = np.fft.rfft(rng.normal(size=size))
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
    noise: npt.NDArray[np.float64] = np.fft.irfft(spectrum, n=size)
    return noise / noise.std()


def as_passed(
    speech: npt.NDArray[np.int16], snr_db: float | None, rng: np.random.Generator
) -> npt.NDArray[np.int16]:
    """`speech` as the room's VAD hands it on: with lead-in and hangover, noise over all.

    The noise is pink, at `snr_db` below the power of the speech's voiced part; clean
    speech gets silence around it (the recognizer dithers it like a quiet room)."""
    lead = np.zeros(SAMPLE_RATE * LEAD_IN_MS // 1000)
    tail = np.zeros(SAMPLE_RATE * HANGOVER_MS // 1000)
    samples = np.concatenate([lead, speech.astype(np.float64), tail])
    if snr_db is not None:
        voice = speech.astype(np.float64)
        voiced = voice[np.abs(voice) > 0.05 * np.abs(voice).max()]
        noise_rms = np.sqrt(np.mean(voiced**2)) / 10 ** (snr_db / 20)
        samples = samples + noise_rms * pink_noise(samples.size, rng)
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def condition_name(snr_db: float | None) -> str:
    return "clean" if snr_db is None else f"{snr_db:.0f} dB SNR"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def timed(
        self, recognizer: Recognizer, samples: npt.NDArray[np.int16]
    ) -> tuple[str | None, int | None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        heard = recognizer.recognize(samples)
        self.cpu.append(time.thread_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return heard.command, heard.pain


Results = dict[float | None, dict[str, dict[str, Counter[str]]]]
"""Per condition, voice and command: recognized, missed and confused counts."""


def run_commands(
    recognizer: Recognizer,
    speaker: Speaker,
    voices: tuple[str, ...],
    speeds: tuple[int, ...],
    conditions: tuple[float | None, ...],
    timings: Timings,
    misses: list[str],
) -> Results:
    results: Results = {snr: defaultdict(lambda: defaultdict(Counter)) for snr in conditions}
    for name, phrase, pain in PHRASES:
        for voice in voices:
            for speed in speeds:
                speech = speaker.speak(phrase, voice, speed)
                for snr in conditions:
                    # one seed per utterance and condition: a subset run hears the same noise
                    seed = int(
                        hashlib.sha1(f"{phrase}|{voice}|{speed}|{snr}".encode()).hexdigest()[:8], 16
                    )
                    command, heard_pain = timings.timed(
                        recognizer, as_passed(speech, snr, np.random.default_rng(seed))
                    )
                    counts = results[snr][voice][name]
                    if command is None:
                        counts["missed"] += 1
                    elif (command, heard_pain) == (name, pain):
                        counts["recognized"] += 1
                        continue
                    else:
                        counts["confused"] += 1
                        counts[f"into {command}"] += 1
                    heard = "-" if command is None else f"{command} {heard_pain or ''}".strip()
                    misses.append(f"{phrase!r} {voice} {speed} {condition_name(snr)} -> {heard}")
    return results


def run_distractors(
    recognizer: Recognizer,
    speaker: Speaker,
    sentences: list[str],
    voices: tuple[str, ...],
    timings: Timings,
) -> tuple[dict[str, int], dict[str, Counter[str]], list[str]]:
    """Per voice: distractors tried, false accepts by command; and which sentences."""
    tried: dict[str, int] = Counter()
    accepts: dict[str, Counter[str]] = defaultdict(Counter)
    accepted: list[str] = []
    for sentence in sentences:
        for voice in voices:
            speech = speaker.speak(sentence, voice, 160)
            for snr in (None, 10.0):
                seed = int(hashlib.sha1(f"{sentence}|{voice}|{snr}".encode()).hexdigest()[:8], 16)
                tried[voice] += 1
                command, _ = timings.timed(
                    recognizer, as_passed(speech, snr, np.random.default_rng(seed))
                )
                if command is not None:
                    accepts[voice][command] += 1
                    accepted.append(f"{sentence!r} ({voice}, {condition_name(snr)}) -> {command}")
    return tried, accepts, accepted


def totals(results: Results, snr: float | None, voices: tuple[str, ...]) -> Counter[str]:
    total = Counter[str]()
    for voice, commands in results[snr].items():
        if voice in voices:
            for counts in commands.values():
                total.update(counts)
    return total


def report_commands(results: Results, voices: tuple[str, ...]) -> None:
    conditions = tuple(results)
    print("| command | " + " | ".join(condition_name(snr) for snr in conditions) + " |")
    print("|---|" + "---|" * len(conditions))
    for command in dict.fromkeys(name for name, _, _ in PHRASES):
        cells = []
        for snr in conditions:
            counts = Counter[str]()
            for voice in voices:
                counts.update(results[snr][voice][command])
            confused = ", ".join(f"{k} {v}" for k, v in counts.items() if k.startswith("into "))
            cells.append(
                f"{counts['recognized']} ok / {counts['missed']} missed / "
                f"{counts['confused']} confused" + (f" ({confused})" if confused else "")
            )
        print(f"| {command} | " + " | ".join(cells) + " |")
    groups = {
        "all voices": voices,
        "tuning voices": tuple(v for v in voices if v in TUNING_VOICES),
        "held-out voices": tuple(v for v in voices if v not in TUNING_VOICES),
    }
    for group, members in groups.items():
        if not members:
            continue
        print(f"\n{group} ({', '.join(members)}):")
        for snr in conditions:
            total = totals(results, snr, members)
            whole = total["recognized"] + total["missed"] + total["confused"]
            print(
                f"  {condition_name(snr)}: recognized {percent(total['recognized'], whole)}, "
                f"missed {percent(total['missed'], whole)}, confused "
                f"{percent(total['confused'], whole)}; into deeper {total['into deeper']}, "
                f"into level_up {total['into level_up']} (of {whole})"
            )


def accuracy_svg(results: Results, voices: tuple[str, ...]) -> str:
    """Commands recognized against noise, all voices and held-out ones, as SVG."""
    conditions = tuple(results)
    held_out = tuple(v for v in voices if v not in TUNING_VOICES)
    lines = [("all voices", voices, "#1f5fa8", 0)]
    if held_out and held_out != voices:
        lines.append(("held-out voices", held_out, "#c0392b", 1))
    drawn = []
    for label, members, colour, row in lines:
        points = []
        for index, snr in enumerate(conditions):
            total = totals(results, snr, members)
            whole = total["recognized"] + total["missed"] + total["confused"]
            points.append((60 + 140 * index, 20 + 200 * (1 - total["recognized"] / whole)))
        line = " ".join(f"{x:.0f},{y:.1f}" for x, y in points)
        marks = "".join(
            f'<circle cx="{x:.0f}" cy="{y:.1f}" r="4"/>'
            f'<text x="{x + 8:.0f}" y="{y - 8 + 22 * row:.1f}">'
            f"{100 * (1 - (y - 20) / 200):.0f} %</text>"
            for x, y in points
        )
        drawn.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<g fill="{colour}">{marks}<text x="250" y="{190 + 14 * row}">{label}</text></g>'
        )
    axis = "".join(
        f'<text x="{60 + 140 * index}" y="245" text-anchor="middle">{condition_name(snr)}</text>'
        for index, snr in enumerate(conditions)
    )
    grid = "".join(
        f'<line x1="50" x2="350" y1="{20 + 200 * (1 - p / 100)}" y2="{20 + 200 * (1 - p / 100)}" '
        f'stroke="#ddd"/><text x="45" y="{24 + 200 * (1 - p / 100)}" text-anchor="end">{p}</text>'
        for p in (0, 25, 50, 75, 90, 100)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="380" height="270" '
        'font-family="sans-serif" font-size="11">'
        f"{grid}{axis}{''.join(drawn)}"
        '<text x="200" y="262" text-anchor="middle">commands recognized (%) against noise</text>'
        "</svg>\n"
    )


def choose_voices(spec: str) -> tuple[str, ...]:
    named = {"all": VOICES, "tuning": TUNING_VOICES, "held-out": HELD_OUT_VOICES}
    return named.get(spec) or tuple(v for v in spec.split(",") if v)


def choose_conditions(spec: str) -> tuple[float | None, ...]:
    return tuple(None if c == "clean" else float(c) for c in spec.split(",") if c)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, help="write the accuracy-against-noise plot here")
    parser.add_argument("--voices", default="all", help="all, tuning, held-out or a,b,c")
    parser.add_argument("--speeds", default=",".join(map(str, SPEEDS)), help="e.g. 160")
    parser.add_argument("--snr", default="clean,20,10", help="conditions, e.g. clean,10")
    parser.add_argument(
        "--distractors", type=int, default=len(DISTRACTORS), help="sentences to try (0: none)"
    )
    parser.add_argument("--distractor-voices", default=",".join(DISTRACTOR_VOICES))
    parser.add_argument("--cache", type=Path, help="keep synthesized speech here between runs")
    parser.add_argument("--misses", action="store_true", help="list every miss and confusion")
    arguments = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed: sudo apt-get install espeak-ng")
    voices = choose_voices(arguments.voices)
    speeds = tuple(int(s) for s in arguments.speeds.split(","))
    recognizer = Recognizer()
    timings = Timings()
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        speaker = Speaker(arguments.cache or Path(folder))
        speaker.cache.mkdir(parents=True, exist_ok=True)
        results = run_commands(
            recognizer, speaker, voices, speeds, choose_conditions(arguments.snr), timings, misses
        )
        tried, accepts, accepted = run_distractors(
            recognizer,
            speaker,
            DISTRACTORS[: arguments.distractors],
            choose_voices(arguments.distractor_voices),
            timings,
        )
    report_commands(results, voices)
    if arguments.misses:
        print("\nmisses and confusions:")
        for line in misses:
            print(f"  {line}")
    if tried:
        for group, members in (
            ("all", tuple(tried)),
            ("tuning voices", tuple(v for v in tried if v in TUNING_VOICES)),
            ("held-out voices", tuple(v for v in tried if v not in TUNING_VOICES)),
        ):
            count = sum(tried[v] for v in members)
            accepted_here = Counter[str]()
            for voice in members:
                accepted_here.update(accepts[voice])
            print(
                f"\ndistractors, {group}: {count} utterances, {sum(accepted_here.values())} "
                f"false accepts ({percent(sum(accepted_here.values()), count)}): "
                f"{dict(accepted_here) or 'none'}"
            )
        for line in accepted:
            print(f"  {line}")
    for label, values in (("CPU", timings.cpu), ("wall", timings.wall)):
        p95 = statistics.quantiles(values, n=20)[18]
        print(
            f"\ndecode {label} time (from 16 kHz samples): median "
            f"{statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"worst {max(values) * 1000:.0f} ms over {len(values)} utterances"
        )
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if arguments.svg:
        arguments.svg.write_text(accuracy_svg(results, voices))


if __name__ == "__main__":
    main()
