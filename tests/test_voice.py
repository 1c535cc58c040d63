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

from tablework.cli import app
from tablework.voice import AudioError, Recognizer, read_wav
from tablework.voice.audio import SAMPLE_RATE, to_model_rate

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
