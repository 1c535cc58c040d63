"""Voice in the room: utterances cut from a live stream, commands mapped onto the session,
and the voice socket recording them as the buttons do (actor `voice`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pocketsphinx", reason="the `voice` extra (pocketsphinx) is not installed")

import numpy as np
import numpy.typing as npt
from starlette.websockets import WebSocketDisconnect

from session_helpers import begin, ev, good, positioned, run, warmed_up, work
from tablework.session.engine import advise
from tablework.session.events import CheckIn, Positioned, WorkStarted
from tablework.voice import Recognition, Recognizer, read_wav
from tablework.voice.audio import SAMPLE_RATE
from tablework.voice.room import step_for
from tablework.voice.vad import Segmenter
from web_helpers import Clinic, browser, clinic  # noqa: F401 (fixture)

VOICE_DATA = Path(__file__).parent / "data" / "voice"
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (Debian: apt-get install espeak-ng)",
)


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


def quiet(seconds: float, level: float = 30.0) -> npt.NDArray[np.int16]:
    """Room tone: low noise, as a real microphone gives."""
    noise = np.random.default_rng(1).normal(0.0, level, int(seconds * SAMPLE_RATE))
    return noise.astype(np.int16)


def stream(*parts: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    return np.concatenate(parts)


def utterances(samples: npt.NDArray[np.int16], chunk: int = 1365) -> list[Any]:
    """Feed `samples` in odd-sized chunks, as the socket receives them."""
    segmenter = Segmenter()
    found = []
    for start in range(0, samples.size, chunk):
        found.extend(segmenter.feed(samples[start : start + chunk]))
    return found


def spoken(tmp_path: Path, text: str) -> npt.NDArray[np.int16]:
    path = tmp_path / f"{text.replace(' ', '-')}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True)
    return read_wav(path)


def test_one_command_in_a_stream_is_one_utterance_and_is_recognized(
    recognizer: Recognizer,
) -> None:
    lighter = read_wav(VOICE_DATA / "lighter-16k-mono.wav")
    found = utterances(stream(quiet(1.0), lighter, quiet(1.0)))
    assert len(found) == 1
    assert 200 < found[0].speech_ms < 1500
    assert recognizer.recognize(found[0].samples).command == "lighter"


def test_two_commands_apart_are_two_utterances(recognizer: Recognizer) -> None:
    stop = read_wav(VOICE_DATA / "stop-16k-mono.wav")
    level_up = read_wav(VOICE_DATA / "level-up-16k-mono.wav")
    found = utterances(stream(quiet(0.5), stop, quiet(0.8), level_up, quiet(0.8)))
    heard = [recognizer.recognize(u.samples).command for u in found]
    assert heard == ["stop", "level_up"]


def test_room_tone_and_a_click_are_not_utterances() -> None:
    click = np.zeros(SAMPLE_RATE // 50, dtype=np.int16)
    click[:40] = 20000
    assert utterances(stream(quiet(2.0), click, quiet(2.0), quiet(1.0, level=60))) == []


def test_a_long_stretch_of_talk_is_cut_and_not_decoded() -> None:
    rng = np.random.default_rng(2)
    talk = (rng.normal(0.0, 3000.0, 6 * SAMPLE_RATE)).astype(np.int16)
    found = utterances(stream(quiet(0.5), talk, quiet(1.0)))
    assert [u.too_long for u in found] == [True]


@needs_espeak
@pytest.mark.parametrize(
    ("text", "command"),
    [("check in", "check_in"), ("next area", "next_area"), ("level down", "level_down")],
)
def test_synthesized_commands_through_the_segmenter(
    recognizer: Recognizer, tmp_path: Path, text: str, command: str
) -> None:
    found = utterances(stream(quiet(0.8), spoken(tmp_path, text), quiet(0.8)))
    assert len(found) == 1, "a word's inner gap must not split it"
    assert recognizer.recognize(found[0].samples).command == command


@needs_espeak
def test_a_near_miss_in_a_stream_is_no_command(recognizer: Recognizer, tmp_path: Path) -> None:
    found = utterances(stream(quiet(0.8), spoken(tmp_path, "a bit lighter maybe"), quiet(0.8)))
    assert [recognizer.recognize(u.samples).command for u in found] == [None] * len(found)


def heard(command: str, pain: int | None = None) -> Recognition:
    return Recognition(command, pain, 0.9, command)


def test_answers_are_check_ins_on_the_work_in_hand_with_a_held_pain() -> None:
    state, _ = run(positioned(), work(20, "gluteals-left", "still-hold", 1))
    step = step_for(heard("lighter"), state, advise(state), 40, held_pain=6)
    assert step.event == CheckIn(at=40, pressure="lighter", area="gluteals-left", pain=6)
    assert step.say == "lighter, pain six"
    held = step_for(heard("pain", 6), state, advise(state), 40, held_pain=None)
    assert held.event is None and held.hold_pain == 6 and "next pressure answer" in (held.why or "")


def test_check_in_prompts_and_stores_nothing() -> None:
    state = positioned()
    step = step_for(heard("check_in"), state, advise(state), 30, None)
    assert step.event is None and step.prompt and step.say == "check in about pressure"


def test_next_area_does_what_the_guidance_says() -> None:
    state = positioned()
    guidance = advise(state)
    assert guidance.action == "begin"
    step = step_for(heard("next_area"), state, guidance, 30, None)
    assert step.event == WorkStarted(
        at=30, area=guidance.area, technique=guidance.technique, level=guidance.level
    )
    opening = begin()  # the guidance asks to position the client
    step = step_for(heard("next_area"), opening, advise(opening), 5, None)
    assert isinstance(step.event, Positioned) and step.event.position == "prone"
    paused, _ = run(
        positioned(),
        work(20, "gluteals-left", "still-hold", 1),
        ev("check_in", 30, pressure="stop"),
    )
    step = step_for(heard("next_area"), paused, advise(paused), 35, None)
    assert step.event is None and "pause" in (step.why or "")


def test_level_up_and_down_change_the_work_in_hand() -> None:
    state, _ = run(warmed_up(), good(150))
    assert state.work is not None
    up = step_for(heard("level_up"), state, advise(state), 160, None)
    assert up.event == WorkStarted(
        at=160, area=state.work.area, technique=state.work.technique, level=state.work.level + 1
    )
    down = step_for(heard("level_down"), state, advise(state), 160, None)
    assert isinstance(down.event, WorkStarted) and down.event.level == state.work.level - 1
    idle = positioned()
    assert step_for(heard("level_up"), idle, advise(idle), 30, None).why == (
        "no work in hand to change the level of"
    )


# ---- the socket ------------------------------------------------------------------------


def voice_session(clinic: Clinic) -> tuple[Any, str, str]:  # noqa: F811
    client_id = clinic.add_client("alice")
    clinic.add_intake("alice", client_id)
    sid = clinic.start_session("alice", client_id)
    prone = {"type": "positioned", "position": "prone", "supports": ["hip_pillow_asis"]}
    assert clinic.post("alice", sid, prone).status_code == 201
    gluteals = {
        "type": "work_started",
        "area": "gluteals-left",
        "technique": "still-hold",
        "level": 1,
    }
    assert clinic.post("alice", sid, gluteals).status_code == 201
    http, _ = browser(clinic, "alice")
    return http, sid, "http://testserver"


def speak_into(socket: Any, samples: npt.NDArray[np.int16]) -> None:
    data = samples.astype("<i2").tobytes()
    for start in range(0, len(data), 3200):
        socket.send_bytes(data[start : start + 3200])


def test_a_spoken_answer_is_stored_with_actor_voice(clinic: Clinic) -> None:  # noqa: F811
    http, sid, origin = voice_session(clinic)
    lighter = read_wav(VOICE_DATA / "lighter-16k-mono.wav")
    pain = read_wav(VOICE_DATA / "pain-six-22k-stereo.wav")
    with http.websocket_connect(f"/api/sessions/{sid}/voice", headers={"Origin": origin}) as ws:
        assert ws.receive_json()["type"] == "ready"
        speak_into(ws, stream(quiet(0.6), pain, quiet(0.8)))
        held = ws.receive_json()
        assert held["command"] == "pain" and held["hold_pain"] == 6 and held["seq"] is None
        speak_into(ws, stream(lighter, quiet(0.8)))
        answer = ws.receive_json()
    assert answer["command"] == "lighter" and answer["say"] == "lighter, pain six"
    assert answer["seq"] == 4 and answer["why"] is None and answer["decode_ms"] > 0
    events = clinic.http.get(f"/api/sessions/{sid}/events", headers=clinic.auth("alice")).json()
    last = events[-1]
    assert last["actor"] == "voice"
    assert last["event"] == {
        "type": "check_in",
        "at": last["event"]["at"],
        "pressure": "lighter",
        "area": "gluteals-left",
        "pain": 6,
    }
    undo = {"type": "retracted", "seq": 4, "reason": "misheard voice command"}
    headers = {**clinic.auth("alice")}
    assert (
        clinic.http.post(f"/api/sessions/{sid}/events", json=undo, headers=headers).status_code
        == 201
    )


def test_the_socket_refuses_another_site_and_strangers(clinic: Clinic) -> None:  # noqa: F811
    http, sid, origin = voice_session(clinic)
    path = f"/api/sessions/{sid}/voice"
    for headers in ({"Origin": "http://evil.example"}, {}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            http.websocket_connect(path, headers=headers) as ws,
        ):
            ws.receive_json()
        assert refused.value.code == 1008
    with clinic.http.websocket_connect(path, headers={"Origin": origin}) as ws:  # no login
        assert "log in" in ws.receive_json()["detail"]
    charlie, _ = browser(clinic, "charlie")
    with charlie.websocket_connect(path, headers={"Origin": origin}) as ws:
        assert ws.receive_json() == {"type": "error", "detail": "no such session"}
