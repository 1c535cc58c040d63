"""Real server processes for stream tests: uvicorn on a free loopback port, bounded in time."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(
    database_url: str, key_file: Path, workers: int = 1, **env: str
) -> Iterator[str]:
    """A `tablework.web` server in its own process (with `workers` > 1, uvicorn's worker
    processes under it); yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "TABLEWORK_DATABASE_URL": database_url,
        "TABLEWORK_KEY_FILE": str(key_file),
        "TABLEWORK_HEARTBEAT_SECONDS": "1",
        **env,
    }
    command = [
        sys.executable, "-m", "uvicorn", "tablework.web.server:app_from_environment",
        "--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start in time")


class Listener:
    """Holds a session's stream open in a thread and collects what arrives."""

    def __init__(self, url: str, token: str, last_event_id: int | None = None) -> None:
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.comments: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        headers = {"Authorization": f"Bearer {token}"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self.opened = threading.Event()

    def __enter__(self) -> Listener:
        self._thread.start()
        assert self.opened.wait(10), "the stream did not open"
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def take(self, count: int, seconds: float = 10.0) -> list[dict[str, Any]]:
        """The next `count` messages (id, event, data), or fewer if time runs out."""
        found = []
        deadline = time.monotonic() + seconds
        while len(found) < count and time.monotonic() < deadline:
            try:
                found.append(self.messages.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return found

    def _run(self, url: str, headers: dict[str, str]) -> None:
        timeout = httpx.Timeout(5.0, read=10.0)  # heartbeats arrive every second
        with (
            httpx.Client(timeout=timeout) as http,
            http.stream("GET", url, headers=headers) as answer,
        ):
            self.opened.set()
            message: dict[str, Any] = {}
            for line in answer.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(":"):
                    self.comments.put(line)
                elif line.startswith("id:"):
                    message["id"] = int(line[3:].strip())
                elif line.startswith("event:"):
                    message["event"] = line[6:].strip()
                elif line.startswith("data:"):
                    message["data"] = json.loads(line[5:].strip())
                elif not line and message:
                    self.messages.put(message)
                    message = {}
