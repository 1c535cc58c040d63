"""PDFs: the session note for the record, and a plain-language handout for the client.

Built with fpdf2 (pure Python) on the page of `pdf_layout`: embedded Unicode fonts, so the
text is printed exactly as stored and signed, with a header and page numbers on every page.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tablework.charting import SessionDocuments
from tablework.documents.soap import SECTIONS, Soap, dose_text
from tablework.exports.pdf_layout import Clinic, heading, line, new_document, page_header

if TYPE_CHECKING:
    from tablework.store.notes import Addendum, NoteVersion

WHEN_TO_SEEK_HELP = (
    "Go to an emergency department straight away if you notice: new trouble passing urine "
    "or leaking, loss of bowel control, numbness between the legs or around the back "
    "passage, or weakness or numbness spreading to both legs.",
    "See a doctor soon if you develop a fever, feel generally unwell, lose weight without "
    "trying, the pain is bad all night, or things are not improving after a few weeks.",
)
WHAT_TO_AVOID = (
    "Do not push any stretch into pain: mild tension is enough.",
    "No bouncing; move slowly into each position and breathe out as you hold it.",
    "Keep gently moving during the day; long spells in bed tend to slow recovery.",
)


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
    """The client's handout: home stretches with dose, what to avoid, when to seek help."""
    plan = documents.plan
    served_at = documents.session.started_at
    pdf = new_document("Your back: what to do at home", page_header(clinic, client_name, served_at))
    line(pdf, f"After your session on {served_at.astimezone(clinic.zone):%d %B %Y}.")
    heading(pdf, "Your stretches")
    if not plan.home_care:
        line(pdf, "No stretches yet: rest comfortably and keep gently moving.")
    for exercise in plan.home_care:
        line(pdf, exercise.name, bold=True)
        line(pdf, exercise.instructions)
        line(pdf, f"How much: {dose_text(exercise)}.")
        if exercise.caution:
            line(pdf, f"Take care: {exercise.caution}")
    heading(pdf, "What to avoid")
    for text in WHAT_TO_AVOID:
        line(pdf, f"- {text}")
    heading(pdf, "When to get help")
    for text in WHEN_TO_SEEK_HELP:
        line(pdf, f"- {text}")
    heading(pdf, "Next visit")
    line(pdf, f"We suggest coming back in about {plan.follow_up_days} days.")
    line(pdf, f"Printed {clinic.date(generated_at)}.", size=8)
    return bytes(pdf.output())
