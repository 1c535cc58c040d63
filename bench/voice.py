"""Voice commands: accuracy against noise, false accepts on ordinary talk, decode time.

Every command (and pain 0-10) is spoken by 6 espeak-ng voices at 3 speeds, clean and with
pink noise mixed in at 20 dB and 10 dB SNR; 70 ordinary sentences a client or therapist might
say (near-misses such as "a bit lighter maybe" and "don't stop" among them) are spoken by 4
voices, clean and at 10 dB. Speech is synthesized into a temporary directory on each run.

Targets (issue 14): >= 95 % recognized clean, >= 90 % at 10 dB SNR; 0 confusions into
deeper or level_up; < 1 % false accepts over all distractors; decode < 100 ms per utterance.

Needs espeak-ng (Debian/Ubuntu: `sudo apt-get install espeak-ng`) and the voice extra
(`.venv/bin/pip install -e '.[voice]'`).
Run: nice -n 10 .venv/bin/python bench/voice.py [--svg docs/voice-noise.svg]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tablework.voice import Recognizer, read_wav
from tablework.voice.commands import COMMANDS, PAIN_WORDS

VOICES = ("en-us", "en-us+f3", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029")
SPEEDS = (130, 160, 190)
CONDITIONS: tuple[float | None, ...] = (None, 20.0, 10.0)
"""SNR in dB of the noise mixed in; None is clean speech."""
DISTRACTOR_VOICES = ("en-us", "en-gb", "en-us+f3", "en-029")

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
no that's alright""".splitlines()

PHRASES = [(c.name, c.phrase, None) for c in COMMANDS if c.name != "pain"] + [
    ("pain", f"pain {word}", number) for number, word in enumerate(PAIN_WORDS)
]


def speak(text: str, voice: str, speed: int, folder: Path) -> npt.NDArray[np.int16]:
    """`text` spoken by espeak-ng, read back through the recognizer's own WAV reader."""
    path = folder / "utterance.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return read_wav(path)


