"""The clinic's client set and the client search as the store answers them at scale:
the owner's set written as an anti-join (store.access), the search by any part of a name
(with a trigram index on PostgreSQL, migration 0010)."""

from __future__ import annotations

from sqlalchemy import inspect

from tablework.store.access import add_client, clients_for
from tablework.store.accounts import Account, add_user
from tablework.store.repo import Store


def people(store: Store) -> dict[str, Account]:
    return {
        "olivia": add_user(store, "olivia@example.org", "owner", "pw olivia 1"),
        "alice": add_user(store, "alice@example.org", "therapist", "pw alice 1"),
        "otto": add_user(store, "otto@example.org", "owner", "pw otto 1", clinic="elsewhere"),
        "charlie": add_user(
            store, "charlie@example.org", "therapist", "pw charlie 1", clinic="elsewhere"
        ),
    }


def names(found: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(client.display_name for client in found)


def test_an_owner_sees_every_client_of_their_clinic_and_no_other(store: Store) -> None:
    who = people(store)
    store.add_client("Invented Unassigned")  # no access row: the default clinic
    add_client(store, who["alice"], "Invented Assigned")
    add_client(store, who["olivia"], "Invented Owners")
    add_client(store, who["charlie"], "Invented Elsewhere")
    assert names(clients_for(store, who["olivia"])) == [
        "Invented Assigned",
        "Invented Owners",
        "Invented Unassigned",
    ]
    assert names(clients_for(store, who["otto"])) == ["Invented Elsewhere"]
    assert names(clients_for(store, who["alice"])) == ["Invented Assigned"]
    assert names(clients_for(store, who["charlie"])) == ["Invented Elsewhere"]


def test_the_search_finds_a_name_by_any_part_in_any_case(store: Store) -> None:
    who = people(store)
    for name in ("Invented Marguerite", "Invented Margo", "Invented Ben", "Invented Elsewhere"):
        add_client(store, who["otto"] if "Elsewhere" in name else who["olivia"], name)
    assert names(clients_for(store, who["olivia"], "MARG")) == [
        "Invented Margo",
        "Invented Marguerite",
    ]
    assert names(clients_for(store, who["olivia"], "guer")) == ["Invented Marguerite"]
    assert names(clients_for(store, who["olivia"], "be")) == ["Invented Ben"]
    assert names(clients_for(store, who["olivia"], "where")) == []
    assert names(clients_for(store, who["otto"], "where")) == ["Invented Elsewhere"]


def test_postgresql_indexes_the_names_by_trigram(store: Store) -> None:
    with store.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return
        found = {index["name"] for index in inspect(conn).get_indexes("clients")}
    assert "ix_clients_display_name_trgm" in found
