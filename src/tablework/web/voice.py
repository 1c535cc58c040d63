"""Voice in the room, server side: `WS /api/sessions/{id}/voice` (DESIGN.md 10).

The session screen streams the tablet's microphone here as 16 kHz mono 16-bit PCM
(little-endian, binary messages). The browser's cookie session opens the socket, as it
opens the pages, and the Origin must be this server (no other site may drive a session
through a logged-in browser). Voice-activity detection cuts the stream into utterances;
each is decoded off the event loop, and a recognized command is recorded through the
recorder with actor `voice` and its own idempotency key, then announced to the live
streams like any event. One JSON message answers each utterance:

    {"type": "heard", "command": "lighter" | null, "pain": N | null, "confidence": 0-1,
     "words": "...", "say": "lighter", "seq": 12 | null, "event": {...} | null,
     "why": null | "why nothing was stored", "hold_pain": N | null, "prompt": bool,
     "decode_ms": 41.0, "record_ms": 12.0}

Audio lives only in memory, for one utterance at a time: it is never written to disk, to
the database or to a log.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from tablework import recorder
from tablework.session.engine import advise
from tablework.session.events import EventError, event_json
from tablework.store import access, audit, tokens
from tablework.store.accounts import Account
from tablework.store.repo import NotFound, SeqConflict, SessionRow
from tablework.web.api.sessions import announce
from tablework.web.deps import SESSION_COOKIE, Server
from tablework.web.live import seconds_into

router = APIRouter()
MAX_MESSAGE_BYTES = 64 * 1024
"""Two seconds of audio: the worklet sends 20-100 ms at a time."""
ACTOR = "voice"


class _Recognizers:
    """Loaded decoders shared by the connections: one per decode running at once (loading
    one takes about a second; a decoder decodes one utterance at a time)."""

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def decode(self, samples: Any) -> Any:
        from tablework.voice import Recognizer

        try:
            recognizer = self._idle.get_nowait()
        except queue.Empty:
            recognizer = Recognizer()
        try:
            return recognizer.recognize(samples)
        finally:
            self._idle.put(recognizer)

    def warm(self) -> None:
        """Have one decoder ready before the first utterance."""
        if self._idle.empty():
            from tablework.voice import Recognizer

            self._idle.put(Recognizer())


RECOGNIZERS = _Recognizers()


@dataclass
class _Room:
    """One open microphone: who, which session, and a pain rating held for the next answer."""

    server: Server
    account: Account
    session: SessionRow
    address: str
    held_pain: int | None = None
    held_after: int = 0
    """The session's last seq when the rating was held: an answer stored since (a tap on
    the screen, the client's remote) has used it already."""


@router.websocket("/api/sessions/{session_id}/voice")
async def voice(websocket: WebSocket, session_id: str) -> None:
    """Commands spoken in the room, recorded as the buttons record them."""
    if not _same_origin(websocket):
        await websocket.close(code=1008, reason="cross-site voice socket refused")
        return
    server: Server = websocket.app.state.server
    await websocket.accept()
    try:
        room = await run_in_threadpool(_open, websocket, server, session_id)
    except _Refused as refused:
        await websocket.send_json({"type": "error", "detail": refused.detail})
        await websocket.close(code=refused.code)
        return
    try:
        await run_in_threadpool(RECOGNIZERS.warm)
    except ImportError:
        await websocket.send_json(
            {"type": "error", "detail": "voice is not installed on this server (the voice extra)"}
        )
        await websocket.close(code=1011)
        return
    await websocket.send_json({"type": "ready", "sample_rate": 16000})
    try:
        await _listen(websocket, room)
    except WebSocketDisconnect:
        return


