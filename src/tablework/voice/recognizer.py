"""Offline recognition of one spoken command with pocketsphinx and its bundled English model.

The utterance is first cleaned of steady room noise (tablework.voice.denoise) and cut to
its speech as the VAD cuts it, then decoded once with the command grammar, which says
which command it would be. Whether it is a command at all is judged from that one pass
(bench/voice.py measures how well):

- how much of the utterance's loud sound the grammar could only explain as silence or
  noise: "a bit lighter maybe" or "the next area is my neck" leave speech outside the
  command's words;
- how well the command's words fit the sound, per frame (the acoustic score);
- the grammar path's own score and posterior, the command's length and the utterance's.

A logistic of these, with weights fitted on the tuning voices of bench/voice.py, is the
confidence; each command has its own threshold (commands.py), and `deeper` and `level_up`
are not taken from a noisy utterance at all. A second, free phone-loop pass judged this
before; it cost 3-4 x the grammar pass and, added to these, rejected only a little better
(docs/benchmarks.md).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tablework.voice.audio import SAMPLE_RATE
from tablework.voice.commands import grammar, parse
from tablework.voice.denoise import denoised

_FILLERS = frozenset({"<sil>", "SIL", "[NOISE]", "+NSN+", "+SPN+"})
_NOT_SPEECH = _FILLERS | {"<s>", "</s>"}
_SHORTEST_UTTERANCE = SAMPLE_RATE // 10
"""Shorter than any command; pocketsphinx also fails on an utterance without frames."""
_DITHER = 50.0
"""Noise (in 16-bit steps) added before decoding: digital silence, which no microphone
produces but synthesized speech does, throws the model's noise estimate off."""
_FRAME = SAMPLE_RATE // 100
"""The decoder's frame step, 10 ms."""
_LOUD_DB = 20.0
"""A frame within this much of the utterance's loud frames (95th percentile) is speech."""
_SPAN_DB = 35.0
"""Frames within this much of the loud ones bound the speech when the utterance is cut."""
_LEAD_IN = SAMPLE_RATE * 150 // 1000
_HANGOVER = SAMPLE_RATE * 200 // 1000
"""Kept around the speech: what tablework.voice.vad passes (and bench/voice.py measures)."""
_WORST_FRAME_SCORE = -10.0
"""Per-frame acoustic log-score taken when a word's score underflows."""

# Logistic weights over the features above, fitted on bench/voice.py's tuning voices
# (commands right as positives; distractors and confusions as negatives, 3 x weight).
_WEIGHTS = {
    "loud_in_silence": -10.18,
    "path_score": -2.93,
    "word_frame_score": 1.361,
    "word_frames": -0.00841,
    "frames": -0.0417,
    "posterior": -4.11,
}
_BIAS = 15.32 - 0.7
"""Shifted so that a confidence of 0.5 sits between the tuning distractors' first and
second false accept."""


@dataclass(frozen=True)
class Recognition:
    """What was heard in one utterance: a command (and pain number) or None, and how sure."""

    command: str | None
    pain: int | None
    confidence: float
    words: str = ""
    """The grammar's best guess, even when it fell under the threshold (for the screen)."""

    def as_json(self) -> dict[str, Any]:
        """The `voice recognize` JSON shape of DESIGN.md section 10."""
        answer: dict[str, Any] = {"command": self.command}
        if self.command == "pain":
            answer["pain"] = self.pain
        answer["confidence"] = round(self.confidence, 3)
        return answer


NO_COMMAND = Recognition(None, None, 0.0)


