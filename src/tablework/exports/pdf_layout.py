"""The printed page: embedded Unicode fonts, a header naming the practice and client, page x of y.

Fonts ship with the package (`exports/fonts/`, licences beside them): DejaVu Sans for
Latin, Greek and Cyrillic, then, for what DejaVu lacks, Droid Sans Fallback (Chinese,
Japanese) and NanumSquare (Korean Hangul). They are embedded (subset) in every PDF, so a
name prints as it was typed and the printed note reads exactly as the signed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fpdf import FPDF

if TYPE_CHECKING:
    from tablework.settings import Settings

FAMILY = "DejaVuSans"
FALLBACKS = ("DroidSansFallback", "NanumSquare")
FONT_FILES = {
    (FAMILY, ""): "DejaVuSans.ttf",
    (FAMILY, "B"): "DejaVuSans-Bold.ttf",
    ("DroidSansFallback", ""): "DroidSansFallbackFull.ttf",
    ("NanumSquare", ""): "NanumSquareR.ttf",
}


@dataclass(frozen=True)
class Clinic:
    """Who prints the document and in which time zone its dates are shown."""

    name: str = ""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @classmethod
    def from_settings(cls, settings: Settings) -> Clinic:
        return cls(settings.clinic_name, settings.zone)

    def local(self, moment: datetime) -> str:
        """`moment` as date and time in the clinic's zone, naming the zone."""
        return f"{moment.astimezone(self.zone):%Y-%m-%d %H:%M} {self.zone.key}"

    def date(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.zone):%Y-%m-%d}"


def page_header(clinic: Clinic, client_name: str, served_at: datetime) -> str:
    """The line at the top of every page: practice, client, date of service."""
    parts = [clinic.name] if clinic.name else []
    parts += [client_name, f"Date of service {clinic.date(served_at)}"]
    return " | ".join(parts)


def page_footer(page: int, pages: int | str) -> str:
    return f"Page {page} of {pages}"


class _Page(FPDF):
    """An A4 page whose header and footer fpdf2 draws on every page."""

    def __init__(self, header_text: str) -> None:
        super().__init__(format="A4")
        self.header_text = header_text

    def header(self) -> None:
        self.set_font(FAMILY, size=8)
        self.multi_cell(0, 4.5, self.header_text, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        # fpdf2 replaces its alias ("{nb}") with the page count when the document closes.
        self.cell(0, 5, page_footer(self.page_no(), self.str_alias_nb_pages), align="C")


def new_document(title: str, header_text: str) -> FPDF:
    """A PDF with the fonts loaded, the header set, and its title on the first page."""
    pdf = _Page(header_text)
    fonts = resources.files("tablework.exports") / "fonts"
    for (family, style), filename in FONT_FILES.items():
        with resources.as_file(fonts / filename) as path:
            pdf.add_font(family, style, str(path))
    pdf.set_fallback_fonts(list(FALLBACKS), exact_match=False)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(title)
    pdf.set_creator("Tablework")
    pdf.add_page()
    pdf.set_font(FAMILY, style="B", size=16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    return pdf


def heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    line(pdf, text, bold=True, size=12)


def line(pdf: FPDF, text: str, *, bold: bool = False, size: int = 10) -> None:
    pdf.set_font(FAMILY, style="B" if bold else "", size=size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
