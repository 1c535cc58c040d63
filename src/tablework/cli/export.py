"""`tablework export ...` and `tablework outcomes`: open formats out of the record."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from dataclasses import asdict, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tablework.cli.context import open_store
from tablework.cli.output import fail

if TYPE_CHECKING:
    from tablework.charting import SessionDocuments
    from tablework.exports.pdf_layout import Clinic
    from tablework.outcomes import Rate, SessionOutcome
    from tablework.store.repo import ClientRow, Store

app = typer.Typer(help="Export FHIR, PDF and iCalendar files.", no_args_is_help=True)
ClientOption = Annotated[str, typer.Option("--client", help="Client id.")]
SessionOption = Annotated[str, typer.Option("--session", help="Session id.")]
STDOUT = "-"
OutputFile = Annotated[str, typer.Option("-o", "--output", help="File to write, or - for stdout.")]
TextOutput = Annotated[
    str, typer.Option("-o", "--output", help="File to write, or - for stdout (the default).")
]


class OutcomeFormat(StrEnum):
    json = "json"
    csv = "csv"
    text = "text"


@app.command("fhir")
def fhir(client: ClientOption, output: TextOutput = STDOUT) -> None:
    """Write the client's whole record as a FHIR R4 Bundle (validated)."""
    import gc

    from tablework.exports.fhir_bundle import client_bundle
    from tablework.exports.fhir_record import load_record

    # The process builds a whole record and its models, then exits: Python's default
    # (a collection every 700 allocations) spent about 0.15 s of CPU on 200 sessions.
    gc.set_threshold(50_000, 20, 20)
    store = open_store()
    record = load_record(store, _client(store, client))
    bundle = client_bundle(record, datetime.now(UTC))
    write_output(output, (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


@app.command("pdf")
def pdf(session: SessionOption, output: OutputFile) -> None:
    """Write the session note as a PDF (- for stdout, when it is not a terminal)."""
    from tablework.exports.pdf import note_pdf
    from tablework.store import notes

    _refuse_binary_to_terminal(output)
    store = open_store()
    documents = _session(store, session)
    client = _client(store, documents.session.client_id)
    note, addenda = notes.current(store, session), notes.addenda(store, session)
    write_output(output, note_pdf(documents, note, addenda, client.display_name, _clinic()))


@app.command("handout")
def handout(session: SessionOption, output: OutputFile) -> None:
    """Write the client's home-care handout as a PDF (- for stdout, when not a terminal)."""
    from tablework.exports.pdf import handout_pdf

    _refuse_binary_to_terminal(output)
    store = open_store()
    documents = _session(store, session)
    client = _client(store, documents.session.client_id)
    content = handout_pdf(documents, client.display_name, _clinic(), datetime.now(UTC))
    write_output(output, content)


@app.command("ical")
def ical(client: ClientOption, output: TextOutput = STDOUT) -> None:
    """Write the client's planned follow-up as iCalendar."""
    from tablework.charting import load_session
    from tablework.exports.ical import follow_up_calendar

    store = open_store()
    _client(store, client)
    sessions = store.session_ids(client)
    latest = load_session(store, sessions[-1]) if sessions else None
    write_output(output, follow_up_calendar(latest, datetime.now(UTC), _clinic().zone))


def outcomes_command(
    protocol: Annotated[str | None, typer.Option("--protocol", help="Protocol id.")] = None,
    output: Annotated[OutcomeFormat, typer.Option("--format", "-f")] = OutcomeFormat.text,
    path: TextOutput = STDOUT,
) -> None:
    """How often the protocol helps: responder rates with 95 % intervals, or per-session CSV."""
    if protocol is not None:
        _known_protocol(protocol)
    store = open_store()
    if output is OutcomeFormat.text:
        text = _tallied_text(store, protocol)
    else:
        text = _listed_outcomes(store, protocol, output)
    write_output(path, text.encode("utf-8"))


def _known_protocol(protocol: str) -> None:
    from tablework.protocols.loader import UnknownProtocolError, get

    try:
        get(protocol)
    except UnknownProtocolError as error:
        fail(f"error: {error.args[0]}")


def _tallied_text(store: Store, protocol: str | None) -> str:
    """Rates from the database's counts: no session is read one by one."""
    from tablework.outcomes import tallied_rates
    from tablework.summarised import outcome_tallies

    tallies = [t for t in outcome_tallies(store) if _wanted(t.protocol, protocol)]
    rates = tallied_rates(replace(t, protocol=t.protocol.split("@")[0]) for t in tallies)
    incomplete = sum(t.sessions for t in tallies if not t.ended)
    return _rates_text(rates, sum(t.sessions for t in tallies)) + _incomplete_text(incomplete)


def _listed_outcomes(store: Store, protocol: str | None, output: OutcomeFormat) -> str:
    """Every session's outcome, as CSV or JSON (with the rates)."""
    from tablework.outcomes import responder_rates
    from tablework.summarised import client_outcomes

    sessions = [s for s in client_outcomes(store) if _wanted(s.protocol, protocol)]
    if output is OutcomeFormat.csv:
        return _csv(sessions)
    document = {
        "protocols": [rate.__dict__ for rate in responder_rates(map(_by_protocol_id, sessions))],
        "sessions": [_session_json(s) for s in sessions],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _wanted(pinned: str, protocol: str | None) -> bool:
    """Whether a session pinned to `pinned` is one of `protocol` (any version, unless named)."""
    if protocol is None:
        return True
    return pinned.split("@")[0] == protocol.split("@")[0] and (
        "@" not in protocol or pinned == protocol
    )


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


def _rates_text(rates: list[Rate], total: int) -> str:
    if not rates:
        return f"No rated sessions yet ({total} session(s) without pain before and after).\n"
    lines = [
        f"{rate.protocol}: {rate.responders} of {rate.sessions} rated sessions "
        f"responded ({rate.responder_rate:.0%}; 95 % CI {rate.ci_low:.0%} to "
        f"{rate.ci_high:.0%})"
        for rate in rates
    ]
    lines.append(
        "A responder's pain dropped by 2 points or 30 %. Small numbers give wide "
        "intervals: read the range, not just the rate."
    )
    return "\n".join(lines) + "\n"


def _incomplete_text(incomplete: int) -> str:
    if incomplete:
        return f"{incomplete} session(s) incomplete (no end recorded): not rated.\n"
    return ""


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


def _clinic() -> Clinic:
    from tablework.exports.pdf_layout import Clinic
    from tablework.settings import SettingsError, load

    try:
        return Clinic.from_settings(load())
    except SettingsError as error:
        fail(f"error: {error}")


def _refuse_binary_to_terminal(output: str) -> None:
    if output == STDOUT and sys.stdout.isatty():
        fail("error: a PDF is binary: give -o FILE, or pipe or redirect stdout")


def write_output(output: str, content: bytes) -> None:
    """`content` to stdout (`-`) or to a file, replaced whole or not at all."""
    if output == STDOUT:
        stream = typer.get_binary_stream("stdout")
        stream.write(content)
        stream.flush()
        return
    path = Path(output)
    _check_target(path)
    partial: Path | None = None
    try:
        # A private temporary name, created exclusively: nothing another user placed there
        # (a symlink, a FIFO) is followed or replaced.
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        partial = Path(name)
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
        partial.replace(path)
    except OSError as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        fail(f"error: cannot write {path}: {error.strerror}")
    sys.stderr.write(f"Wrote {path} ({len(content)} bytes)\n")


def _check_target(path: Path) -> None:
    """Refuse an output that is not a file name, not a regular file, or Tablework's own."""
    if not path.name or path.name in (".", ".."):
        fail(f"error: cannot write {str(path)!r}: give a file name")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        fail(f"error: will not replace {path}: it is not a regular file")
    from tablework.settings import load

    settings = load()
    own = [settings.key_file]
    if settings.database_url.startswith("sqlite:///"):
        own.append(Path(settings.database_url.removeprefix("sqlite:///")))
    resolved = path.resolve()
    if any(resolved == p.resolve() for p in own):
        fail(f"error: will not replace {path}: it is Tablework's own database or key")
