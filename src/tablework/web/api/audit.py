"""The audit trail for the clinic's owner."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from tablework.store import access, audit
from tablework.store.repo import NotFound
from tablework.web.deps import AuditedStore, OwnerOnly

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditOut(BaseModel):
    actor: str
    action: str
    record: str
    at: str
    address: str | None


@router.get("", responses={401: {}, 403: {}, 404: {}})
def read_audit(
    owner: OwnerOnly, store: AuditedStore, client: str | None = None, actor: str | None = None
) -> list[AuditOut]:
    """Audit rows, newest first, about one client (and its sessions) and/or by one actor."""
    records: list[str] | None = None
    if client is not None:
        try:
            found = access.client_for(store, owner, client)
        except NotFound:
            raise NotFound("no such client") from None
        records = [found.id, *store.session_ids(found.id)]
    clinic = owner.clinic if records is None else None  # a visible client is the clinic's
    rows = audit.rows(store, records=records, actor=actor, clinic=clinic)
    return [
        AuditOut(
            actor=r.actor, action=r.action, record=r.record, at=r.at.isoformat(), address=r.address
        )
        for r in rows
    ]