def pink_noise(size: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Noise with a 1/f spectrum, closer to a room (fans, traffic) than white noise."""
    spectrum = np.fft.rfft(rng.normal(size=size))
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
    noise: npt.NDArray[np.float64] = np.fft.irfft(spectrum, n=size)
    return noise / noise.std()


def with_noise(
    speech: npt.NDArray[np.int16], snr_db: float | None, rng: np.random.Generator
) -> npt.NDArray[np.int16]:
    """`speech` with pink noise at `snr_db` below the power of its voiced part."""
    if snr_db is None:
        return speech
    samples = speech.astype(np.float64)
    voiced = samples[np.abs(samples) > 0.05 * np.abs(samples).max()]
    noise_rms = np.sqrt(np.mean(voiced**2)) / 10 ** (snr_db / 20)
    mixed = samples + noise_rms * pink_noise(samples.size, rng)
    return np.clip(np.rint(mixed), -32768, 32767).astype(np.int16)


def condition_name(snr_db: float | None) -> str:
    return "clean" if snr_db is None else f"{snr_db:.0f} dB SNR"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def run_commands(
    recognizer: Recognizer, folder: Path, timings: list[float]
) -> dict[float | None, dict[str, Counter[str]]]:
    """Per condition and command: recognized, missed and confused counts (and into what)."""
    results: dict[float | None, dict[str, Counter[str]]] = {
        snr: defaultdict(Counter) for snr in CONDITIONS
    }
    rng = np.random.default_rng(14)
    for name, phrase, pain in PHRASES:
        for voice in VOICES:
            for speed in SPEEDS:
                speech = speak(phrase, voice, speed, folder)
                for snr in CONDITIONS:
                    begin = time.perf_counter()
                    heard = recognizer.recognize(with_noise(speech, snr, rng))
                    timings.append(time.perf_counter() - begin)
                    counts = results[snr][name]
                    if heard.command is None:
                        counts["missed"] += 1
                    elif (heard.command, heard.pain) == (name, pain):
                        counts["recognized"] += 1
                    else:
                        counts["confused"] += 1
                        counts[f"into {heard.command}"] += 1
    return results


def run_distractors(
    recognizer: Recognizer, folder: Path, timings: list[float]
) -> tuple[int, Counter[str], list[str]]:
    """How many distractors were tried, false accepts by command, and which sentences."""
    accepts: Counter[str] = Counter()
    accepted: list[str] = []
    rng = np.random.default_rng(15)
    tried = 0
    for sentence in DISTRACTORS:
        for voice in DISTRACTOR_VOICES:
            speech = speak(sentence, voice, 160, folder)
            for snr in (None, 10.0):
                tried += 1
                begin = time.perf_counter()
                heard = recognizer.recognize(with_noise(speech, snr, rng))
                timings.append(time.perf_counter() - begin)
                if heard.command is not None:
                    accepts[heard.command] += 1
                    accepted.append(
                        f"{sentence!r} ({voice}, {condition_name(snr)}) -> {heard.command}"
                    )
    return tried, accepts, accepted


def report_commands(results: dict[float | None, dict[str, Counter[str]]]) -> None:
    print("| command | " + " | ".join(condition_name(snr) for snr in CONDITIONS) + " |")
    print("|---|" + "---|" * len(CONDITIONS))
    for command in dict.fromkeys(name for name, _, _ in PHRASES):
        cells = []
        for snr in CONDITIONS:
            counts = results[snr][command]
            confused = ", ".join(f"{k} {v}" for k, v in counts.items() if k.startswith("into "))
            cells.append(
                f"{counts['recognized']} ok / {counts['missed']} missed / "
                f"{counts['confused']} confused" + (f" ({confused})" if confused else "")
            )
        print(f"| {command} | " + " | ".join(cells) + " |")
    print()
    for snr in CONDITIONS:
        total = Counter[str]()
        for counts in results[snr].values():
            total.update(counts)
        whole = total["recognized"] + total["missed"] + total["confused"]
        print(
            f"{condition_name(snr)}: recognized {percent(total['recognized'], whole)}, missed "
            f"{percent(total['missed'], whole)}, confused {percent(total['confused'], whole)}; "
            f"into deeper {total['into deeper']}, into level_up {total['into level_up']} "
            f"(of {whole})"
        )


def accuracy_svg(results: dict[float | None, dict[str, Counter[str]]]) -> str:
    """A small line plot of commands recognized against noise, as SVG (no plotting library)."""
    points = []
    for index, snr in enumerate(CONDITIONS):
        total = Counter[str]()
        for counts in results[snr].values():
            total.update(counts)
        whole = total["recognized"] + total["missed"] + total["confused"]
        points.append((60 + 140 * index, 20 + 200 * (1 - total["recognized"] / whole), snr))
    line = " ".join(f"{x:.0f},{y:.1f}" for x, y, _ in points)
    marks = "".join(
        f'<circle cx="{x:.0f}" cy="{y:.1f}" r="4"/>'
        f'<text x="{x:.0f}" y="245" text-anchor="middle">{condition_name(snr)}</text>'
        f'<text x="{x + 8:.0f}" y="{y - 8:.1f}">{100 * (1 - (y - 20) / 200):.0f} %</text>'
        for x, y, snr in points
    )
    grid = "".join(
        f'<line x1="50" x2="350" y1="{20 + 200 * (1 - p / 100)}" y2="{20 + 200 * (1 - p / 100)}" '
        f'stroke="#ddd"/><text x="45" y="{24 + 200 * (1 - p / 100)}" text-anchor="end">{p}</text>'
        for p in (0, 25, 50, 75, 90, 100)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="380" height="270" '
        'font-family="sans-serif" font-size="11">'
        f'{grid}<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="2"/>'
        f'<g fill="#1f5fa8">{marks}</g>'
        '<text x="200" y="262" text-anchor="middle">commands recognized (%) against noise</text>'
        "</svg>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, help="write the accuracy-against-noise plot here")
    arguments = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed: sudo apt-get install espeak-ng")
    recognizer = Recognizer()
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        results = run_commands(recognizer, Path(folder), timings)
        tried, accepts, accepted = run_distractors(recognizer, Path(folder), timings)
    report_commands(results)
    print(
        f"\ndistractors: {tried} utterances, {sum(accepts.values())} false accepts "
        f"({percent(sum(accepts.values()), tried)}): {dict(accepts) or 'none'}"
    )
    for line in accepted:
        print(f"  {line}")
    p95 = statistics.quantiles(timings, n=20)[18]
    print(
        f"\ndecode (both passes, from 16 kHz samples): median "
        f"{statistics.median(timings) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"worst {max(timings) * 1000:.0f} ms over {len(timings)} utterances"
    )
    if arguments.svg:
        arguments.svg.write_text(accuracy_svg(results))


if __name__ == "__main__":
    main()
