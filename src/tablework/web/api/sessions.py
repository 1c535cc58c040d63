"""Live sessions: start one from an intake, post events, read the guidance and the events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tablework import recorder
from tablework.protocols.loader import UnknownProtocolError, get
from tablework.screening.rules import BLOCKING
from tablework.session.events import Clearance, EventError, SessionStarted, parse_event
from tablework.store import access, audit, clinic_settings, tokens
from tablework.store.accounts import Account
from tablework.store.intakes import StoredIntake, intake_versions
from tablework.store.repo import (
    NotFound,
    SessionRow,
    Store,
    check_idempotency_key,
    same_retry,
)
from tablework.web.access import VisibleSession, action_of
from tablework.web.deps import (
    AuditedStore,
    Bearer,
    Caller,
    Server,
    ServerDep,
    Trail,
    caller_of,
    trail_of,
)
from tablework.web.errors import Refused
from tablework.web.live import (
    EventOut,
    SessionOut,
    StoredEventOut,
    event_out,
    seconds_into,
    session_now,
    stored_out,
)

router = APIRouter(prefix="/api/sessions", tags=["sessions"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 404: {}, 422: {}}
DEFAULT_PROTOCOL = "acute-low-back-spasm"


class ClearanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=200, description="Who cleared (name, role).")
    reason: str = Field(min_length=3, max_length=2000)


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(max_length=64)
    protocol: str = Field(default=DEFAULT_PROTOCOL, max_length=120)
    intake_id: str | None = Field(default=None, max_length=64)
    pain_before: int | None = Field(default=None, ge=0, le=10)
    clearance: ClearanceIn | None = None


class Refusal(BaseModel):
    detail: str
    disposition: str | None


class RemoteOut(BaseModel):
    url: str
    expires_at: str


@router.post("", status_code=201, responses={**ERRORS, 409: {"model": Refusal}})
def start_session(
    body: NewSession, caller: Caller, store: AuditedStore, trail: Trail, server: ServerDep
) -> SessionOut:
    """Start a session from the client's intake (the latest unless `intake_id`); refused
    with 409 while screening blocks it and no clearance is given."""
    client = access.client_for(store, caller, body.client_id)
    trail.add("start_session", client.id)
    session_id = open_for(store, server, caller, client.id, body)
    return session_now(store, store.session(session_id))


def open_for(
    store: Store, server: Server, caller: Account, client_id: str, body: NewSession
) -> str:
    """Start a session for a client the caller may see (the API's and the client page's
    one way): 409 while the intake's screening blocks it and no clearance is given. The
    clinic's check-in interval goes into `session_started`, so a replay keeps it."""
    intake = latest_intake(store, client_id, body.intake_id)
    check_admission(intake, body.clearance)
    try:
        protocol = get(body.protocol)
    except UnknownProtocolError as error:
        raise Refused(422, str(error.args[0])) from None
    screening = intake.screening if intake else None
    clinic = clinic_settings.read(store, caller.clinic, server.settings)
    opening = SessionStarted(
        at=0,
        protocol=protocol.ref,
        session_index=1
        + sum(s.protocol.partition("@")[0] == protocol.id for s in store.sessions(client_id)),
        screening=screening,
        modifications=tuple(screening.get("modifications", ())) if screening else (),
        clearance=_clearance(store, body.clearance),
        pain_before=body.pain_before if body.pain_before is not None else _pain_now(intake),
        check_in_seconds=clinic.check_in_seconds,
    )
    opened = recorder.open_session(
        store, client_id, opening, actor=caller.email, intake_id=intake.id if intake else None
    )
    return opened.stored.session_id


@router.get("/{session_id}", responses=ERRORS)
def read_session(session: VisibleSession, store: AuditedStore) -> SessionOut:
    """The session and the guidance now, by the server's clock."""
    return session_now(store, session)


KEY_HEADER_MAX = 200


def _key_schema(schema: dict[str, Any]) -> None:
    # The header's documented limit, as Header(max_length=...) documents it; checked in
    # _check_request, after the caller.
    for option in schema.get("anyOf", ()):
        if option.get("type") == "string":
            option["maxLength"] = KEY_HEADER_MAX


@router.post(
    "/{session_id}/events",
    status_code=201,
    responses={**ERRORS, 200: {}},
    openapi_extra={"requestBody": {"required": True}},
)
async def post_event(
    session_id: str,
    request: Request,
    server: ServerDep,
    response: Response,
    secret: Bearer,
    body: Annotated[
        Any,
        Body(
            description="One event (DESIGN.md 5); `at` optional.",
            json_schema_extra={"type": "object", "additionalProperties": True},
        ),
    ] = None,
    idempotency_key: Annotated[str | None, Header(json_schema_extra=_key_schema)] = None,
) -> EventOut:
    """Record one event; a retry with the same Idempotency-Key answers 200 with the same
    body and stores nothing."""
    # The hot path of a live session: who is asking, may they see the session, and the
    # write run in one thread-pool hop (as `Caller` + `VisibleSession` + a plain route
    # they would be three), with the same checks, audit row and answers. The body and
    # the key are checked in that hop, after the caller and the access rule, so a request
    # without credentials still answers 401 (and one for a session the caller may not see
    # 404) whatever it sends, as the dependencies made it before.
    posted = await run_in_threadpool(
        _post_event, request, server, secret, session_id, body, idempotency_key
    )
    if posted.retry:
        response.status_code = 200
    else:  # on the loop's thread now: wake this process's streams of the session directly
        server.notifier.wake(session_id)
    return posted.out


@dataclass(frozen=True)
class _Posted:
    out: EventOut
    retry: bool


