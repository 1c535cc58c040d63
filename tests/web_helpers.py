"""A clinic for web tests, healthchecks-style: alice and bob are therapists of one clinic,
olivia owns it, charlie is a therapist of another clinic. Each test builds its own app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tablework.settings import Settings
from tablework.store import accounts, tokens
from tablework.store.accounts import Account, add_user
from tablework.store.repo import Store
from tablework.web.app import create_app

EXAMPLES = Path(__file__).parent.parent / "examples"
PROCEED = json.loads((EXAMPLES / "intakes" / "complete-proceed.json").read_text())
EMERGENCY = json.loads((EXAMPLES / "intakes" / "emergency-bladder.json").read_text())
PASSWORD = "correct horse battery"

# Still argon2id, with the smallest cost: the suite makes hundreds of accounts.
accounts._hasher = accounts.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PEOPLE = {
    "alice": ("therapist", "default"),
    "bob": ("therapist", "default"),
    "olivia": ("owner", "default"),
    "charlie": ("therapist", "elsewhere"),
}


@dataclass
class Clinic:
    """The app under test, its store, and a bearer token per person."""

    http: TestClient
    store: Store
    accounts: dict[str, Account]
    bearer: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer[who]}"} if who != "anonymous" else {}

    def add_client(self, who: str, name: str = "Invented Client") -> str:
        answer = self.http.post("/api/clients", json={"display_name": name}, headers=self.auth(who))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def add_intake(self, who: str, client_id: str, intake: dict[str, Any] = PROCEED) -> str:
        answer = self.http.post(
            f"/api/clients/{client_id}/intakes", json=intake, headers=self.auth(who)
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def start_session(self, who: str, client_id: str) -> str:
        answer = self.http.post(
            "/api/sessions", json={"client_id": client_id}, headers=self.auth(who)
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def post(self, who: str, session_id: str, event: dict[str, Any], key: str | None = None) -> Any:
        headers = {**self.auth(who), **({"Idempotency-Key": key} if key else {})}
        return self.http.post(f"/api/sessions/{session_id}/events", json=event, headers=headers)


def settings_for(store: Store, tmp_path: Path) -> Settings:
    return Settings(
        database_url=store.engine.url.render_as_string(hide_password=False),
        default_database=False,
        key_file=tmp_path / "config" / "record.key",
    )


def build_clinic(store: Store, tmp_path: Path) -> Clinic:
    app = create_app(settings_for(store, tmp_path), store)
    accounts = {
        name: add_user(store, f"{name}@example.org", role, PASSWORD, clinic)
        for name, (role, clinic) in PEOPLE.items()
    }
    clinic = Clinic(TestClient(app), store, accounts)
    for name, account in accounts.items():
        clinic.bearer[name] = tokens.issue(store, account, "bearer", _DAY).secret
    return clinic


@pytest.fixture
def clinic(store: Store, tmp_path: Path) -> Iterator[Clinic]:
    built = build_clinic(store, tmp_path)
    with built.http:
        yield built


def api_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, routers included."""
    found: list[tuple[str, str]] = []
    pending = list(app.routes)
    while pending:
        route = pending.pop(0)
        if hasattr(route, "original_router"):
            pending.extend(route.original_router.routes)
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.append((method, route.path))
    return found


_DAY = timedelta(days=1)


def form_of(intake: dict[str, Any]) -> dict[str, str]:
    """An intake JSON as the intake page's form posts it."""
    fields: dict[str, str] = {}
    for name, value in intake["answers"].items():
        if name == "psfs":
            for row, item in enumerate(value, start=1):
                fields[f"psfs_activity_{row}"] = item["activity"]
                fields[f"psfs_score_{row}"] = str(item["score"])
        elif isinstance(value, bool):
            fields[name] = "yes" if value else "no"
        elif name == "pregnancy_weeks" and value != "none":
            fields[f"{name}_count"] = str(value)
        else:
            fields[name] = str(value)
    fields.update({k: v for k, v in intake.items() if k != "answers"})
    return fields


def browser(clinic: Clinic, who: str) -> tuple[TestClient, str]:
    """A browser logged in as `who` (cookie session) and its CSRF token; redirects are
    not followed, so a test sees them."""
    http = TestClient(clinic.http.app, follow_redirects=False)
    answer = http.post(
        "/api/auth/login", data={"username": f"{who}@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return http, str(answer.json()["csrf_token"])
