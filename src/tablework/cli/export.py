"""`tablework export ...` and `tablework outcomes`: open formats out of the record."""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import asdict, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tablework.cli.context import open_store
from tablework.cli.output import fail, print_json

if TYPE_CHECKING:
    from tablework.charting import SessionDocuments
    from tablework.outcomes import Rate, SessionOutcome
    from tablework.store.repo import ClientRow, Store

app = typer.Typer(help="Export FHIR, PDF and iCalendar files.", no_args_is_help=True)
ClientOption = Annotated[str, typer.Option("--client", help="Client id.")]
SessionOption = Annotated[str, typer.Option("--session", help="Session id.")]
OutputFile = Annotated[Path, typer.Option("-o", "--output", help="File to write.")]


class OutcomeFormat(StrEnum):
    json = "json"
    csv = "csv"
    text = "text"


@app.command("fhir")
def fhir(client: ClientOption) -> None:
    """Print the client's record as a FHIR R4 Bundle (validated) on stdout."""
    from tablework.charting import load_session
    from tablework.exports.fhir_bundle import client_bundle

    store = open_store()
    row = _client(store, client)
    sessions = [load_session(store, sid) for sid in store.session_ids(client)]
    print_json(client_bundle(row, sessions, datetime.now(UTC)))


@app.command("pdf")
def pdf(session: SessionOption, output: OutputFile) -> None:
    """Write the session note as a PDF."""
    from tablework.exports.pdf import note_pdf
    from tablework.store import notes

    store = open_store()
    documents = _session(store, session)
    client = _client(store, documents.session.client_id)
    content = note_pdf(
        documents, notes.current(store, session), notes.addenda(store, session), client.display_name
    )
    _write(output, content)


@app.command("handout")
def handout(session: SessionOption, output: OutputFile) -> None:
    """Write the client's home-care handout as a PDF."""
    from tablework.exports.pdf import handout_pdf

    documents = _session(open_store(), session)
    _write(output, handout_pdf(documents, datetime.now(UTC)))


@app.command("ical")
def ical(client: ClientOption) -> None:
    """Print the client's planned follow-up as iCalendar on stdout."""
    from tablework.charting import load_session
    from tablework.exports.ical import follow_up_calendar

    store = open_store()
    _client(store, client)
    sessions = store.session_ids(client)
    latest = load_session(store, sessions[-1]) if sessions else None
    sys.stdout.write(follow_up_calendar(latest, datetime.now(UTC)).decode("utf-8"))


def outcomes_command(
    protocol: Annotated[str | None, typer.Option("--protocol", help="Protocol id.")] = None,
    output: Annotated[OutcomeFormat, typer.Option("--format", "-f")] = OutcomeFormat.text,
) -> None:
    """How often the protocol helps: responder rates with 95 % intervals, or per-session CSV."""
    from tablework.charting import client_outcomes
    from tablework.outcomes import responder_rates

    sessions = client_outcomes(open_store())
    if protocol is not None:
        sessions = [
            s
            for s in sessions
            if s.protocol.split("@")[0] == protocol.split("@")[0]
            and (("@" not in protocol) or s.protocol == protocol)
        ]
    by_id = [_by_protocol_id(s) for s in sessions]
    rates = responder_rates(by_id)
    if output is OutcomeFormat.csv:
        sys.stdout.write(_csv(sessions))
    elif output is OutcomeFormat.json:
        print_json(
            {
                "protocols": [rate.__dict__ for rate in rates],
                "sessions": [_session_json(s) for s in sessions],
            }
        )
    else:
        _print_rates(rates, len(sessions))
        _print_incomplete(sessions)


def _by_protocol_id(outcome: SessionOutcome) -> SessionOutcome:
    """Rates are per protocol, across its versions; each session keeps its pinned version."""
    return replace(outcome, protocol=outcome.protocol.split("@")[0])


def _session_json(outcome: SessionOutcome) -> dict[str, Any]:
    return {**asdict(outcome), "change": outcome.change}


def _csv(sessions: list[SessionOutcome]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "session_id",
            "client_id",
            "protocol",
            "session_index",
            "started_at",
            "pain_before",
            "pain_after",
            "change",
            "responder",
            "psfs_mean",
            "complete",
        ]
    )
    for s in sessions:
        writer.writerow(
            [
                s.session_id,
                s.client_id,
                s.protocol,
                s.session_index,
                s.started_at,
                _cell(s.pain_before),
                _cell(s.pain_after),
                _cell(s.change),
                _cell(s.responder),
                _cell(s.psfs_mean),
                _cell(s.complete),
            ]
        )
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _print_rates(rates: list[Rate], total: int) -> None:
    if not rates:
        typer.echo(f"No rated sessions yet ({total} session(s) without pain before and after).")
        return
    for rate in rates:
        typer.echo(
            f"{rate.protocol}: {rate.responders} of {rate.sessions} rated sessions "
            f"responded ({rate.responder_rate:.0%}; 95 % CI {rate.ci_low:.0%} to "
            f"{rate.ci_high:.0%})"
        )
    typer.echo(
        "A responder's pain dropped by 2 points or 30 %. Small numbers give wide "
        "intervals: read the range, not just the rate."
    )


def _print_incomplete(sessions: list[SessionOutcome]) -> None:
    incomplete = sum(not s.complete for s in sessions)
    if incomplete:
        typer.echo(f"{incomplete} session(s) incomplete (no end recorded): not rated.")


def _client(store: Store, client_id: str) -> ClientRow:
    from tablework.store.repo import NotFound

    try:
        return store.client(client_id)
    except NotFound:
        fail(f"error: no client with id {client_id}")


def _session(store: Store, session_id: str) -> SessionDocuments:
    from tablework.charting import load_session
    from tablework.store.repo import NotFound

    try:
        return load_session(store, session_id)
    except NotFound:
        fail(f"error: no session with id {session_id}")


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        fail(f"error: cannot write {path}: {error.strerror}")
    typer.echo(f"Wrote {path} ({len(content)} bytes)")
