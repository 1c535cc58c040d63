"""Waking live streams when an event is stored: in memory, and across processes.

One process: `publish` wakes every stream of the session held by this process. Several
processes on PostgreSQL: every transaction that stores events also sends
`NOTIFY tablework_events, 'SESSION:SEQ'` (store.repo.insert_events; delivered on commit),
and each process's `PgListener` thread turns the notifications into local wake-ups. A
wake-up is only a hint: the stream reads the stored rows after the last seq it sent, so a
lost or doubled notification costs a read, never an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator

from sqlalchemy import Engine

from tablework.store.repo import EVENTS_CHANNEL

CHANNEL = EVENTS_CHANNEL
log = logging.getLogger(__name__)


class Notifier:
    """Which streams wait for which session, in this process."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[str, set[asyncio.Event]] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @contextlib.contextmanager
    def watch(self, session_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever something is stored in the session, while held."""
        self._loop = asyncio.get_running_loop()
        signal = asyncio.Event()
        self._waiting.setdefault(session_id, set()).add(signal)
        try:
            yield signal
        finally:
            watchers = self._waiting.get(session_id, set())
            watchers.discard(signal)
            if not watchers:
                self._waiting.pop(session_id, None)

    def publish(self, session_id: str) -> None:
        """Wake the session's streams; safe to call from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake, session_id)

    def wake(self, session_id: str) -> None:
        """`publish`, for a caller on the event loop's own thread: no self-pipe write, no
        extra turn of the loop."""
        self._wake(session_id)

    def _wake(self, session_id: str) -> None:
        for signal in self._waiting.get(session_id, ()):
            signal.set()


class PgListener:
    """A thread that LISTENs on PostgreSQL and publishes what it hears to a Notifier."""

    def __init__(self, engine: Engine, notifier: Notifier) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._notifier = notifier
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listener", daemon=True)
        self.listening = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as error:  # a dropped connection: reconnect after a pause
                self.listening.clear()
                log.warning("database notifications interrupted (%s); reconnecting", type(error))
                self._stop.wait(1.0)

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=0.5):
                    self._notifier.publish(note.payload.partition(":")[0])
