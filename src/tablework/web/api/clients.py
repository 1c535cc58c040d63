"""Clients and their intakes, as the caller may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from tablework.store import access
from tablework.store.accounts import Account, by_email
from tablework.store.intakes import StoredIntake, add_intake, intake_versions
from tablework.store.repo import Store
from tablework.web.access import VisibleClient
from tablework.web.deps import AuditedStore, Caller, Trail
from tablework.web.errors import Refused

if TYPE_CHECKING:
    from tablework.screening.answers import Intake
    from tablework.screening.screen import ScreeningResult

router = APIRouter(prefix="/api/clients", tags=["clients"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 404: {}, 422: {}}


class ClientOut(BaseModel):
    id: str
    display_name: str
    created_at: str


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field(min_length=1, max_length=200)
    therapist: str | None = Field(default=None, max_length=254, description="Owner only.")


class IntakeSummary(BaseModel):
    id: str
    version: int
    recorded_at: str
    disposition: str | None


class SessionSummary(BaseModel):
    id: str
    protocol: str
    session_index: int
    started_at: str
    ended: bool


class ClientDetail(ClientOut):
    intakes: list[IntakeSummary]
    sessions: list[SessionSummary]


class NewIntake(BaseModel):
    model_config = ConfigDict(extra="allow")

    answers: dict[str, Any] = Field(description="The screening answers (DESIGN.md 4 names).")


class Screening(BaseModel):
    disposition: str
    flags: list[dict[str, Any]]
    modifications: list[str]
    not_asked: list[str]
    emergency_not_asked: list[str] = []


class IntakeOut(BaseModel):
    id: str
    version: int
    screening: Screening


@router.get("", responses=ERRORS)
def list_clients(
    caller: Caller, store: AuditedStore, trail: Trail, q: str | None = None
) -> list[ClientOut]:
    """The clients the caller may see, whose name contains `q`."""
    found = access.clients_for(store, caller, q)
    for client in found:
        trail.add("list_clients", client.id)
    return [ClientOut(id=c.id, display_name=c.display_name, created_at=_iso(c)) for c in found]


@router.post("", status_code=201, responses={**ERRORS, 403: {}})
def create_client(body: NewClient, caller: Caller, store: AuditedStore) -> ClientOut:
    """A new client of the caller's clinic (an owner may assign it to a therapist)."""
    therapist = therapist_for(store, caller, body.therapist)
    client_id = access.add_client(store, caller, body.display_name, therapist)
    client = store.client(client_id)
    return ClientOut(id=client.id, display_name=client.display_name, created_at=_iso(client))


@router.get("/{client_id}", responses=ERRORS)
def read_client(client: VisibleClient, store: AuditedStore) -> ClientDetail:
    """The client, its intakes and its sessions."""
    intakes = [
        IntakeSummary(
            id=i.id,
            version=i.version,
            recorded_at=i.recorded_at.isoformat(),
            disposition=i.screening.get("disposition"),
        )
        for i in intake_versions(store, client.id)
    ]
    sessions = [
        SessionSummary(
            id=s.id,
            protocol=s.protocol,
            session_index=s.session_index,
            started_at=s.started_at.isoformat(),
            ended=s.complete,
        )
        for s in store.sessions(client.id)
    ]
    return ClientDetail(
        id=client.id,
        display_name=client.display_name,
        created_at=_iso(client),
        intakes=intakes,
        sessions=sessions,
    )


@router.post("/{client_id}/intakes", status_code=201, responses=ERRORS)
def create_intake(body: NewIntake, client: VisibleClient, store: AuditedStore) -> IntakeOut:
    """Store a new intake version for the client, screened."""
    intake, result = screened(body.model_dump())
    stored = record_intake(store, client.id, intake, result)
    return IntakeOut(id=stored.id, version=stored.version, screening=Screening(**result.as_json()))


def screened(data: dict[str, Any]) -> tuple[Intake, ScreeningResult]:
    """An intake read from JSON and screened with the bundled low-back rules (422 when an
    answer cannot be used): what the API stores and the intake page previews."""
    from tablework.screening.answers import AnswerError, parse_intake
    from tablework.screening.rules import bundled
    from tablework.screening.screen import screen

    try:
        intake = parse_intake(data)
    except AnswerError as error:
        raise Refused(422, str(error)) from None
    return intake, screen(intake.answers, bundled("low-back"))


def record_intake(
    store: Store, client_id: str, intake: Intake, result: ScreeningResult
) -> StoredIntake:
    """Store a screened intake as the client's next version."""
    return add_intake(
        store, client_id, intake.model_dump(mode="json", exclude_unset=True), result.as_json()
    )


class NewShare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    therapist: str = Field(min_length=3, max_length=254, description="The therapist's email.")


class ShareOut(BaseModel):
    client_id: str
    therapist: str


@router.post("/{client_id}/shares", status_code=201, responses=ERRORS)
def share_client(
    body: NewShare, client: VisibleClient, caller: Caller, store: AuditedStore, trail: Trail
) -> ShareOut:
    """Let another therapist of the clinic see this client (anyone who sees it may share
    it; sharing twice is harmless)."""
    found = by_email(store, body.therapist)
    if found is None or found.clinic != caller.clinic or not found.active:
        raise Refused(422, "no therapist with that email in this clinic")
    access.share(store, client.id, found)
    trail.add("share_client", client.id)
    return ShareOut(client_id=client.id, therapist=found.email)


def therapist_for(store: Store, caller: Account, email: str | None) -> Account | None:
    """Who a new client is assigned to: an owner may name a therapist of the clinic."""
    if email is None:
        return None
    if not caller.is_owner:
        if email.strip().lower() != caller.email:
            raise HTTPException(403, "only the clinic's owner assigns clients to others")
        return caller
    found = by_email(store, email)
    if found is None or found.clinic != caller.clinic or not found.active:
        raise Refused(422, "no therapist with that email in this clinic")
    return found


def _iso(client: Any) -> str:
    return str(client.created_at.isoformat())