def _post_event(
    request: Request,
    server: Server,
    secret: str | None,
    session_id: str,
    body: dict[str, Any],
    idempotency_key: str | None,
) -> _Posted:
    caller = caller_of(request, server, secret)
    trail = trail_of(request, caller, server)
    store = server.store.audited(trail)
    session = access.session_for(store, caller, session_id)
    trail.add(action_of(request), session.id)
    _check_request(body, idempotency_key)
    posted = _record_posted(store, server, caller, session, body, idempotency_key)
    if trail.pending:  # a retry writes nothing: its audit row is stored on its own
        audit.flush(server.store, trail)
    return posted


def _check_request(body: Any, idempotency_key: str | None) -> None:
    """422 as FastAPI answers it for a body that is not a JSON object (or is missing) and
    for an Idempotency-Key over KEY_HEADER_MAX characters."""
    errors: list[dict[str, Any]] = []
    if body is None:
        errors.append({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
    elif not isinstance(body, dict):
        errors.append(
            {
                "type": "dict_type",
                "loc": ("body",),
                "msg": "Input should be a valid dictionary",
                "input": body,
            }
        )
    if idempotency_key is not None and len(idempotency_key) > KEY_HEADER_MAX:
        errors.append(
            {
                "type": "string_too_long",
                "loc": ("header", "idempotency-key"),
                "msg": f"String should have at most {KEY_HEADER_MAX} characters",
                "input": idempotency_key,
                "ctx": {"max_length": KEY_HEADER_MAX},
            }
        )
    if errors:
        raise RequestValidationError(errors)


def _record_posted(
    store: Store,
    server: Server,
    caller: Account,
    session: SessionRow,
    body: dict[str, Any],
    idempotency_key: str | None,
) -> _Posted:
    earlier = _earlier(store, session.id, idempotency_key)
    if "at" not in body:
        body = {**body, "at": earlier.event.at if earlier else seconds_into(store, session)}
    event = parse_event(body)
    if event.type == "session_started":
        raise EventError("a session starts once: POST /api/sessions starts a new one")
    if earlier is not None:
        return _Posted(event_out(store, session, same_retry(earlier, event)), retry=True)
    recorded = recorder.record(
        store, session.id, event, idempotency_key=idempotency_key, actor=caller.email
    )
    out = EventOut(
        seq=recorded.stored.seq, event=body_of(recorded), guidance=recorded.guidance.as_json()
    )
    return _Posted(out, retry=False)


@router.get("/{session_id}/events", responses=ERRORS)
def list_events(session: VisibleSession, store: AuditedStore) -> list[StoredEventOut]:
    """Every stored event of the session, in order."""
    return [stored_out(s) for s in store.events(session.id)]


@router.post("/{session_id}/remote", status_code=201, responses={**ERRORS, 409: {}})
def create_remote(session: VisibleSession, store: AuditedStore, server: ServerDep) -> RemoteOut:
    """A link for the client's phone: answers pressure and pain for this session only."""
    if session.complete:
        raise Refused(409, "the session has ended")
    lifetime = timedelta(hours=server.settings.remote_hours)
    issued = tokens.issue_remote(store, session.id, lifetime)
    return RemoteOut(url=f"/r/{issued.secret}", expires_at=issued.expires_at.isoformat())


def announce(server: ServerDep, session_id: str, seq: int) -> None:
    """Wake the session's streams in this process (the other server processes on
    PostgreSQL heard the NOTIFY sent with the event's transaction)."""
    server.notifier.publish(session_id)


def body_of(recorded: recorder.Recorded) -> dict[str, Any]:
    from tablework.session.events import event_json

    return event_json(recorded.stored.event)


def _earlier(store: Store, session_id: str, key: str | None) -> Any:
    if key is None:
        return None
    check_idempotency_key(key)
    return store.event_by_key(session_id, key)


def latest_intake(store: Store, client_id: str, intake_id: str | None) -> StoredIntake | None:
    """The intake a session starts from: `intake_id`, else the client's latest version."""
    versions = intake_versions(store, client_id)
    if intake_id is None:
        return versions[-1] if versions else None
    for version in versions:
        if version.id == intake_id:
            return version
    raise NotFound("no such intake")


def check_admission(intake: StoredIntake | None, clearance: ClearanceIn | None) -> None:
    """409 while the intake's screening blocks a session and no clearance is given.

    An emergency (CLINICAL.md 2: no session; same-day emergency care) is not lifted by a
    clearance typed in here: once a clinician has assessed the client, a new intake
    records what is true now."""
    if intake is not None and intake.screening.get("disposition") == "emergency":
        raise Refused(
            409,
            "an emergency screening cannot be cleared here: the client needs same-day "
            "emergency care; after a clinician has assessed them, take a new intake",
            disposition="emergency",
        )
    if clearance is not None:
        return
    if intake is None:
        raise Refused(
            409,
            "no intake on record: store one, or give a clearance with the reason there is none",
            disposition=None,
        )
    disposition = intake.screening.get("disposition")
    if disposition in BLOCKING or intake.screening.get("emergency_not_asked"):
        raise Refused(
            409,
            "the screening blocks a session: refer the client, or record a clearance",
            disposition=disposition,
        )


def _clearance(store: Store, given: ClearanceIn | None) -> Clearance | None:
    if given is None:
        return None
    return Clearance(
        by=given.by, when=store.clock().strftime("%Y-%m-%d %H:%M UTC"), note=given.reason
    )


def _pain_now(intake: StoredIntake | None) -> int | None:
    if intake is None:
        return None
    pain = intake.intake.get("answers", {}).get("pain_now")
    return pain if isinstance(pain, int) else None
