"""PDFs: the session note for the record, and a plain-language handout for the client.

Built with fpdf2 (pure Python). Its core fonts cover Latin-1 only, so text is normalised
(typographic quotes and dashes to plain ones) before it is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tablework.charting import SessionDocuments
from tablework.documents.soap import SECTIONS, Soap, dose_text

if TYPE_CHECKING:
    from fpdf import FPDF

    from tablework.store.notes import Addendum, NoteVersion

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u2265": ">=",
    "\u2264": "<=",
}

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
    documents: SessionDocuments, note: NoteVersion | None, addenda: list[Addendum], client_name: str
) -> bytes:
    """The session note as a PDF: the signed (or current) text, addenda and signature."""
    soap = Soap.from_json(note.body) if note else documents.soap()
    pdf = _document("Session note")
    session = documents.session
    _line(pdf, f"Client: {client_name}", bold=True)
    _line(
        pdf,
        f"Session {session.session_index}, {session.started_at:%Y-%m-%d %H:%M} UTC, "
        f"protocol {session.protocol}",
    )
    status = (
        "Draft (not signed)"
        if note is None or note.kind != "signed"
        else (f"Signed by {note.author} at {note.created_at:%Y-%m-%d %H:%M} UTC")
    )
    _line(pdf, status)
    if not documents.complete:
        _line(pdf, "Incomplete session: no end of session was recorded.", bold=True)
    for name in SECTIONS:
        _heading(pdf, name.capitalize())
        for text in getattr(soap, name):
            _line(pdf, f"- {text}")
    for addendum in addenda:
        _heading(pdf, f"Addendum, {addendum.created_at:%Y-%m-%d %H:%M} UTC, {addendum.author}")
        _line(pdf, addendum.text)
    if note is not None and note.digest:
        _heading(pdf, "Integrity")
        _line(pdf, f"SHA-256 of the signed note: {note.digest}", size=8)
    return bytes(pdf.output())


def handout_pdf(documents: SessionDocuments, generated_at: datetime) -> bytes:
    """The client's handout: home stretches with dose, what to avoid, when to seek help."""
    plan = documents.plan
    pdf = _document("Your back: what to do at home")
    _line(pdf, f"After your session on {documents.session.started_at:%d %B %Y}.")
    _heading(pdf, "Your stretches")
    if not plan.home_care:
        _line(pdf, "No stretches yet: rest comfortably and keep gently moving.")
    for exercise in plan.home_care:
        _line(pdf, exercise.name, bold=True)
        _line(pdf, exercise.instructions)
        _line(pdf, f"How much: {dose_text(exercise)}.")
        if exercise.caution:
            _line(pdf, f"Take care: {exercise.caution}")
    _heading(pdf, "What to avoid")
    for text in WHAT_TO_AVOID:
        _line(pdf, f"- {text}")
    _heading(pdf, "When to get help")
    for text in WHEN_TO_SEEK_HELP:
        _line(pdf, f"- {text}")
    _heading(pdf, "Next visit")
    _line(pdf, f"We suggest coming back in about {plan.follow_up_days} days.")
    _line(pdf, f"Printed {generated_at:%Y-%m-%d}.", size=8)
    return bytes(pdf.output())


def _document(title: str) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_creator("Tablework")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 9, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    _line(pdf, text, bold=True, size=12)


def _line(pdf: FPDF, text: str, *, bold: bool = False, size: int = 10) -> None:
    pdf.set_font("Helvetica", style="B" if bold else "", size=size)
    pdf.multi_cell(0, size * 0.55, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _latin1(text: str) -> str:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", errors="replace").decode("latin-1")
