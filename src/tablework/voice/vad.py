"""Voice-activity detection: cutting a live 16 kHz stream into utterances to decode.

Energy-based, with a noise floor that follows the room: a 20 ms frame is speech when it
is loud enough above the floor; an utterance begins after a few speech frames (with some
audio from just before, so a soft first consonant is kept) and ends after `hangover_ms`
of quiet. The hangover is the price of every command in latency, and must outlast the
short gap inside "check in" and "level up". Nothing here keeps audio once an utterance is
handed on: the caller decodes it and drops it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tablework.voice.audio import SAMPLE_RATE

FRAME_SAMPLES = SAMPLE_RATE // 50
"""20 ms."""
_SILENT_DB = -90.0


@dataclass(frozen=True)
class Utterance:
    """The samples of one stretch of speech (with its lead-in), and where it ended."""

    samples: npt.NDArray[np.int16]
    speech_ms: float
    """From the first to the last speech frame."""
    ended_at_sample: int
    """The stream position (in samples) of the end of the last speech frame."""
    too_long: bool = False
    """Cut at `max_utterance_ms`: longer than any command, so the caller need not decode it."""


def frame_db(frame: npt.NDArray[np.int16]) -> float:
    """The frame's RMS level in dB below full scale."""
    if frame.size == 0:
        return _SILENT_DB
    rms = float(np.sqrt(np.mean(np.square(frame.astype(np.float64)))))
    return max(_SILENT_DB, 20.0 * math.log10(max(rms, 1e-9) / 32768.0))


class Segmenter:
    """Feed it samples as they arrive; it answers the utterances that have ended."""

    def __init__(
        self,
        *,
        hangover_ms: int = 200,
        lead_in_ms: int = 200,
        start_frames: int = 3,
        min_speech_ms: int = 120,
        max_utterance_ms: int = 4000,
        margin_db: float = 12.0,
        quietest_speech_db: float = -50.0,
    ) -> None:
        frame_ms = 1000 * FRAME_SAMPLES // SAMPLE_RATE
        self.hangover_frames = max(1, hangover_ms // frame_ms)
        self.start_frames = start_frames
        self.min_speech_frames = max(1, min_speech_ms // frame_ms)
        self.max_frames = max_utterance_ms // frame_ms
        self.margin_db = margin_db
        self.quietest_speech_db = quietest_speech_db
        self._pending = np.zeros(0, dtype=np.int16)
        self._lead_in: deque[npt.NDArray[np.int16]] = deque(maxlen=max(1, lead_in_ms // frame_ms))
        self._frames: list[npt.NDArray[np.int16]] = []
        self._speech_frames = 0
        self._quiet_run = 0
        self._onset = 0
        self._in_speech = False
        self._skipping = False
        self._floor: float | None = None
        self._position = 0
        self._last_speech_end = 0

    @property
    def floor_db(self) -> float | None:
        """The room's noise floor as tracked so far."""
        return self._floor

    def threshold_db(self) -> float:
        floor = _SILENT_DB if self._floor is None else self._floor
        return max(floor + self.margin_db, self.quietest_speech_db)

    def feed(self, samples: npt.NDArray[np.int16]) -> list[Utterance]:
        """Take more of the stream; answer each utterance that ended within it."""
        data = np.concatenate([self._pending, samples]) if self._pending.size else samples
        whole = data.size - data.size % FRAME_SAMPLES
        self._pending = data[whole:].copy()
        ended = []
        for start in range(0, whole, FRAME_SAMPLES):
            found = self._frame(data[start : start + FRAME_SAMPLES])
            if found is not None:
                ended.append(found)
        return ended

    def reset(self) -> None:
        """Forget any utterance in progress (e.g. while the screen itself speaks)."""
        self._pending = np.zeros(0, dtype=np.int16)
        self._lead_in.clear()
        self._frames = []
        self._in_speech = self._skipping = False
        self._speech_frames = self._quiet_run = self._onset = 0

    def _frame(self, frame: npt.NDArray[np.int16]) -> Utterance | None:
        self._position += frame.size
        level = frame_db(frame)
        loud = level >= self.threshold_db()
        self._track_floor(level)
        if self._skipping:  # after an over-long stretch: wait for quiet before listening again
            self._quiet_run = 0 if loud else self._quiet_run + 1
            if self._quiet_run >= self.hangover_frames:
                self.reset()
            return None
        if not self._in_speech:
            self._onset = self._onset + 1 if loud else 0
            self._lead_in.append(frame)
            if self._onset >= self.start_frames:
                self._in_speech = True
                self._frames = list(self._lead_in)
                self._speech_frames = self._onset
                self._quiet_run = 0
                self._last_speech_end = self._position
            return None
        self._frames.append(frame)
        if loud:
            self._speech_frames += 1
            self._quiet_run = 0
            self._last_speech_end = self._position
        else:
            self._quiet_run += 1
        if len(self._frames) >= self.max_frames:
            cut = Utterance(np.zeros(0, dtype=np.int16), 0.0, self._last_speech_end, True)
            self.reset()
            self._skipping = True
            return cut
        if self._quiet_run < self.hangover_frames:
            return None
        frames, speech = self._frames, self._speech_frames
        self.reset()
        if speech < self.min_speech_frames:
            return None  # a click or a knock, not a word
        spoken = len(frames) - self.hangover_frames
        return Utterance(
            np.concatenate(frames),
            speech_ms=1000.0 * spoken * FRAME_SAMPLES / SAMPLE_RATE,
            ended_at_sample=self._last_speech_end,
        )

    def _track_floor(self, level: float) -> None:
        """Down at once to a quieter frame, up slowly (about 3 dB a second) otherwise."""
        if self._floor is None or level < self._floor:
            self._floor = level
        else:
            self._floor = min(level, self._floor + 0.06)
