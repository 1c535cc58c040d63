"""`tablework serve` and `tablework audit`: the web server, and who saw what."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tablework.cli.output import FormatOption, OutputFormat, fail, print_json


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Processes (PostgreSQL only).")
    ] = 1,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="HTTPS with a local CA and server certificate made on first use (kept in "
            "the user config dir): tablets need it for the microphone and the wake lock.",
        ),
    ] = False,
    tls_dir: Annotated[
        Path | None,
        typer.Option("--tls-dir", help="Where the CA and certificate live (with --tls)."),
    ] = None,
) -> None:
    """Serve the API (and the live stream) with uvicorn; migrates the SQLite default."""
    import uvicorn

    from tablework.cli.context import open_store
    from tablework.settings import load

    store = open_store()  # migrates the SQLite default, checks the schema otherwise
    if workers > 1 and store.engine.dialect.name != "postgresql":
        fail("error: several --workers need PostgreSQL (TABLEWORK_DATABASE_URL)")
    store.engine.dispose()
    load()
    secure: dict[str, str] = {}
    scheme = "http"
    if tls:
        from tablework.web import tls as certificates

        names = certificates.local_names(host)
        made = certificates.ensure(tls_dir or certificates.default_folder(), names)
        scheme = "https"
        shown = names[-1] if host in ("0.0.0.0", "::") else host
        typer.echo(certificates.how_to_trust(made, f"https://{shown}:{port}/"), err=True)
        secure = {"ssl_certfile": str(made.server_cert), "ssl_keyfile": str(made.server_key)}
    typer.echo(f"Tablework on {scheme}://{host}:{port}/  (API docs at /docs)", err=True)
    uvicorn.run(
        "tablework.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,  # request lines carry ids and remote tokens: kept out of logs
        log_level="info",
        **secure,  # type: ignore[arg-type]
    )


def audit_command(
    client: Annotated[str | None, typer.Option("--client", help="Only about this client.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only by this account.")] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Who read or wrote which record, when, from where (newest first)."""
    from tablework.cli.context import open_store
    from tablework.store import audit

    store = open_store()
    records = None
    if client is not None:
        from tablework.store.repo import NotFound

        try:
            store.client(client)
        except NotFound:
            fail(f"error: no client with id {client}")
        records = [client, *store.session_ids(client)]
    rows = audit.rows(store, records=records, actor=actor)
    if output is OutputFormat.json:
        print_json(
            [
                {
                    "actor": r.actor,
                    "action": r.action,
                    "record": r.record,
                    "at": r.at.isoformat(),
                    "address": r.address,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        typer.echo(
            f"{r.at:%Y-%m-%d %H:%M:%S}  {r.actor}  {r.action}  {r.record}  {r.address or ''}"
        )
