"""`tablework serve --tls`: a local CA and a server certificate, made once, kept, renewed."""

from __future__ import annotations

import datetime as dt
import ssl
import stat
import threading
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from tablework.store.repo import Store
from tablework.web import tls
from web_helpers import settings_for
from web_server import free_port

NAMES = ["localhost", "127.0.0.1", "tablet-room.local"]


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_a_ca_and_a_server_certificate_it_signed(tmp_path: Path) -> None:
    made = tls.ensure(tmp_path / "tls", NAMES)
    assert made.made_ca and made.made_server
    ca, server = certificate(made.ca_cert), certificate(made.server_cert)
    server.verify_directly_issued_by(ca)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "tablet-room.local"}
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert server.not_valid_after_utc - server.not_valid_before_utc <= dt.timedelta(days=398)
    for key in (tmp_path / "tls" / "ca-key.pem", made.server_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(made.fingerprint.split(":")) == 32
    assert made.fingerprint in tls.how_to_trust(made, "https://tablet-room.local:8000/")


def test_kept_renewed_for_a_new_name_or_near_expiry_with_the_same_ca(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    first = tls.ensure(folder, NAMES)
    ca_bytes, server_bytes = first.ca_cert.read_bytes(), first.server_cert.read_bytes()
    again = tls.ensure(folder, NAMES[:2])
    assert not again.made_ca and not again.made_server
    assert first.server_cert.read_bytes() == server_bytes
    wider = tls.ensure(folder, [*NAMES, "192.168.1.20"])
    assert wider.made_server and not wider.made_ca
    assert first.ca_cert.read_bytes() == ca_bytes
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=380)
    renewed = tls.ensure(folder, NAMES, now=later)
    assert renewed.made_server and not renewed.made_ca
    certificate(renewed.server_cert).verify_directly_issued_by(certificate(renewed.ca_cert))


def test_the_app_over_https_is_trusted_with_the_ca_only(store: Store, tmp_path: Path) -> None:
    import uvicorn

    from tablework.web.app import create_app

    made = tls.ensure(tmp_path / "tls", ["localhost", "127.0.0.1"])
    port = free_port()
    config = uvicorn.Config(
        create_app(settings_for(store, tmp_path), store),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(made.server_cert),
        ssl_keyfile=str(made.server_key),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        trusting = ssl.create_default_context(cafile=str(made.ca_cert))
        answer = httpx.get(f"https://localhost:{port}/healthz", verify=trusting)
        assert answer.status_code == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"https://localhost:{port}/healthz", verify=ssl.create_default_context())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