class Recognizer:
    """A loaded decoder; build one per process (loading takes about a second)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        model = get_model_path()
        self._decoder = Decoder(
            hmm=os.path.join(model, "en-us", "en-us"),
            dict=os.path.join(model, "en-us", "cmudict-en-us.dict"),
            samprate=SAMPLE_RATE,
            logfn=os.devnull,
        )
        self._decoder.add_jsgf_string("commands", grammar())
        self._decoder.activate_search("commands")

    def recognize(self, samples: npt.NDArray[np.int16]) -> Recognition:
        """The command spoken in `samples` (16 kHz mono), or no command."""
        if samples.size < _SHORTEST_UTTERANCE:
            return NO_COMMAND
        cleaned = denoised(samples)
        span = _speech_span(cleaned)
        samples, cleaned = samples[span], cleaned[span]
        decoder = self._decoder
        decoder.start_utt()
        decoder.process_raw(_dithered(cleaned), full_utt=True)
        decoder.end_utt()
        segments = [(s.word, s.start_frame, s.end_frame, s.ascore) for s in decoder.seg() or []]
        words = [w for w, _, _, _ in segments if w not in _NOT_SPEECH]
        said = " ".join(word.split("(")[0] for word in words)
        heard = parse(said)
        hypothesis = decoder.hyp()
        if heard is None or hypothesis is None:
            return NO_COMMAND
        command, pain = heard
        confidence = _confidence(
            _features(cleaned, segments, hypothesis.score, hypothesis.prob, samples.size)
        )
        if confidence < command.threshold or _snr_db(samples) < command.lowest_snr_db:
            return Recognition(None, None, confidence, said)
        return Recognition(command.name, pain, confidence, said)


def _dithered(samples: npt.NDArray[np.floating[Any]]) -> bytes:
    noise = np.random.default_rng(0).normal(0.0, _DITHER, samples.size)
    return bytes(np.clip(samples + noise, -32768, 32767).astype("<i2").tobytes())


def _speech_span(cleaned: npt.NDArray[np.float64]) -> slice:
    """From just before the first loud 10 ms frame to just after the last, as the VAD cuts.

    The confidence weighs the utterance's length, so a file with a second of silence
    around the command, or a longer hangover, must not count against it."""
    count = cleaned.size // _FRAME
    if count == 0:
        return slice(0, cleaned.size)
    power = np.mean(np.square(cleaned[: count * _FRAME].reshape(count, _FRAME)), axis=1)
    level = 10 * np.log10(power + 1e-3)
    loud = np.flatnonzero(level > np.percentile(level, 95) - _SPAN_DB)
    start = max(0, int(loud[0]) * _FRAME - _LEAD_IN)
    end = min(cleaned.size, (int(loud[-1]) + 1) * _FRAME + _HANGOVER)
    return slice(start, end)


def _snr_db(samples: npt.NDArray[np.int16]) -> float:
    """The utterance's loud frames (95th percentile) over its quiet ones (10th), in dB."""
    count = samples.size // _FRAME
    frames = samples[: count * _FRAME].astype(np.float64).reshape(count, _FRAME)
    level = 10 * np.log10(np.mean(np.square(frames), axis=1) + 1e-3)
    return float(np.percentile(level, 95) - np.percentile(level, 10))


def _features(
    cleaned: npt.NDArray[np.float64],
    segments: list[tuple[str, int, int, float]],
    path_score: float,
    posterior: float,
    size: int,
) -> dict[str, float]:
    count = cleaned.size // _FRAME
    power = np.mean(np.square(cleaned[: count * _FRAME].reshape(count, _FRAME)), axis=1)
    level = 10 * np.log10(power + 1e-3)
    loud = level > np.percentile(level, 95) - _LOUD_DB
    as_silence = np.zeros(count, dtype=bool)
    word_frames = 0
    word_score = 0.0
    for word, start, end, score in segments:
        if word in _FILLERS:
            as_silence[start : end + 1] = True
        elif word not in _NOT_SPEECH:
            frames = end - start + 1
            word_frames += frames
            word_score += math.log(score) if score > 0 else _WORST_FRAME_SCORE * frames
    return {
        "loud_in_silence": float((loud & as_silence).sum() / max(1, loud.sum())),
        "path_score": path_score,
        "word_frame_score": word_score / max(1, word_frames),
        "word_frames": float(word_frames),
        "frames": size / _FRAME,
        "posterior": posterior,
    }


def _confidence(features: dict[str, float]) -> float:
    """0-1: a logistic of the weighted features (0.5 at the point described at _BIAS)."""
    score = _BIAS + sum(_WEIGHTS[name] * value for name, value in features.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))
