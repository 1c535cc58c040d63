"""A noise-robust front end before the decoder: a Wiener filter with the noise from the
utterance's own quiet frames.

The room's VAD hands each utterance on with some room tone before and after the speech
(its lead-in and hangover), and the noise of a treatment room (fans, heating, traffic) is
steady over a second or two. So the noise spectrum is estimated from the quietest fifth of
the utterance's frames, and each frame is scaled per frequency by a Wiener gain whose a
priori SNR is estimated "decision-directed" (Ephraim and Malah, 1984): mostly from the
previous frame's cleaned spectrum, a little from this frame's excess over the noise. That
smoothing over time is what keeps the filter from leaving the "musical noise" that plain
spectral subtraction leaves, which the acoustic model hears as phones. A floor on the gain
keeps some of the noise rather than carving holes into the speech.

Clean audio passes almost unchanged: with no noise to estimate, every gain is near 1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_FRAME = 512
"""32 ms at 16 kHz."""
_HOP = 128
_QUIET_SHARE = 0.2
"""The share of frames, the quietest, taken as noise alone."""
_SMOOTHING = 0.98
"""Weight of the previous frame's cleaned spectrum in the a priori SNR."""
_GAIN_FLOOR = 0.1
_WINDOW = np.hanning(_FRAME + 1)[:-1]


def denoised(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """`samples` (16 kHz) with the steady noise under them filtered out, as floats."""
    signal = samples.astype(np.float64)
    if signal.size < _FRAME:
        return signal
    padded = np.concatenate([np.zeros(_FRAME), signal, np.zeros(_FRAME)])
    starts = np.arange(0, padded.size - _FRAME + 1, _HOP)
    frames = np.lib.stride_tricks.sliding_window_view(padded, _FRAME)[starts] * _WINDOW
    spectra = np.fft.rfft(frames, axis=1)
    power = np.abs(spectra) ** 2
    inside = (starts + _FRAME > _FRAME) & (starts < _FRAME + signal.size)
    energy = np.where(inside, power.sum(axis=1), np.inf)
    quiet = np.argsort(energy)[: max(4, int(_QUIET_SHARE * inside.sum()))]
    noise = power[quiet].mean(axis=0) + 1e-9
    gains = np.empty_like(power)
    previous = np.zeros(power.shape[1])
    for index, frame_power in enumerate(power):
        posterior = frame_power / noise
        prior = _SMOOTHING * previous / noise + (1 - _SMOOTHING) * np.maximum(posterior - 1, 0)
        gain = np.maximum(prior / (1 + prior), _GAIN_FLOOR)
        gains[index] = gain
        previous = gain**2 * frame_power
    cleaned = np.fft.irfft(spectra * gains, n=_FRAME, axis=1) * _WINDOW
    out = np.zeros(padded.size)
    weight = np.zeros(padded.size)
    for start, frame in zip(starts, cleaned, strict=True):
        out[start : start + _FRAME] += frame
        weight[start : start + _FRAME] += _WINDOW**2
    result: npt.NDArray[np.float64] = (out / np.maximum(weight, 1e-9))[
        _FRAME : _FRAME + signal.size
    ]
    return result