class _Refused(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _same_origin(websocket: WebSocket) -> bool:
    """Whether the page that opened the socket was served by this host."""
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def _open(websocket: WebSocket, server: Server, session_id: str) -> _Room:
    """The room for the logged-in browser's session, or a refusal (4401, 4404, 4410)."""
    cookie = websocket.cookies.get(SESSION_COOKIE)
    held = tokens.holder(server.store, cookie, "browser") if cookie else None
    if held is None:
        raise _Refused(4401, "log in again: the voice socket needs the screen's login")
    address = websocket.client.host if websocket.client else "unknown"
    trail = audit.AuditTrail(held.account.email, address, server.store.clock())
    store = server.store.audited(trail)
    try:
        session = access.session_for(store, held.account, session_id[:64])
    except NotFound:
        raise _Refused(4404, "no such session") from None
    trail.add("voice_open", session.id)
    audit.flush(server.store, trail)
    if session.complete:
        raise _Refused(4410, "the session has ended")
    return _Room(server, held.account, session, address)


async def _listen(websocket: WebSocket, room: _Room) -> None:
    import numpy as np

    from tablework.voice.vad import Segmenter

    segmenter = Segmenter()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        data = message.get("bytes")
        if data is None:
            if _control(message.get("text") or "") == "reset":
                segmenter.reset()
            continue
        if len(data) > MAX_MESSAGE_BYTES:
            await websocket.close(code=1009, reason="audio messages are at most 64 KiB")
            return
        samples = np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2")
        for utterance in segmenter.feed(samples):
            if utterance.too_long:
                await websocket.send_json(_answer_too_long())
                continue
            answer = await _heard(room, utterance.samples)
            await websocket.send_json(answer)
            if answer.get("ended"):
                await websocket.close(code=4410)
                return


def _control(text: str) -> str | None:
    """A text message from the screen: {"type": "reset"} while it speaks itself."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data.get("type") if isinstance(data, dict) else None


def _answer_too_long() -> dict[str, Any]:
    return {
        "type": "heard",
        "command": None,
        "confidence": 0.0,
        "words": "",
        "say": "",
        "seq": None,
        "event": None,
        "why": "a long stretch of talk, not a command",
        "hold_pain": None,
        "prompt": False,
        "decode_ms": 0.0,
    }


async def _heard(room: _Room, samples: Any) -> dict[str, Any]:
    begun = time.perf_counter()
    heard = await run_in_threadpool(RECOGNIZERS.decode, samples)
    decode_ms = (time.perf_counter() - begun) * 1000
    answer: dict[str, Any] = {
        "type": "heard",
        "command": heard.command,
        "pain": heard.pain,
        "confidence": round(heard.confidence, 3),
        "words": heard.words,
        "decode_ms": round(decode_ms, 1),
    }
    if heard.command is None:
        return {**answer, **_nothing("no command heard")}
    begun = time.perf_counter()
    answer.update(await run_in_threadpool(_act, room, heard))
    answer["record_ms"] = round((time.perf_counter() - begun) * 1000, 1)
    return answer


def _nothing(why: str, say: str = "") -> dict[str, Any]:
    return {"say": say, "seq": None, "event": None, "why": why, "hold_pain": None, "prompt": False}


def _act(room: _Room, heard: Any) -> dict[str, Any]:
    """Map the command onto the session as it stands now, and record the event."""
    from tablework.voice.room import step_for

    store = room.server.store
    session = room.session
    last_seq, state = recorder.current(store, session.id)
    at = seconds_into(store, session)
    held = room.held_pain if _pain_unused(room, last_seq) else None
    step = step_for(heard, state, advise(state, at), at, held)
    if step.hold_pain is not None:
        room.held_pain, room.held_after = step.hold_pain, last_seq
    answer = {
        **_nothing(step.why or "", step.say),
        "hold_pain": step.hold_pain,
        "prompt": step.prompt,
        "ended": state.ended,
    }
    if step.event is None:
        return answer
    trail = audit.AuditTrail(room.account.email, room.address, store.clock())
    trail.add("voice_event", session.id)
    try:
        recorded = recorder.record(
            store.audited(trail),
            session.id,
            step.event,
            idempotency_key=f"voice-{uuid.uuid4().hex}",
            actor=ACTOR,
        )
    except (EventError, SeqConflict) as error:
        return {**answer, "why": f"not recorded: {error}"}
    except SQLAlchemyError:
        return {**answer, "why": "not recorded: the database is unavailable; use the buttons"}
    if step.event.type == "check_in":
        room.held_pain = None
    announce(room.server, session.id, recorded.stored.seq)
    return {
        **answer,
        "seq": recorded.stored.seq,
        "event": event_json(recorded.stored.event),
        "why": None,
        "guidance": recorded.guidance.action,
        "ended": recorded.state.ended,
    }


def _pain_unused(room: _Room, last_seq: int) -> bool:
    """Whether the held rating still waits: no check-in was stored since it was said."""
    if room.held_pain is None:
        return False
    if last_seq == room.held_after:
        return True
    since = room.server.store.events(room.session.id, room.held_after)
    return not any(s.event.type == "check_in" for s in since)
