"""Reading one utterance from a WAV file as the 16 kHz mono 16-bit PCM the recognizer hears."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
"""The rate of the bundled acoustic model (and of the browser's downsampled stream)."""

_LOWPASS_TAPS = 63


class AudioError(ValueError):
    """A file that is not a 16-bit PCM WAV the recognizer can read."""


def read_wav(path: Path) -> npt.NDArray[np.int16]:
    """The samples of `path` as 16 kHz mono int16, whatever its rate and channel count."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AudioError(f"{path}: is a directory, not a WAV file") from None
    except (wave.Error, EOFError) as error:
        raise AudioError(f"{path}: not a 16-bit PCM WAV file ({error})") from None
    if width != 2:
        raise AudioError(f"{path}: {8 * width}-bit samples; only 16-bit PCM WAV is read")
    if channels not in (1, 2):
        raise AudioError(f"{path}: {channels} channels; only mono or stereo is read")
    samples = np.frombuffer(frames[: len(frames) - len(frames) % (2 * channels)], dtype="<i2")
    return to_model_rate(samples.reshape(-1, channels).mean(axis=1), rate)


def to_model_rate(mono: npt.NDArray[np.floating], rate: int) -> npt.NDArray[np.int16]:
    """`mono` (any rate) resampled to 16 kHz, low-passed first when it is a downsampling."""
    samples = np.asarray(mono, dtype=np.float64)
    if rate != SAMPLE_RATE and samples.size:
        if rate > SAMPLE_RATE:
            samples = np.convolve(samples, _lowpass(SAMPLE_RATE / 2 / rate), mode="same")
        count = round(samples.size * SAMPLE_RATE / rate)
        positions = np.arange(count) * (rate / SAMPLE_RATE)
        samples = np.interp(positions, np.arange(samples.size), samples)
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def _lowpass(cutoff: float) -> npt.NDArray[np.float64]:
    """A windowed-sinc FIR passing below `cutoff` (a fraction of the input rate), gain 1."""
    middle = (_LOWPASS_TAPS - 1) / 2
    taps = np.sinc(2 * cutoff * 0.9 * (np.arange(_LOWPASS_TAPS) - middle)) * np.hamming(
        _LOWPASS_TAPS
    )
    normalized: npt.NDArray[np.float64] = taps / taps.sum()
    return normalized
