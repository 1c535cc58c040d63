"""End of speech to the therapist's screen, through a real server: the voice socket.

A "tablet" streams 16 kHz PCM to `WS /api/sessions/{id}/voice` at real-time pace (20 ms
messages: quiet, a spoken answer, quiet); a "screen" holds the session's live stream open.
For each utterance: the time from the moment the last speech sample was sent to the
moment the stored event's `recorded` message reaches the screen, and the decode time the
socket reports. Measured on a short session (about 10 events) and a long one (about 400).

Target (issue 14): under 500 ms from end of speech to the screen; decode under 100 ms.
Run: nice -n 10 .venv/bin/python bench/bench_voice_room.py [--rounds N] (espeak-ng makes
the utterances; Debian: apt-get install espeak-ng).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from tablework.store import tokens
from tablework.store.accounts import add_user
from tablework.store.database import migrate, open_engine
from tablework.store.repo import Store
from tablework.voice import read_wav
from tablework.voice.audio import SAMPLE_RATE
from tablework.voice.vad import FRAME_SAMPLES, Segmenter, frame_db
from web_server import Listener, server_process

INTAKE = json.loads(
    (Path(__file__).parent.parent / "examples/intakes/complete-proceed.json").read_text()
)
PHRASES = ("lighter", "stop", "deeper", "good")
VOICES = ("en-us", "en-gb", "en-us+f3")
NOTE = {"type": "note", "text": "client comfortable"}
CHUNK = FRAME_SAMPLES  # 20 ms, as the browser's worklet sends
HANGOVER_MS = Segmenter().hangover_frames * 20


def spoken(folder: Path, text: str, voice: str) -> npt.NDArray[np.int16]:
    path = folder / "phrase.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(path), text], check=True)
    return read_wav(path)


def room_tone(seconds: float, seed: int) -> npt.NDArray[np.int16]:
    noise = np.random.default_rng(seed).normal(0.0, 30.0, int(seconds * SAMPLE_RATE))
    return noise.astype(np.int16)


def speech_end(samples: npt.NDArray[np.int16]) -> int:
    """The sample just after the last 20 ms frame louder than -45 dBFS."""
    last = 0
    for start in range(0, samples.size - CHUNK + 1, CHUNK):
        if frame_db(samples[start : start + CHUNK]) > -45:
            last = start + CHUNK
    return last


def new_session(base: str, bearer: str, filler: int) -> str:
    headers = {"Authorization": f"Bearer {bearer}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        client = http.post("/api/clients", json={"display_name": "Bench"}).json()["id"]
        http.post(f"/api/clients/{client}/intakes", json=INTAKE).raise_for_status()
        sid = http.post("/api/sessions", json={"client_id": client}).json()["id"]
        work = {"type": "work_started", "area": "gluteals-left", "technique": "still-hold"}
        for event in (
            {"type": "positioned", "position": "prone", "supports": ["hip_pillow_asis"]},
            {**work, "level": 1},
        ):
            http.post(f"/api/sessions/{sid}/events", json=event).raise_for_status()
        for _ in range(filler):
            http.post(f"/api/sessions/{sid}/events", json=NOTE).raise_for_status()
        return str(sid)


def run_session(
    base: str, bearer: str, cookie: str, utterances: list[npt.NDArray[np.int16]], filler: int
) -> tuple[list[float], list[float], list[float], int]:
    """(end-of-speech-to-screen ms, decode ms, record ms, utterances not stored)."""
    sid = new_session(base, bearer, filler)
    stream_url = f"{base}/api/sessions/{sid}/stream?after={filler + 3}"
    latencies: list[float] = []
    decodes: list[float] = []
    records: list[float] = []
    missed = 0
    ws_url = base.replace("http://", "ws://") + f"/api/sessions/{sid}/voice"
    headers = {"Origin": base, "Cookie": f"tablework_session={cookie}"}
    with (
        Screen(stream_url, bearer) as screen,
        connect(ws_url, additional_headers=headers, max_size=2**20) as socket,
    ):
        assert json.loads(socket.recv(timeout=30))["type"] == "ready"
        answers: list[dict[str, Any]] = []
        reader = threading.Thread(target=_read_answers, args=(socket, answers), daemon=True)
        reader.start()
        for index, speech in enumerate(utterances):
            audio = np.concatenate([room_tone(0.6, index), speech, room_tone(1.2, index + 1)])
            end = 0.6 * SAMPLE_RATE + speech_end(speech)
            ended_at = None
            pace = time.perf_counter()
            for start in range(0, audio.size, CHUNK):
                socket.send(audio[start : start + CHUNK].astype("<i2").tobytes())
                if ended_at is None and start + CHUNK >= end:
                    ended_at = time.perf_counter()
                pace += CHUNK / SAMPLE_RATE
                time.sleep(max(0.0, pace - time.perf_counter()))
            time.sleep(0.3)
            got = answers[-1] if answers else None
            answers.clear()
            if got is None or got.get("seq") is None:
                missed += 1
                continue
            while found := screen.take(1, seconds=3):
                if found[0].get("id") == got["seq"]:
                    latencies.append((found[0]["at"] - (ended_at or 0)) * 1000)
                    decodes.append(float(got["decode_ms"]))
                    records.append(float(got["record_ms"]))
                    break
    return latencies, decodes, records, missed


def _read_answers(socket: Any, answers: list[dict[str, Any]]) -> None:
    try:
        for raw in socket:
            answers.append(json.loads(raw))
    except Exception:
        return


class Screen(Listener):
    """The therapist's screen: the live stream, each message stamped when it arrives."""

    def _run(self, url: str, headers: dict[str, str]) -> None:
        put = self.messages.put

        def stamped(message: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            put({**message, "at": time.perf_counter()})

        self.messages.put = stamped  # type: ignore[method-assign]
        super()._run(url, headers)


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, "
        f"worst {ordered[-1]:.0f} ms (n={len(ordered)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2, help="times through the phrases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        url = f"sqlite:///{here / 'bench.sqlite3'}"
        key_file = here / "record.key"
        os.environ["TABLEWORK_KEY_FILE"] = str(key_file)
        engine = open_engine(url)
        migrate(engine)
        store = Store(engine)
        person = add_user(store, "bench@example.org", "therapist", "bench password")
        bearer = tokens.issue(store, person, "bearer", timedelta(hours=2)).secret
        cookie = tokens.issue(store, person, "browser", timedelta(hours=2)).secret
        phrases = [spoken(here, p, v) for v in VOICES for p in PHRASES] * args.rounds
        with server_process(url, key_file) as base:
            results = {}
            for filler in (10, 400):
                results[filler] = run_session(base, bearer, cookie, phrases, filler)
        engine.dispose()
    for filler, (latencies, decodes, records, missed) in results.items():
        print(f"session of ~{filler} events: {len(phrases)} utterances, {missed} not stored")
        print(f"  end of speech -> screen: {summary(latencies)}")
        print(f"  decode (front end + grammar pass): {summary(decodes)}")
        print(f"  map + record + announce: {summary(records)}")
        rest = [t - d - r for t, d, r in zip(latencies, decodes, records, strict=False)]
        print(f"  the rest (VAD hangover {HANGOVER_MS} ms, socket, stream): {summary(rest)}")
    short, long = (statistics.median(results[f][0] or [0]) for f in (10, 400))
    if short:
        print(f"ratio of medians, 400 vs 10 events: {long / short:.2f}")


if __name__ == "__main__":
    main()
