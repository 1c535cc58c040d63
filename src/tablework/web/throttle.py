"""Counting attempts per key in a sliding window: login failures, remote posts.

Counts live in the process: with several workers each counts on its own, so the limit a
caller meets is at most the workers times the limit, which still stops guessing.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta


class Throttle:
    """At most `limit` hits per key in any `window`."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str, now: datetime) -> bool:
        """Whether `key` has used up its hits for now."""
        with self._lock:
            return len(self._recent(key, now)) >= self.limit

    def hit(self, key: str, now: datetime) -> None:
        """Count one hit for `key`."""
        with self._lock:
            self._recent(key, now).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits
