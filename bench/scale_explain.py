"""The plans of the clinic-wide and search reads, as the owner runs them (PostgreSQL).

    python bench/scale_explain.py URL [--fragment NAME]

Prints EXPLAIN (ANALYZE, BUFFERS) of: the responder rates counted over every session
summary of the visible clients (the query before migration 0009), the same rates added up
from `outcome_counts` as the server does now, and the client search by a name fragment.
"""

from __future__ import annotations

import argparse

from sqlalchemy import create_engine, func, select, text

from tablework.store.access import visible as visible_to
from tablework.store.access import visible_client_ids
from tablework.store.accounts import DEFAULT_CLINIC, Account
from tablework.store.tables import clients, outcome_counts, session_summaries

OWNER = Account("bench-owner", "owner@example.org", "owner", DEFAULT_CLINIC)


def plans(url: str, fragment: str) -> dict[str, object]:
    visible = visible_client_ids(OWNER)
    summaries = select(
        session_summaries.c.protocol,
        session_summaries.c.ended,
        session_summaries.c.responder,
        func.count(),
    ).where(session_summaries.c.client_id.in_(visible))
    summaries = summaries.group_by(
        session_summaries.c.protocol, session_summaries.c.ended, session_summaries.c.responder
    )
    counts = (
        select(
            outcome_counts.c.protocol,
            func.sum(outcome_counts.c.rated),
            func.sum(outcome_counts.c.responders),
        )
        .where(visible_to(OWNER, outcome_counts.c.client_id))
        .group_by(outcome_counts.c.protocol)
    )
    search = (
        select(clients)
        .where(clients.c.id.in_(visible))
        .where(func.lower(clients.c.display_name).contains(fragment.lower()))
        .order_by(clients.c.created_at, clients.c.id)
    )
    engine = create_engine(url)
    found: dict[str, object] = {}
    with engine.connect() as conn:
        for label, query in (
            ("rates over session_summaries", summaries),
            ("rates over outcome_counts", counts),
            ("client search", search),
        ):
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            lines = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars()
            found[label] = list(lines)
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--fragment", default="Invented client 0")
    options = parser.parse_args()
    for label, lines in plans(options.url, options.fragment).items():
        print(f"--- {label}")
        print("\n".join(str(line) for line in lines))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
