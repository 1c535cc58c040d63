"""The only code that decides who may see what, one function per record kind.

Each answers 404 ("not found") for a record the caller may not see, exactly as for one
that does not exist, and notes an audit row (action: the route's name, record: the id).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tablework.store import access
from tablework.store.repo import ClientRow, SessionRow
from tablework.web.deps import AuditedStore, Caller, Trail


def action_of(request: Request) -> str:
    """The audit action of a request: its route's name."""
    route = request.scope.get("route")
    return str(getattr(route, "name", request.method.lower()))[:40]


def visible_client(
    client_id: str, request: Request, caller: Caller, store: AuditedStore, trail: Trail
) -> ClientRow:
    """The client, if the caller may see it."""
    client = access.client_for(store, caller, client_id)
    trail.add(action_of(request), client.id)
    return client


def visible_session(
    session_id: str, request: Request, caller: Caller, store: AuditedStore, trail: Trail
) -> SessionRow:
    """The session, if the caller may see its client."""
    session = access.session_for(store, caller, session_id)
    trail.add(action_of(request), session.id)
    return session


VisibleClient = Annotated[ClientRow, Depends(visible_client)]
VisibleSession = Annotated[SessionRow, Depends(visible_session)]
