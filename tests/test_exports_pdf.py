"""PDFs read back with pypdf: any script prints as typed, every page has header and footer."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from export_helpers import CLIENT_NAME, SIGNER, signed_session
from tablework import charting
from tablework.documents.soap import SECTIONS
from tablework.exports.pdf import handout_pdf, note_pdf
from tablework.exports.pdf_layout import Clinic, page_footer, page_header
from tablework.store import notes
from tablework.store.notes import NoteVersion
from tablework.store.repo import Store

# 20:30 UTC is already the next morning in Shanghai: the header must say 24 November.
SERVED = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)
CLINIC = Clinic("Clínica Ñandú 北京推拿", ZoneInfo("Asia/Shanghai"))
ADDENDA = tuple(f"第{i}次随访：疼痛减轻，Zoë says “better”, 김민준 — {i}." for i in range(1, 31))


def squeeze(text: str) -> str:
    """Text without any whitespace: line wrapping may split a line anywhere in a CJK run."""
    return "".join(text.split())


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def body_of(pages: list[str], header: str) -> str:
    """The pages' text with each page's header and footer checked and taken off."""
    body = []
    for number, text in enumerate(pages, start=1):
        page = squeeze(text)
        top, bottom = squeeze(header), squeeze(page_footer(number, len(pages)))
        assert page.startswith(top), f"page {number} lacks the header"
        assert page.endswith(bottom), f"page {number} lacks the footer"
        body.append(page[len(top) : len(page) - len(bottom)])
    return "".join(body)


def expected_note(documents: charting.SessionDocuments, note: NoteVersion) -> str:
    """The note as stored and signed, in the order the PDF prints it."""
    session = documents.session
    lines = [
        "Session note",
        f"Client: {CLIENT_NAME}",
        f"Session {session.session_index}, {CLINIC.local(session.started_at)}, "
        f"protocol {session.protocol}",
        f"Signed by {note.author} at {CLINIC.local(note.created_at)}",
    ]
    for name in SECTIONS:
        lines.append(name.capitalize())
        lines += [f"- {text}" for text in note.body[name]]
    for addendum in ADDENDA:
        lines += [f"Addendum, {CLINIC.local(SERVED)}, {SIGNER}", addendum]
    lines += ["Integrity", f"SHA-256 of the signed note: {note.digest}"]
    return "".join(squeeze(line) for line in lines)


@pytest.fixture
def signed(store: Store) -> tuple[Store, str]:
    return store, signed_session(store, SERVED, addenda=ADDENDA)


def test_the_printed_note_is_the_signed_note_in_any_script(signed: tuple[Store, str]) -> None:
    store, session_id = signed
    documents = charting.load_session(store, session_id)
    note = notes.current(store, session_id)
    assert note is not None and note.kind == "signed" and note.author == SIGNER
    addenda = notes.addenda(store, session_id)
    pages = pages_of(note_pdf(documents, note, addenda, CLIENT_NAME, CLINIC))
    assert len(pages) > 1  # the addenda run over, so every page's header and footer count
    header = page_header(CLINIC, CLIENT_NAME, documents.session.started_at)
    assert body_of(pages, header) == expected_note(documents, note)
    assert "?" not in "".join(pages)


def test_the_header_names_practice_client_and_local_date_of_service(
    signed: tuple[Store, str],
) -> None:
    store, session_id = signed
    documents = charting.load_session(store, session_id)
    note = notes.current(store, session_id)
    pages = pages_of(note_pdf(documents, note, [], CLIENT_NAME, CLINIC))
    first = " ".join(pages[0].split())
    assert first.startswith(f"Clínica Ñandú 北京推拿 | {CLIENT_NAME} | Date of service 2026-11-24")
    assert f"Signed by {SIGNER} at 2026-11-24 04:30 Asia/Shanghai" in first
    assert pages[-1].split()[-4:] == ["Page", str(len(pages)), "of", str(len(pages))]


def test_the_handout_carries_the_header_and_prints_the_name(signed: tuple[Store, str]) -> None:
    store, session_id = signed
    documents = charting.load_session(store, session_id)
    pages = pages_of(handout_pdf(documents, CLIENT_NAME, CLINIC, SERVED))
    header = page_header(CLINIC, CLIENT_NAME, documents.session.started_at)
    body = body_of(pages, header)
    assert squeeze("After your session on 24 November 2026.") in body
    for exercise in documents.plan.home_care:
        assert squeeze(exercise.name) in body


def test_without_a_clinic_name_the_header_names_client_and_date() -> None:
    assert page_header(Clinic(), "王小明", SERVED) == "王小明 | Date of service 2026-11-23"
