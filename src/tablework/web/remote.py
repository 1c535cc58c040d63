"""The client's remote, API side: pressure and pain answers from their phone.

A remote token opens one session only, answers 410 once the session has ended or the
token expired, is rate-limited, and nothing it answers names the client.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tablework import recorder
from tablework.session.events import CheckIn
from tablework.store import audit, tokens
from tablework.web.api.sessions import announce
from tablework.web.deps import ServerDep, address
from tablework.web.live import seconds_into

router = APIRouter(prefix="/r", tags=["remote"])


class Answer(BaseModel):
    """`{"pressure"}` and/or `{"pain"}` (DESIGN.md 9)."""

    model_config = ConfigDict(extra="forbid")

    pressure: Literal["lighter", "good", "deeper", "stop"] | None = None
    pain: int | None = Field(default=None, ge=0, le=10)

    @model_validator(mode="after")
    def _says_something(self) -> Answer:
        if self.pressure is None and self.pain is None:
            raise ValueError("send a pressure answer, a pain rating, or both")
        return self


class Received(BaseModel):
    received: bool = True
    seq: int


def _remote_session(token: str, request: Request, server: ServerDep) -> str:
    """The session the token opens, counted against the rate limit first (every request,
    valid or not): 429 over the limit, 404 unknown, 410 dead."""
    now = server.store.clock()
    key = f"{tokens.digest(token)}:{address(request)}"
    if server.remote_posts.blocked(key, now):
        raise HTTPException(429, "too many answers: wait a moment")
    server.remote_posts.hit(key, now)
    return tokens.remote_session(server.store, token)


RemoteSession = Annotated[str, Depends(_remote_session)]


@router.post("/{token}/answers", status_code=201, responses={404: {}, 410: {}, 422: {}, 429: {}})
def post_answer(
    session_id: RemoteSession, body: Answer, request: Request, server: ServerDep
) -> Received:
    """Store the client's answer as a `check_in` with actor `remote`."""
    trail = audit.AuditTrail("remote", address(request), server.store.clock())
    trail.add("remote_answer", session_id)
    store = server.store.audited(trail)
    session = store.session(session_id)
    event = CheckIn(at=seconds_into(store, session), pressure=body.pressure, pain=body.pain)
    recorded = recorder.record(store, session_id, event, actor="remote")
    announce(server, session_id, recorded.stored.seq)
    return Received(seq=recorded.stored.seq)
