"""Who may see which client: the one function that scopes store queries to a caller.

An owner sees every client of their clinic; a therapist sees the clients assigned or
shared to them. A client with no access row (made by the command line or the demo) belongs
to the default clinic with no therapist. Everything else (sessions, notes, exports, audit)
is reached through a visible client, so this is the only rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select

from tablework.store.accounts import DEFAULT_CLINIC, Account
from tablework.store.repo import (
    SESSION_ROWS,
    ClientRow,
    NotFound,
    SessionRow,
    Store,
    aware,
    insert_client,
    session_row,
)
from tablework.store.tables import client_access, client_shares, clients, sessions


def visible_client_ids(caller: Account) -> Any:
    """A SELECT of the ids of the clients `caller` may see, to filter any query with."""
    if caller.is_owner:
        return _clinic_client_ids(caller.clinic)
    clinic = func.coalesce(client_access.c.clinic, DEFAULT_CLINIC)
    query = (
        select(clients.c.id)
        .select_from(clients.outerjoin(client_access, client_access.c.client_id == clients.c.id))
        .where(clinic == caller.clinic)
    )
    shared = exists().where(
        and_(client_shares.c.client_id == clients.c.id, client_shares.c.user_id == caller.id)
    )
    return query.where(or_(client_access.c.therapist_id == caller.id, shared))


def visible(caller: Account, client_id: Any) -> Any:
    """A condition on a client-id column (of any table keyed by client) that holds for the
    clients `caller` may see: for an owner, without reading the clients table (an
    anti-join on the few access rows of other clinics), so a projection such as
    outcome_counts is filtered in one pass over its own rows."""
    if not caller.is_owner:
        return client_id.in_(visible_client_ids(caller))
    if caller.clinic != DEFAULT_CLINIC:
        return exists().where(
            client_access.c.client_id == client_id, client_access.c.clinic == caller.clinic
        )
    return ~exists().where(
        client_access.c.client_id == client_id, client_access.c.clinic != caller.clinic
    )


def _clinic_client_ids(clinic: str) -> Any:
    """Every client of `clinic`: the same set as the therapist's coalesce over an outer
    join, written so the planner can count it. It guesses a coalesce filter at 0.5 % of
    the clients and then probes an index once per client; an anti-join it counts."""
    if clinic != DEFAULT_CLINIC:
        return select(client_access.c.client_id).where(client_access.c.clinic == clinic)
    elsewhere = exists().where(
        client_access.c.client_id == clients.c.id, client_access.c.clinic != clinic
    )
    return select(clients.c.id).where(~elsewhere)


def clients_for(store: Store, caller: Account, text: str | None = None) -> list[ClientRow]:
    """The clients `caller` may see, oldest first, whose name contains `text`."""
    query = (
        select(clients)
        .where(clients.c.id.in_(visible_client_ids(caller)))
        .order_by(clients.c.created_at, clients.c.id)
    )
    if text:
        query = query.where(func.lower(clients.c.display_name).contains(text.lower()))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [ClientRow(r.id, r.display_name, aware(r.created_at)) for r in rows]


def client_for(store: Store, caller: Account, client_id: str) -> ClientRow:
    """One client `caller` may see; NotFound for a client that is not there or not theirs."""
    query = _VISIBLE_CLIENT[caller.is_owner]
    with store.engine.connect() as conn:
        row = conn.execute(query, _caller_params(caller, record=client_id)).first()
    if row is None:
        raise NotFound("no such client")
    return ClientRow(row.id, row.display_name, aware(row.created_at))


def session_for(store: Store, caller: Account, session_id: str) -> SessionRow:
    """One session of a client `caller` may see; NotFound otherwise. One query: the
    access rule and the session's header together."""
    query = _VISIBLE_SESSION[caller.is_owner]
    with store.engine.connect() as conn:
        row = conn.execute(query, _caller_params(caller, record=session_id)).first()
    if row is None:
        raise NotFound("no such session")
    return session_row(row)


def _visible_ids(owner: bool) -> Any:
    # visible_client_ids with the caller's clinic and id as parameters: built once per role.
    clinic = func.coalesce(client_access.c.clinic, DEFAULT_CLINIC)
    query = (
        select(clients.c.id)
        .select_from(clients.outerjoin(client_access, client_access.c.client_id == clients.c.id))
        .where(clinic == bindparam("clinic"))
    )
    if owner:
        return query
    shared = exists().where(
        and_(
            client_shares.c.client_id == clients.c.id,
            client_shares.c.user_id == bindparam("user_id"),
        )
    )
    return query.where(or_(client_access.c.therapist_id == bindparam("user_id"), shared))


def _caller_params(caller: Account, record: str) -> dict[str, str]:
    params = {"clinic": caller.clinic, "record": record}
    if not caller.is_owner:
        params["user_id"] = caller.id
    return params


_VISIBLE_CLIENT = {
    owner: select(clients).where(
        clients.c.id == bindparam("record"), clients.c.id.in_(_visible_ids(owner))
    )
    for owner in (True, False)
}
_VISIBLE_SESSION = {
    owner: SESSION_ROWS.where(
        sessions.c.id == bindparam("record"), sessions.c.client_id.in_(_visible_ids(owner))
    )
    for owner in (True, False)
}


def add_client(
    store: Store, caller: Account, display_name: str, therapist: Account | None = None
) -> str:
    """A new client in the caller's clinic, assigned to `therapist` (default: the caller
    when a therapist, nobody when an owner)."""
    assigned = therapist or (None if caller.is_owner else caller)
    with store.writing() as conn:
        client_id = insert_client(conn, display_name, store.clock())
        conn.execute(
            insert(client_access).values(
                client_id=client_id,
                clinic=caller.clinic,
                therapist_id=assigned.id if assigned else None,
            )
        )
        if store.trail is not None:
            store.trail.add("create_client", client_id)
    return client_id


def clinic_of(store: Store, client_id: str) -> str:
    """The clinic a client belongs to (the default clinic for one with no access row)."""
    with store.engine.connect() as conn:
        clinic = conn.scalar(
            select(client_access.c.clinic).where(client_access.c.client_id == client_id)
        )
    return str(clinic) if clinic is not None else DEFAULT_CLINIC


def share(store: Store, client_id: str, user: Account) -> None:
    """Let another therapist see a client (once: sharing again changes nothing)."""
    with store.writing() as conn:
        already = conn.scalar(
            select(client_shares.c.client_id).where(
                client_shares.c.client_id == client_id, client_shares.c.user_id == user.id
            )
        )
        if already is None:
            conn.execute(insert(client_shares).values(client_id=client_id, user_id=user.id))
