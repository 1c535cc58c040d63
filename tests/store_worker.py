"""A child process for store tests: append note events and report each commit.

Usage: python store_worker.py URL SESSION_ID PREFIX COUNT
Prints `ok KEY` after each append has committed, so a parent can kill it at any moment
and know exactly which appends it must find.
"""

from __future__ import annotations

import sys

from tablework.session.events import Note
from tablework.store.database import open_engine
from tablework.store.repo import Store


def main() -> None:
    url, session_id, prefix, count = sys.argv[1:5]
    store = Store(open_engine(url))
    for i in range(int(count)):
        key = f"{prefix}-{i}"
        store.append(session_id, Note(at=i, text=key), idempotency_key=key, actor=prefix)
        sys.stdout.write(f"ok {key}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
