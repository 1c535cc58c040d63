"""Exports from the demo record: FHIR Bundle, PDFs, iCalendar, outcomes CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from icalendar import Calendar
from pypdf import PdfReader
from typer.testing import CliRunner

from tablework import charting
from tablework.cli import app
from tablework.demo import fill
from tablework.exports.fhir_bundle import PAIN_CODE, client_bundle
from tablework.exports.fhir_record import load_record
from tablework.exports.ical import follow_up_calendar
from tablework.exports.pdf import handout_pdf, note_pdf
from tablework.exports.pdf_layout import Clinic
from tablework.store import notes
from tablework.store.repo import Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(store: Store) -> Store:
    fill(store, NOW)
    return store


def client_named(store: Store, name: str) -> str:
    return next(c.id for c in store.clients() if c.display_name.startswith(name))


def test_the_fhir_bundle_validates_and_carries_every_pain_rating(demo: Store) -> None:
    client_id = client_named(demo, "Robin")
    sessions = [charting.load_session(demo, s) for s in demo.session_ids(client_id)]
    client = next(c for c in demo.clients() if c.id == client_id)
    data = client_bundle(load_record(demo, client), NOW)
    bundle = Bundle.model_validate(data)
    kinds = [e.resource.__resource_type__ for e in bundle.entry]
    assert kinds.count("Patient") == 1
    assert kinds.count("Encounter") == kinds.count("Procedure") == 2
    assert kinds.count("CarePlan") == kinds.count("QuestionnaireResponse") == 2
    pains = [e.resource for e in bundle.entry if e.resource.__resource_type__ == "Observation"]
    expected = sum(1 + 1 + sum(c.pain is not None for c in s.record.check_ins) for s in sessions)
    assert len(pains) == expected
    assert all(p.code.coding[0].code == PAIN_CODE for p in pains)
    assert client_bundle(load_record(demo, client), NOW) == data  # stable identifiers


def test_the_note_pdf_opens_and_reads_as_the_signed_note(demo: Store) -> None:
    session_id = demo.session_ids(client_named(demo, "Robin"))[0]
    documents = charting.load_session(demo, session_id)
    content = note_pdf(
        documents,
        notes.current(demo, session_id),
        notes.addenda(demo, session_id),
        "Robin Demo (demo)",
        Clinic(),
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    for expected in (
        "Subjective",
        "Objective",
        "Assessment",
        "Plan",
        "Signed by",
        "Addendum",
        "SHA-256",
    ):
        assert expected in text


def test_the_handout_names_the_stretches_dose_and_when_to_get_help(demo: Store) -> None:
    session_id = demo.session_ids(client_named(demo, "Robin"))[0]
    documents = charting.load_session(demo, session_id)
    reader = PdfReader(io.BytesIO(handout_pdf(documents, "Robin Demo (demo)", Clinic(), NOW)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for exercise in documents.plan.home_care:
        assert exercise.name in text
    assert "hold 10-30 s" in text and "What to avoid" in text
    assert "emergency department" in text


def test_the_ical_parses_back_with_the_planned_follow_up(demo: Store) -> None:
    session_id = demo.session_ids(client_named(demo, "Robin"))[-1]
    documents = charting.load_session(demo, session_id)
    calendar = Calendar.from_ical(follow_up_calendar(documents, NOW))
    (event,) = calendar.walk("VEVENT")
    days = timedelta(days=documents.plan.follow_up_days)
    planned = documents.session.started_at.date() + days
    assert event.decoded("dtstart") == planned
    assert "Robin" not in event.to_ical().decode()


def test_an_uncleared_emergency_books_nothing_and_the_handout_says_where_to_go(
    demo: Store,
) -> None:
    session_id = demo.session_ids(client_named(demo, "Alex"))[-1]
    documents = charting.load_session(demo, session_id)
    assert documents.record.state.blocked and documents.plan.referral_only
    assert Calendar.from_ical(follow_up_calendar(documents, NOW)).walk("VEVENT") == []
    reader = PdfReader(io.BytesIO(handout_pdf(documents, "Alex Sample (demo)", Clinic(), NOW)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Where to go, and why" in text and "emergency department" in text
    assert "Your stretches" not in text and "coming back" not in text


def test_the_follow_up_day_counts_from_the_clinics_date_of_service(demo: Store) -> None:
    session_id = demo.session_ids(client_named(demo, "Robin"))[-1]
    documents = charting.load_session(demo, session_id)
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: noon UTC is already tomorrow there
    (event,) = Calendar.from_ical(follow_up_calendar(documents, NOW, kiritimati)).walk("VEVENT")
    served = documents.session.started_at.astimezone(kiritimati).date()
    assert served == documents.session.started_at.date() + timedelta(days=1)
    assert event.decoded("dtstart") == served + timedelta(days=documents.plan.follow_up_days)


def test_the_demo_shows_every_feature(demo: Store) -> None:
    outcomes = charting.client_outcomes(demo)
    assert {o.responder for o in outcomes} >= {True, False, None}
    documents = [charting.load_session(demo, s) for s in demo.session_ids()]
    states = [d.record.state for d in documents]
    assert any(s.reactive for s in states)
    assert any(s.deviations for s in states)
    assert any(s.blocked for s in states)
    assert any("no_prone" in s.modifications.ids for s in states)
    assert any(s.clearance for s in states)
    signed = [notes.current(demo, d.session.id) for d in documents]
    assert any(n is not None and n.kind == "signed" for n in signed)
    assert any(notes.addenda(demo, d.session.id) for d in documents)


def test_running_the_demo_twice_adds_nothing(demo: Store) -> None:
    before = len(demo.clients())
    assert fill(demo, NOW).already_present
    assert len(demo.clients()) == before


# The command line, on the SQLite default path


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TABLEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    return runner


def test_outcomes_json_has_the_contract_fields(cli_db: CliRunner) -> None:
    result = cli_db.invoke(app, ["outcomes", "--format", "json"])
    (rate,) = json.loads(result.output)["protocols"]
    assert rate["protocol"] == "acute-low-back-spasm"
    assert {"sessions", "responders", "responder_rate", "ci_low", "ci_high"} <= set(rate)
    assert rate["ci_low"] <= rate["responder_rate"] <= rate["ci_high"]


def test_outcomes_csv_has_a_row_per_session(cli_db: CliRunner) -> None:
    result = cli_db.invoke(
        app, ["outcomes", "--format", "csv", "--protocol", "acute-low-back-spasm"]
    )
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 7
    assert {r["responder"] for r in rows} == {"yes", "no", ""}


def test_export_commands_write_files_and_refuse_unknown_ids(
    cli_db: CliRunner, tmp_path: Path
) -> None:
    clients = json.loads(cli_db.invoke(app, ["client", "list", "--format", "json"]).output)
    client_id = clients[0]["id"]
    sessions = json.loads(
        cli_db.invoke(app, ["session", "list", "--client", client_id, "--format", "json"]).output
    )
    session_id = sessions[0]["id"]
    for kind in ("pdf", "handout"):
        path = tmp_path / f"{kind}.pdf"
        result = cli_db.invoke(app, ["export", kind, "--session", session_id, "-o", str(path)])
        assert result.exit_code == 0 and PdfReader(str(path)).pages
    bundle = json.loads(cli_db.invoke(app, ["export", "fhir", "--client", client_id]).output)
    assert bundle["resourceType"] == "Bundle"
    assert cli_db.invoke(app, ["export", "ical", "--client", client_id]).exit_code == 0
    for args in (
        ["export", "fhir", "--client", "nope"],
        ["export", "pdf", "--session", "nope", "-o", str(tmp_path / "x.pdf")],
    ):
        result = cli_db.invoke(app, args)
        assert result.exit_code == 2 and "no " in result.output


def test_note_commands_sign_amend_and_verify(cli_db: CliRunner) -> None:
    session_id = json.loads(cli_db.invoke(app, ["session", "list", "--format", "json"]).output)[-1][
        "id"
    ]
    shown = json.loads(cli_db.invoke(app, ["note", "show", session_id, "--format", "json"]).output)
    assert shown["status"] == "signed"
    assert cli_db.invoke(app, ["note", "verify", session_id]).exit_code == 0
    result = cli_db.invoke(
        app,
        [
            "note",
            "addendum",
            session_id,
            "--by",
            "Invented LMT",
            "--text",
            "Follow-up call: improving.",
        ],
    )
    assert result.exit_code == 0
    assert "ADDENDUM" in cli_db.invoke(app, ["note", "show", session_id]).output


def test_a_signed_note_cannot_be_edited_from_the_command_line(
    cli_db: CliRunner, tmp_path: Path
) -> None:
    session_id = json.loads(cli_db.invoke(app, ["session", "list", "--format", "json"]).output)[-1][
        "id"
    ]
    edited = tmp_path / "note.json"
    edited.write_text(
        json.dumps({"subjective": ["x"], "objective": [], "assessment": [], "plan": []})
    )
    result = cli_db.invoke(app, ["note", "edit", session_id, str(edited)])
    assert result.exit_code == 2 and "addendum" in result.output
    edited.write_text(json.dumps({"subjective": "not a list"}))
    result = cli_db.invoke(app, ["note", "edit", session_id, str(edited)])
    assert result.exit_code == 2
