"""PDFs: the session note for the record, and a plain-language handout for the client.

Built with fpdf2 (pure Python) on the page of `pdf_layout`: embedded Unicode fonts, so the
text is printed exactly as stored and signed, with a header and page numbers on every page.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tablework.charting import SessionDocuments
from tablework.documents.handout import compose
from tablework.documents.soap import SECTIONS, Soap
from tablework.exports.pdf_layout import Clinic, heading, line, new_document, page_header

if TYPE_CHECKING:
    from tablework.store.notes import Addendum, NoteVersion


def note_pdf(
    documents: SessionDocuments,
    note: NoteVersion | None,
    addenda: list[Addendum],
    client_name: str,
    clinic: Clinic,
) -> bytes:
    """The session note as a PDF: the signed (or current) text, addenda and signature."""
    soap = Soap.from_json(note.body) if note else documents.soap()
    session = documents.session
    pdf = new_document("Session note", page_header(clinic, client_name, session.started_at))
    line(pdf, f"Client: {client_name}", bold=True)
    line(
        pdf,
        f"Session {session.session_index}, {clinic.local(session.started_at)}, "
        f"protocol {session.protocol}",
    )
    line(pdf, signature_line(note, clinic))
    if not documents.complete:
        line(pdf, "Incomplete session: no end of session was recorded.", bold=True)
    for name in SECTIONS:
        heading(pdf, name.capitalize())
        for text in getattr(soap, name):
            line(pdf, f"- {text}")
    for addendum in addenda:
        heading(pdf, f"Addendum, {clinic.local(addendum.created_at)}, {addendum.author}")
        line(pdf, addendum.text)
    if note is not None and note.digest:
        heading(pdf, "Integrity")
        line(pdf, f"SHA-256 of the signed note: {note.digest}", size=8)
    return bytes(pdf.output())


def signature_line(note: NoteVersion | None, clinic: Clinic) -> str:
    """Who signed the note and when, in the clinic's time zone, or that it is a draft."""
    if note is None or note.kind != "signed":
        return "Draft (not signed)"
    return f"Signed by {note.author} at {clinic.local(note.created_at)}"


def handout_pdf(
    documents: SessionDocuments, client_name: str, clinic: Clinic, generated_at: datetime
) -> bytes:
    """The client's handout (documents.handout): home stretches with dose, what to avoid,
    when to seek help; or, after a referral, where to go and why."""
    handout = compose(documents.plan, documents.record.state.block_kind)
    served_at = documents.session.started_at
    pdf = new_document(handout.title, page_header(clinic, client_name, served_at))
    line(pdf, f"After your session on {served_at.astimezone(clinic.zone):%d %B %Y}.")
    for section in handout.sections:
        heading(pdf, section.heading)
        for item in section.items:
            if item.title:
                line(pdf, item.title, bold=True)
            for text in item.lines:
                line(pdf, text if item.title else f"- {text}")
    line(pdf, f"Printed {clinic.date(generated_at)}.", size=8)
    return bytes(pdf.output())
