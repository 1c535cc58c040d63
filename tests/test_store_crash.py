"""A CLI save killed at every step of its transaction: all of the session, or none of it.

Each run forks a child that runs `tablework session simulate SCRIPT --save` and SIGKILLs
itself at its k-th database step (a statement, or the commit), for every k in turn, on
each engine. Afterwards no session may be half there, and every reader still works.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from typer.testing import CliRunner

from tablework.cli import app
from tablework.session.events import Note
from tablework.store.repo import Store
from tablework.store.tables import clients, sessions

SCRIPT = Path(__file__).parent.parent / "examples" / "sessions" / "first-session-settles.json"
EVENTS = len(json.loads(SCRIPT.read_text(encoding="utf-8"))["events"]) + 1  # + session_started
KILL_POINTS = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1_000_000)
"""Spread over a save's steps (each chained event is a few statements); the last lets it
finish."""

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def save_and_die_at(step: int) -> bool:
    """Run one CLI save in a child killed at its `step`-th database step; True if it finished."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns to pytest
        try:
            _child(step)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return False
    assert os.WEXITSTATUS(status) == 0
    return True


def _child(kill_at: int) -> None:  # pragma: no cover - runs in the forked child
    steps = 0

    def step(*_args: Any, **_kwargs: Any) -> None:
        nonlocal steps
        steps += 1
        if steps == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "before_cursor_execute", step)
    event.listen(Engine, "commit", step)
    result = CliRunner().invoke(app, ["session", "simulate", str(SCRIPT), "--save"])
    if result.exit_code != 0:
        os._exit(3)


@pytest.mark.slow
def test_a_save_killed_at_any_step_leaves_all_of_the_session_or_none(
    store: Store,
    database_url: str,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", database_url)
    left_over = _sessions_from_before_atomic_saves(store)
    store.engine.dispose()  # the children open their own connections
    finished = sum(save_and_die_at(step) for step in KILL_POINTS)
    assert 0 < finished < len(KILL_POINTS), "kills must land both inside and after saves"

    rows = store.sessions()
    saved = [r for r in rows if r.id not in left_over]
    assert len(saved) == finished
    assert all(r.complete for r in saved)
    assert all(len(store.events(r.id)) == EVENTS for r in saved)
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(clients)) == len(rows)
        assert conn.scalar(select(func.count()).select_from(sessions)) == len(rows)
    _every_reader_works(cli, store, [r.id for r in saved], left_over, tmp_path)


def _sessions_from_before_atomic_saves(store: Store) -> set[str]:
    """What older versions left when killed mid-save: a bare header, a session cut short."""
    bare = store.create_session(store.add_client("Cut Short"), "acute-low-back-spasm@1.0.0", 1)
    from tablework import recorder
    from tablework.session.events import SessionStarted

    client = store.add_client("Half Saved")
    opening = SessionStarted(at=0, protocol="acute-low-back-spasm", session_index=1)
    half = recorder.open_session(store, client, opening).stored.session_id
    store.append(half, Note(at=10, text="then the power went"))
    return {bare, half}


def _every_reader_works(
    cli: CliRunner, store: Store, saved: list[str], left_over: set[str], folder: Path
) -> None:
    def run(*args: str) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == 0, (args, result.output)
        assert "Traceback" not in result.output
        return result.stdout

    listed = {s["id"]: s["complete"] for s in json.loads(run("session", "list", "-f", "json"))}
    assert all(listed[sid] for sid in saved) and not any(listed[sid] for sid in left_over)
    outcomes = json.loads(run("outcomes", "-f", "json"))
    assert {s["session_id"] for s in outcomes["sessions"] if not s["complete"]} == left_over
    assert outcomes["protocols"][0]["sessions"] == len(saved)
    checked = cli.invoke(app, ["db", "check"])
    assert checked.exit_code == 0 and "2 session(s) incomplete" in checked.output
    for session_id in [saved[0], *sorted(left_over)]:
        run("note", "draft", session_id)
        client = store.session(session_id).client_id
        run("export", "fhir", "--client", client)
        run("export", "ical", "--client", client)
        run("export", "pdf", "--session", session_id, "-o", str(folder / f"{session_id}.pdf"))
