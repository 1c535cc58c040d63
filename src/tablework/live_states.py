"""The live-state cache: each live session's folded state, kept in memory by its last seq.

A post to a live session folds one event onto the cached state instead of reloading and
replaying the whole session, so it costs the same at event 10 and at event 1,000. An entry
is only trusted for the seq it was stored at: the recorder appends with `expected_seq` =
last seq + 1, and a seq conflict (another process appended first) drops the entry.

Thread-safe and bounded (least recently used entries go first), for a long-running server.
States are never mutated once made (`state.apply` is pure), so sharing them is safe.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from tablework.session.state import State

CAPACITY = 1_024
"""Sessions kept: a clinic has a handful live at once; this is generous."""


@dataclass(frozen=True)
class LiveState:
    """A session's state after its event at `last_seq`."""

    last_seq: int
    state: State


class LiveStates:
    """Folded states of live sessions, keyed by (database, session id)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str], LiveState] = OrderedDict()
        self._lock = Lock()

    def get(self, database: str, session_id: str) -> LiveState | None:
        """The cached state of a session, or None on a miss."""
        with self._lock:
            found = self._entries.get((database, session_id))
            if found is not None:
                self._entries.move_to_end((database, session_id))
            return found

    def put(self, database: str, session_id: str, last_seq: int, state: State) -> None:
        """Keep a session's state after `last_seq`, unless a later one is already kept."""
        with self._lock:
            key = (database, session_id)
            held = self._entries.get(key)
            if held is not None and held.last_seq > last_seq:
                return
            self._entries[key] = LiveState(last_seq, state)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def forget(self, database: str, session_id: str) -> None:
        """Drop a session's entry (after a seq conflict, or when it is erased)."""
        with self._lock:
            self._entries.pop((database, session_id), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


LIVE = LiveStates()
"""The process's cache, shared by every store the recorder writes through."""
