"""Logging in: bearer tokens, cookie sessions with CSRF, throttling, expiry, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tablework.store.accounts import deactivate
from tablework.store.repo import Store
from web_helpers import PASSWORD, Clinic, build_clinic, clinic

__all__ = ["clinic"]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_it_gives_a_bearer_token_for_the_right_password(clinic: Clinic) -> None:
    answer = clinic.http.post(
        "/api/auth/token", data={"username": "alice@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"
    token = answer.json()["access_token"]
    clients = clinic.http.get("/api/clients", headers={"Authorization": f"Bearer {token}"})
    assert clients.status_code == 200


def test_it_refuses_a_wrong_password_with_401(clinic: Clinic) -> None:
    answer = clinic.http.post(
        "/api/auth/token", data={"username": "alice@example.org", "password": "wrong-password"}
    )
    assert answer.status_code == 401
    assert answer.json() == {"detail": "wrong email or password"}


def test_it_throttles_repeated_failures_with_429(clinic: Clinic) -> None:
    form = {"username": "bob@example.org", "password": "wrong-password"}
    codes = [clinic.http.post("/api/auth/token", data=form).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    right = {"username": "bob@example.org", "password": PASSWORD}
    assert clinic.http.post("/api/auth/token", data=right).status_code == 429


def test_it_throttles_one_address_guessing_many_accounts(clinic: Clinic) -> None:
    codes = [
        clinic.http.post(
            "/api/auth/token", data={"username": f"nobody{i}@example.org", "password": "x" * 8}
        ).status_code
        for i in range(21)
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_the_login_cookie_is_httponly_lax_and_expiring(clinic: Clinic) -> None:
    answer = _log_in(clinic)
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain http here; behind TLS it is Secure
    assert answer.json()["csrf_token"]


def test_the_login_cookie_is_secure_behind_tls(clinic: Clinic) -> None:
    clinic.http.base_url = clinic.http.base_url.copy_with(scheme="https")
    assert "Secure" in _log_in(clinic).headers["set-cookie"]


def test_a_new_login_rotates_the_session(clinic: Clinic) -> None:
    first = _log_in(clinic).cookies["tablework_session"]
    second = _log_in(clinic).cookies["tablework_session"]
    assert first != second
    clinic.http.cookies.clear()
    clinic.http.cookies.set("tablework_session", first)
    stale = clinic.http.get("/api/clients")
    assert stale.status_code == 401


def test_it_refuses_a_cookie_post_without_the_csrf_token(clinic: Clinic) -> None:
    csrf = _log_in(clinic).json()["csrf_token"]
    refused = clinic.http.post("/api/clients", json={"display_name": "Invented"})
    assert refused.status_code == 403
    assert clinic.http.get("/api/clients").json() == []  # nothing was added
    wrong = clinic.http.post(
        "/api/clients", json={"display_name": "Invented"}, headers={"X-CSRF-Token": "guess"}
    )
    assert wrong.status_code == 403
    allowed = clinic.http.post(
        "/api/clients", json={"display_name": "Invented"}, headers={"X-CSRF-Token": csrf}
    )
    assert allowed.status_code == 201


def test_a_revoked_token_is_401(clinic: Clinic) -> None:
    headers = clinic.auth("alice")
    assert clinic.http.delete("/api/auth/token", headers=headers).status_code == 204
    assert clinic.http.get("/api/clients", headers=headers).status_code == 401


def test_a_deactivated_account_is_401_at_once(clinic: Clinic) -> None:
    deactivate(clinic.store, "alice@example.org")
    assert clinic.http.get("/api/clients", headers=clinic.auth("alice")).status_code == 401
    form = {"username": "alice@example.org", "password": PASSWORD}
    assert clinic.http.post("/api/auth/token", data=form).status_code == 401


def test_an_expired_token_is_401(store: Store, tmp_path: Path) -> None:
    clock = Clock()
    built = build_clinic(Store(store.engine, clock=clock, key=store.key), tmp_path)
    with built.http:
        assert built.http.get("/api/clients", headers=built.auth("alice")).status_code == 200
        clock.now += timedelta(days=2)
        assert built.http.get("/api/clients", headers=built.auth("alice")).status_code == 401


def _log_in(clinic: Clinic) -> Any:
    answer = clinic.http.post(
        "/api/auth/login", data={"username": "alice@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return answer
