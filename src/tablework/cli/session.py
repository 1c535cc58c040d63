"""`tablework session ...`: simulate scripted sessions, list and replay stored ones."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tablework.cli.output import FormatOption, OutputFormat, fail, print_json, read_json

if TYPE_CHECKING:
    from tablework.session.simulator import Simulation
    from tablework.store.repo import Store

app = typer.Typer(help="Simulate, list and replay sessions.", no_args_is_help=True)


@app.command("simulate")
def simulate(
    script: Annotated[Path, typer.Argument(metavar="SCRIPT.json", help="Session script.")],
    output: FormatOption = OutputFormat.text,
    save: Annotated[
        bool, typer.Option("--save", help="Also store it (under a new client unless --client).")
    ] = False,
    client: Annotated[
        str | None,
        typer.Option("--client", help="With --save: the existing client to store it under."),
    ] = None,
) -> None:
    """Run a scripted session through the engine and print the guidance after each event."""
    from tablework.session.simulator import ScriptError
    from tablework.session.simulator import simulate as run_script

    if client is not None and not save:
        fail("error: --client only applies with --save")
    data = read_json(script)
    if client is not None and isinstance(data, dict) and "history" not in data:
        data = _with_history(data, client)
    try:
        result = run_script(data)
    except ScriptError as error:
        fail(f"{script}: {error}")
    session_id = _save(data, result, client) if save else None
    if output is OutputFormat.json:
        body = result.as_json()
        if session_id:
            body["session_id"] = session_id
        print_json(body)
        return
    _print_text(result, title_suffix="")
    if session_id:
        typer.echo(f"\nSaved as session {session_id}")


@app.command("replay")
def replay(
    session_id: Annotated[str, typer.Argument(metavar="SESSION_ID")],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Print a stored session's trace, rebuilt by replaying its events through the engine."""
    from tablework.protocols.loader import UnknownProtocolError
    from tablework.recorder import trace
    from tablework.session.events import EventError
    from tablework.session.simulator import ScriptError
    from tablework.store.repo import NotFound

    try:
        result = trace(_store(), session_id)
    except NotFound:
        fail(f"error: no session with id {session_id}")
    except (UnknownProtocolError, EventError, ScriptError) as error:
        fail(f"error: session {session_id} cannot be replayed: {error}", code=1)
    if output is OutputFormat.json:
        print_json({"session_id": session_id, **result.as_json()})
        return
    _print_text(result, title_suffix=f" - stored session {session_id}")


@app.command("list")
def list_sessions(
    client: Annotated[str | None, typer.Option("--client", help="Only this client's.")] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """List stored sessions, oldest first."""
    store = _store()
    _existing_client(store, client)
    rows = store.sessions(client)
    if output is OutputFormat.json:
        print_json(
            [
                {
                    "id": r.id,
                    "client_id": r.client_id,
                    "protocol": r.protocol,
                    "session_index": r.session_index,
                    "started_at": r.started_at.isoformat(),
                    "complete": r.complete,
                }
                for r in rows
            ]
        )
        return
    lines = [
        f"{r.id}  {r.started_at:%Y-%m-%d %H:%M}  session {r.session_index}  {r.protocol}"
        + ("" if r.complete else "  INCOMPLETE (no end recorded)")
        for r in rows
    ]
    if lines:  # one write: a line at a time costs more than the query at 100 k sessions
        typer.echo("\n".join(lines))


def _store() -> Any:
    from tablework.cli.context import open_store

    return open_store()


def _existing_client(store: Store, client_id: str | None) -> str | None:
    """`client_id` when it names a stored client (or is None); otherwise exit 2."""
    from tablework.store.repo import NotFound

    if client_id is None:
        return None
    try:
        store.client(client_id)
    except NotFound:
        fail(f"error: no client with id {client_id}")
    return client_id


def _with_history(data: dict[str, Any], client_id: str) -> dict[str, Any]:
    """The script with the stored client's earlier sessions, so its plan is theirs."""
    from tablework import recorder
    from tablework.protocols.loader import UnknownProtocolError, get

    store = _store()
    _existing_client(store, client_id)
    try:
        protocol = get(str(data.get("protocol", "")))
    except UnknownProtocolError:
        return data  # the simulator reports the unknown protocol
    history = recorder.history_for(store, client_id, protocol.id)
    if not history.sessions:
        return data
    return {**data, "history": history.model_dump(mode="json")}


def _save(data: dict[str, Any], result: Simulation, client_id: str | None) -> str:
    """Store the simulated session whole (under `client_id`, or a new client), in one
    transaction."""
    from tablework import recorder
    from tablework.session.simulator import opening_event, parse_header

    header = parse_header(data)
    store = _store()
    saved = recorder.save_session(
        store,
        opening_event(header, result.protocol),
        [step.event for step in result.steps],
        client_id=_existing_client(store, client_id),
        client_name=header.client or "Simulated client",
    )
    return saved.session_id


def _print_text(result: Simulation, title_suffix: str) -> None:
    from tablework.session.narrate import (
        describe_guidance,
        reason_lines,
        summary_lines,
        timeline,
    )
    from tablework.session.summary import summarize

    protocol = result.protocol
    summary = summarize(result.state)
    lines = [
        f"{protocol.title} - session {summary['session_index']} ({protocol.ref}){title_suffix}",
        " 0:00  Session started",
        f"       {describe_guidance(result.opening)}",
        *reason_lines(result.opening),  # the screening limits and the day's plan, said first
        *timeline([(s.event, s.guidance) for s in result.steps], protocol),
        "",
        *summary_lines(summary, protocol),
    ]
    sys.stdout.write("\n".join(lines) + "\n")
