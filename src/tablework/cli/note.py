"""`tablework note ...`: draft, edit, sign, amend and verify session notes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tablework.cli.context import open_store
from tablework.cli.output import FormatOption, OutputFormat, fail, print_json, read_json

if TYPE_CHECKING:
    from tablework.store.repo import Store

app = typer.Typer(help="Draft, edit, sign, amend and verify session notes.", no_args_is_help=True)
SessionId = Annotated[str, typer.Argument(metavar="SESSION_ID")]
INCOMPLETE = "incomplete session: no end of session was recorded"
MAX_AUTHOR = 200
MAX_ADDENDUM = 20_000


def _bounded(limit: int, what: str) -> Any:
    def check(value: str) -> str:
        if len(value) > limit:
            raise typer.BadParameter(f"{what} is at most {limit} characters")
        return value

    return check


Author = Annotated[
    str,
    typer.Option(
        "--by",
        help="Who signs or writes (name, role).",
        callback=_bounded(MAX_AUTHOR, "--by"),
    ),
]


@app.command("draft")
def draft_note(session_id: SessionId, output: FormatOption = OutputFormat.text) -> None:
    """Draft the SOAP note from the intake and session events (kept as version 1)."""
    from tablework import charting
    from tablework.store import notes

    store = _store_with(session_id)
    if notes.current(store, session_id) is None:
        documents = charting.load_session(store, session_id)
        if not documents.complete:
            sys.stderr.write(f"warning: {INCOMPLETE}: the draft covers only what was stored\n")
        notes.draft(store, session_id, documents.soap().as_json())
    _show(store, session_id, output)


@app.command("show")
def show(session_id: SessionId, output: FormatOption = OutputFormat.text) -> None:
    """Show the current note, its status and any addenda."""
    _show(_store_with(session_id), session_id, output)


@app.command("edit")
def edit(
    session_id: SessionId,
    sections_path: Annotated[Path, typer.Argument(metavar="NOTE.json")],
    by: Author = "",
) -> None:
    """Replace the draft with edited sections (JSON: subjective, objective, assessment, plan)."""
    from tablework.documents.soap import SECTIONS
    from tablework.store import notes

    data = read_json(sections_path)
    if (
        not isinstance(data, dict)
        or set(data) != set(SECTIONS)
        or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in data.values()
        )
    ):
        fail(
            f"{sections_path}: a note is a JSON object with exactly the lists of text "
            f"{', '.join(SECTIONS)}"
        )
    store = _store_with(session_id)
    try:
        version = notes.save(store, session_id, data, by or None)
    except notes.NoteLocked as error:
        fail(f"error: {error}")
    typer.echo(f"Saved note version {version.version} ({version.kind})")


@app.command("sign")
def sign(session_id: SessionId, by: Author) -> None:
    """Sign the current note: it is locked, hashed and chained."""
    from tablework.store import notes

    if not by.strip():
        fail("error: --by needs the signer's name")
    store = _store_with(session_id)
    try:
        signed = notes.sign(store, session_id, by.strip())
    except (notes.NoteLocked, notes.NoNote) as error:
        fail(f"error: session {session_id}: {error}")
    typer.echo(
        f"Signed by {signed.author} at {signed.created_at:%Y-%m-%d %H:%M} UTC; "
        f"sha256 {signed.digest}"
    )


@app.command("addendum")
def addendum(
    session_id: SessionId,
    by: Author,
    text: Annotated[
        str,
        typer.Option("--text", help="The addendum.", callback=_bounded(MAX_ADDENDUM, "--text")),
    ],
) -> None:
    """Add a dated addendum to a signed note."""
    from tablework.store import notes

    if not by.strip() or not text.strip():
        fail("error: an addendum needs --by and --text")
    store = _store_with(session_id)
    try:
        added = notes.add_addendum(store, session_id, by.strip(), text.strip())
    except notes.NoNote as error:
        fail(f"error: {error}")
    typer.echo(f"Addendum by {added.author} at {added.created_at:%Y-%m-%d %H:%M} UTC")


@app.command("verify")
def verify(session_id: SessionId) -> None:
    """Check the session's events, note and addenda against the chain; exit 1 if altered."""
    from tablework.store import notes

    result = notes.verify(_store_with(session_id), session_id)
    if not result.ok:
        fail("ALTERED: " + "\nALTERED: ".join(result.problems), code=1)
    signed = f"the signed note's sha256 is {result.signed}" if result.signed else "not signed yet"
    typer.echo(f"ok: the session's record is as it was written; {signed}")


def _store_with(session_id: str) -> Store:
    from tablework.store.repo import NotFound

    store = open_store()
    try:
        store.session(session_id)
    except NotFound:
        fail(f"error: no session with id {session_id}")
    return store


def _show(store: Store, session_id: str, output: OutputFormat) -> None:
    from tablework.documents.soap import Soap
    from tablework.store import notes

    note = notes.current(store, session_id)
    if note is None:
        fail(f"error: session {session_id} has no note yet: run `tablework note draft`")
    extra = notes.addenda(store, session_id)
    complete = store.session(session_id).complete
    if output is OutputFormat.json:
        body: dict[str, Any] = {
            "session_id": session_id,
            "version": note.version,
            "status": note.kind,
            "sections": note.body,
            "signed_by": note.author if note.kind == "signed" else None,
            "digest": note.digest,
            "session_complete": complete,
            "addenda": [
                {"author": a.author, "at": a.created_at.isoformat(), "text": a.text} for a in extra
            ],
        }
        print_json(body)
        return
    status = (
        f"SIGNED by {note.author} at {note.created_at:%Y-%m-%d %H:%M} UTC"
        if note.kind == "signed"
        else f"{note.kind.upper()} (version {note.version})"
    )
    typer.echo(f"Session note - {status}\n")
    if not complete:
        typer.echo(f"{INCOMPLETE.upper()}.\n")
    typer.echo(Soap.from_json(note.body).as_text(), nl=False)
    for item in extra:
        typer.echo(f"ADDENDUM {item.created_at:%Y-%m-%d %H:%M} UTC by {item.author}: {item.text}")
