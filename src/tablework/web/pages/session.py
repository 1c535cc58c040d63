"""The session screen (a tablet on a stand) and the client's remote (their phone).

Both pages are thin: they draw what the server says and send events to the JSON API
(`POST /api/sessions/{id}/events`, `POST /r/{token}/answers`); the live stream keeps them
current. Nothing on the remote names the client.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse

from tablework import recorder
from tablework.session.engine import advise
from tablework.store import access, clinic_settings, tokens
from tablework.web.deps import ServerDep
from tablework.web.errors import Refused
from tablework.web.live import seconds_into
from tablework.web.pages.common import PageStore, PageTrail, PageViewer, check_csrf, render
from tablework.web.screen import chart, view

router = APIRouter(include_in_schema=False)
DRAWN = frozenset(
    {
        "thoracolumbar-left",
        "thoracolumbar-right",
        "ql-left",
        "ql-right",
        "lumbar-paraspinals-left",
        "lumbar-paraspinals-right",
        "sacrum",
        "gluteals-left",
        "gluteals-right",
        "posterior-thigh-left",
        "posterior-thigh-right",
        "hip-flexors-right",
        "hip-flexors-left",
    }
)
"""Areas the body chart draws; any other area of a protocol gets a plain button."""


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_screen(
    session_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
) -> HTMLResponse:
    """The live screen: guidance, countdown, body chart, answers, shortcuts."""
    session = access.session_for(store, viewer.account, session_id)
    trail.add("session_screen", session.id)
    protocol, state, stored = recorder.load(store, session.id)
    now = seconds_into(store, session)
    guidance = advise(state, now).as_json()
    client = store.client(session.client_id)
    boot = {
        "session_id": session.id,
        "client_id": session.client_id,
        "session_index": session.session_index,
        "protocol": session.protocol,
        "last_seq": stored[-1].seq if stored else 0,
        "seconds_now": now,
        "check_in_seconds": state.check_in_interval,
        "voice_prompts": clinic_settings.read(
            store, viewer.account.clinic, server.settings
        ).voice_prompts,
        "guidance": guidance,
        "view": view(state),
        "chart": chart(protocol),
        # The refused attempts, so the log drawn from /events can mark them as the stream
        # does (a refused event is stored like any other; only the fold knows).
        "refused_seqs": [refusal.seq for refusal in state.refusals],
    }
    return render(
        request,
        "session.html",
        viewer,
        session=session,
        client=client,
        protocol=protocol,
        guidance=guidance,
        screen=boot["view"],
        boot_seq=boot["last_seq"],
        drawn=DRAWN,
        boot=json.dumps(boot).replace("<", "\\u003c").replace(">", "\\u003e"),
    )


@router.post("/sessions/{session_id}/remote", response_class=HTMLResponse)
def remote_link(
    session_id: str,
    request: Request,
    viewer: PageViewer,
    store: PageStore,
    trail: PageTrail,
    server: ServerDep,
    x_csrf_token: Annotated[str | None, Header(max_length=200)] = None,
) -> HTMLResponse:
    """A new remote for this session: its QR code (SVG) and link, as a fragment."""
    check_csrf(viewer, x_csrf_token)
    session = access.session_for(store, viewer.account, session_id)
    trail.add("create_remote", session.id)
    if session.complete:
        raise Refused(409, "the session has ended")
    issued = tokens.issue_remote(store, session.id, timedelta(hours=server.settings.remote_hours))
    url = f"{request.base_url}r/{issued.secret}"
    return render(
        request,
        "remote_link.html",
        viewer,
        url=url,
        local_only=request.url.hostname in ("127.0.0.1", "localhost", "::1"),
        qr=_qr_svg(url),
        expires_at=issued.expires_at.astimezone(server.settings.zone).strftime("%H:%M"),
    )


@router.get("/r/{token}", response_class=HTMLResponse)
def remote_page(token: str, request: Request, server: ServerDep) -> HTMLResponse:
    """The client's phone page: Lighter, Good, Deeper, Stop and a pain slider, no names."""
    if len(token) > 200:
        raise Refused(404, "not found")
    tokens.remote_session(server.store, token)  # 404 unknown, 410 ended or expired
    return render(request, "remote.html", None, token=token)


def _qr_svg(url: str) -> str:
    """The link as an SVG QR code, drawn in dark on light for any phone camera."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        scale=6,
        border=2,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        title="QR code: the client's remote",
        nl=False,
    )
    return out.getvalue().decode()
