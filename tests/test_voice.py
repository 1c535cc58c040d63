"""The offline voice recognizer and `tablework voice recognize`, on real speech files."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("pocketsphinx", reason="the `voice` extra (pocketsphinx) is not installed")
pytest.importorskip("numpy", reason="the `voice` extra (numpy) is not installed")

import numpy as np
import numpy.typing as npt

from tablework.cli import app
from tablework.voice import AudioError, Recognizer, read_wav
from tablework.voice.audio import SAMPLE_RATE, to_model_rate
from tablework.voice.denoise import denoised

VOICE_DATA = Path(__file__).parent / "data" / "voice"
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (Debian: apt-get install espeak-ng)",
)


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


def write_wav(path: Path, frames: bytes, *, rate: int, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return path


def spoken(tmp_path: Path, text: str, voice: str = "en-us") -> Path:
    """`text` synthesized by espeak-ng (22,050 Hz, so the resampler is exercised too)."""
    path = tmp_path / f"{text.replace(' ', '-')}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
    return path


@pytest.mark.parametrize(
    ("file_name", "command", "pain"),
    [
        ("lighter-16k-mono.wav", "lighter", None),
        ("stop-16k-mono.wav", "stop", None),
        ("level-up-16k-mono.wav", "level_up", None),
        ("pain-six-22k-stereo.wav", "pain", 6),
    ],
)
def test_committed_commands_are_recognized(
    recognizer: Recognizer, file_name: str, command: str, pain: int | None
) -> None:
    heard = recognizer.recognize(read_wav(VOICE_DATA / file_name))
    assert (heard.command, heard.pain) == (command, pain)
    assert 0.0 <= heard.confidence <= 1.0


@pytest.mark.parametrize(
    "file_name", ["a-bit-lighter-maybe-16k-mono.wav", "dont-stop-16k-mono.wav"]
)
def test_near_misses_are_no_command(recognizer: Recognizer, file_name: str) -> None:
    assert recognizer.recognize(read_wav(VOICE_DATA / file_name)).command is None


def pink_noise(size: int, seed: int) -> npt.NDArray[np.float64]:
    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(size=size))
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
    noise: npt.NDArray[np.float64] = np.fft.irfft(spectrum, n=size)
    return noise / noise.std()


def in_room_noise(speech: npt.NDArray[np.int16], snr_db: float) -> npt.NDArray[np.float64]:
    """`speech` as the VAD passes it (150 ms before, 200 ms after) under pink noise."""
    padded = np.concatenate([np.zeros(2400), speech.astype(np.float64), np.zeros(3200)])
    voiced = padded[np.abs(padded) > 0.05 * np.abs(padded).max()]
    level = np.sqrt(np.mean(voiced**2)) / 10 ** (snr_db / 20)
    return padded + level * pink_noise(padded.size, 0)


def test_the_front_end_takes_out_steady_noise_and_keeps_the_speech() -> None:
    speech = read_wav(VOICE_DATA / "stop-16k-mono.wav")
    clean = np.concatenate([np.zeros(2400), speech.astype(np.float64), np.zeros(3200)])
    noisy = in_room_noise(speech, 10.0)
    cleaned = denoised(np.clip(np.rint(noisy), -32768, 32767).astype(np.int16))

    def snr(signal: npt.NDArray[np.float64]) -> float:
        return float(10 * np.log10(np.sum(clean**2) / np.sum((signal - clean) ** 2)))

    assert snr(cleaned) > snr(noisy) + 3.0
    lead_in = slice(0, 2400)
    assert np.mean(cleaned[lead_in] ** 2) < np.mean(noisy[lead_in] ** 2) / 4  # 6 dB less


def test_the_front_end_passes_clean_speech_nearly_unchanged() -> None:
    speech = read_wav(VOICE_DATA / "lighter-16k-mono.wav")
    cleaned = denoised(speech)
    error = np.sum((cleaned - speech) ** 2) / np.sum(speech.astype(np.float64) ** 2)
    assert error < 0.05


def test_a_command_under_room_noise_is_recognized(recognizer: Recognizer) -> None:
    speech = read_wav(VOICE_DATA / "lighter-16k-mono.wav")
    noisy = np.clip(np.rint(in_room_noise(speech, 20.0)), -32768, 32767).astype(np.int16)
    assert recognizer.recognize(noisy).command == "lighter"


@pytest.mark.parametrize("file_name", sorted(p.name for p in VOICE_DATA.glob("*.wav")))
def test_heard_words_are_plain_words(recognizer: Recognizer, file_name: str) -> None:
    """Alternative pronunciations ("zero(2)") are read as their word."""
    assert "(" not in recognizer.recognize(read_wav(VOICE_DATA / file_name)).words


def test_silence_is_no_command(recognizer: Recognizer) -> None:
    assert recognizer.recognize(np.zeros(SAMPLE_RATE, dtype=np.int16)).command is None


def test_an_empty_file_is_no_command(recognizer: Recognizer, tmp_path: Path) -> None:
    empty = write_wav(tmp_path / "empty.wav", b"", rate=SAMPLE_RATE)
    assert recognizer.recognize(read_wav(empty)).command is None


@needs_espeak
@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("deeper", "deeper"),
        ("next area", "next_area"),
        ("check in", "check_in"),
        ("level down", "level_down"),
    ],
)
def test_synthesized_commands_are_recognized(
    recognizer: Recognizer, tmp_path: Path, text: str, command: str
) -> None:
    assert recognizer.recognize(read_wav(spoken(tmp_path, text))).command == command


@needs_espeak
@pytest.mark.parametrize("text", ["how long is the session", "my lower back hurts"])
def test_synthesized_conversation_is_no_command(
    recognizer: Recognizer, tmp_path: Path, text: str
) -> None:
    assert recognizer.recognize(read_wav(spoken(tmp_path, text))).command is None


def test_stereo_44k_is_resampled_to_16k_mono(tmp_path: Path) -> None:
    tone = (8000 * np.sin(np.arange(44_100) * 2 * np.pi * 440 / 44_100)).astype("<i2")
    stereo = np.repeat(tone, 2).tobytes()
    samples = read_wav(write_wav(tmp_path / "tone.wav", stereo, rate=44_100, channels=2))
    assert samples.dtype == np.int16
    assert samples.size == SAMPLE_RATE
    assert 7000 < np.abs(samples[100:-100]).max() < 8100


def test_downsampling_removes_what_16k_cannot_carry() -> None:
    rate = 48_000
    high = 8000 * np.sin(np.arange(rate) * 2 * np.pi * 15_000 / rate)
    assert np.abs(to_model_rate(high, rate)[200:-200]).max() < 800


def test_8_bit_audio_is_refused(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "eight.wav", bytes(800), rate=8000, width=1)
    with pytest.raises(AudioError, match="8-bit samples"):
        read_wav(path)


def test_a_file_that_is_not_wav_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("lighter please")
    with pytest.raises(AudioError, match="not a 16-bit PCM WAV"):
        read_wav(path)


def test_cli_prints_the_json_contract() -> None:
    result = CliRunner().invoke(
        app, ["voice", "recognize", str(VOICE_DATA / "pain-six-22k-stereo.wav"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["command"] == "pain"
    assert answer["pain"] == 6
    assert set(answer) == {"command", "pain", "confidence"}


def test_cli_json_for_no_command_has_no_pain() -> None:
    result = CliRunner().invoke(
        app, ["voice", "recognize", str(VOICE_DATA / "dont-stop-16k-mono.wav"), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {"command", "confidence"}


def test_cli_refuses_a_bad_file_in_one_line(tmp_path: Path) -> None:
    bad = write_wav(tmp_path / "float.wav", bytes(400), rate=8000, width=4)
    result = CliRunner().invoke(app, ["voice", "recognize", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "32-bit samples" in result.stderr


def test_commands_that_add_pressure_need_the_most_certainty() -> None:
    from tablework.voice.commands import COMMANDS

    by_name = {c.name: c for c in COMMANDS}
    others = [c for c in COMMANDS if c.name not in ("deeper", "level_up")]
    for name in ("deeper", "level_up"):
        assert by_name[name].threshold > max(c.threshold for c in others)
        assert by_name[name].lowest_snr_db > max(c.lowest_snr_db for c in others)
    assert by_name["stop"].threshold == min(c.threshold for c in COMMANDS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_level_up_is_not_taken_from_a_noisy_room(recognizer: Recognizer, seed: int) -> None:
    speech = read_wav(VOICE_DATA / "level-up-16k-mono.wav")
    padded = np.concatenate([np.zeros(2400), speech.astype(np.float64), np.zeros(3200)])
    voiced = padded[np.abs(padded) > 0.05 * np.abs(padded).max()]
    noisy = padded + np.sqrt(np.mean(voiced**2)) / 10 ** (12 / 20) * pink_noise(padded.size, seed)
    heard = recognizer.recognize(np.clip(np.rint(noisy), -32768, 32767).astype(np.int16))
    assert heard.command is None


@pytest.mark.parametrize("seconds", [(0.0, 0.0), (1.0, 4.0)])
def test_silence_around_a_command_does_not_count_against_it(
    recognizer: Recognizer, seconds: tuple[float, float]
) -> None:
    """A recording with a second before and four after is the same command (the
    confidence weighs length, so the recognizer cuts the utterance as the VAD would)."""
    speech = read_wav(VOICE_DATA / "lighter-16k-mono.wav")
    before, after = (np.zeros(int(s * SAMPLE_RATE), dtype=np.int16) for s in seconds)
    heard = recognizer.recognize(np.concatenate([before, speech, after]))
    assert heard.command == "lighter"
    assert heard.confidence > 0.8
