"""Offline recognition of one spoken command with pocketsphinx and its bundled English model.

Two passes over the utterance: the command grammar says which command it would be, and a
free phone loop says how well anything at all explains the sound. The confidence grows with
how much better the command explains it than the phone loop, and falls when the
phone loop hears more phones than the command has, so "a bit lighter maybe" or "don't stop"
(extra phones) and ordinary talk (a better free explanation) fall under the command's
threshold and answer "no command". bench/voice.py measures how well this works.
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

_NOT_SPEECH = frozenset({"<s>", "</s>", "<sil>", "SIL", "[NOISE]", "+NSN+", "+SPN+"})
_ADVANTAGE_SCALE = 0.05
_EXTRA_PHONE_PENALTY = 2.0
_SHORTEST_UTTERANCE = SAMPLE_RATE // 10
"""Shorter than any command; pocketsphinx also fails on an utterance without frames."""
_DITHER = 50.0
"""Noise (in 16-bit steps) added before decoding: digital silence, which no microphone
produces but synthesized speech does, throws the model's noise estimate off."""


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
        self._decoder.add_allphone_file(
            "phones", os.path.join(model, "en-us", "en-us-phone.lm.bin")
        )

    def recognize(self, samples: npt.NDArray[np.int16]) -> Recognition:
        """The command spoken in `samples` (16 kHz mono), or no command."""
        if samples.size < _SHORTEST_UTTERANCE:
            return NO_COMMAND
        audio = _dithered(samples)
        words = self._decode("commands", audio)
        heard = parse(" ".join(words))
        if heard is None:
            return NO_COMMAND
        command, pain = heard
        command_score = self._score()
        phones = self._decode("phones", audio)
        confidence = _confidence(
            command_score - self._score(),
            len(phones) / max(1, len(self._pronunciation(words))),
        )
        said = " ".join(words)
        if confidence < command.threshold:
            return Recognition(None, None, confidence, said)
        return Recognition(command.name, pain, confidence, said)

    def _decode(self, search: str, audio: bytes) -> list[str]:
        self._decoder.activate_search(search)
        self._decoder.start_utt()
        self._decoder.process_raw(audio, full_utt=True)
        self._decoder.end_utt()
        return [s.word for s in self._decoder.seg() or [] if s.word not in _NOT_SPEECH]

    def _score(self) -> float:
        """The log-likelihood of the last decode's best path."""
        hypothesis = self._decoder.hyp()
        return math.log(max(hypothesis.score, 1e-300)) if hypothesis else -math.inf

    def _pronunciation(self, words: list[str]) -> list[str]:
        return [phone for word in words for phone in self._decoder.lookup_word(word).split()]


def _dithered(samples: npt.NDArray[np.int16]) -> bytes:
    noise = np.random.default_rng(0).normal(0.0, _DITHER, samples.size)
    return bytes(np.clip(samples + noise, -32768, 32767).astype("<i2").tobytes())


def _confidence(advantage: float, phone_ratio: float) -> float:
    """0-1 from the command's advantage over the phone loop and the phone ratio.

    An advantage of 0 gives 0.5; every `_ADVANTAGE_SCALE` more doubles the odds. Each extra
    phone heard beyond the command's own (a ratio over 1) takes away a share of it.
    """
    odds = math.exp(max(-50.0, min(50.0, advantage / _ADVANTAGE_SCALE)))
    extra = max(0.0, phone_ratio - 1.0)
    return odds / (1.0 + odds) * max(0.0, 1.0 - _EXTRA_PHONE_PENALTY * extra)
