"""`tablework serve --tls`: HTTPS on the clinic's network with a certificate made here.

Browsers give the microphone and the screen wake lock only to a secure page (HTTPS, or
localhost), and a tablet reaches the server by its address on the clinic's network. So on
first use this makes a local certificate authority (a CA that can sign only server
certificates for this machine's names: path length 0) and a server certificate signed by
it, both kept in the user config dir next to the record key; the private keys are
readable by their owner only. The tablet trusts the CA once; a new server certificate
(another address, or one near expiry) is made from the same CA without asking again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397
"""Browsers refuse server certificates valid for more than 398 days."""
RENEW_DAYS = 30


@dataclass(frozen=True)
class Certificates:
    """Where the files are, and what was made this time."""

    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    names: tuple[str, ...]
    fingerprint: str
    """The CA certificate's SHA-256, to compare on the tablet."""
    made_ca: bool
    made_server: bool


def default_folder() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("tablework", appauthor=False)) / "tls"


def local_names(host: str) -> list[str]:
    """The names a tablet may use for this server: localhost, the host name, its addresses."""
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname()]
    if host not in ("0.0.0.0", "::", ""):
        names.append(host)
    names.extend(_lan_addresses())
    return list(dict.fromkeys(n for n in names if n))


def _lan_addresses() -> list[str]:
    """This machine's address on the network it routes through (no packet is sent)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only selects the route
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    return found


def ensure(folder: Path, names: list[str], now: dt.datetime | None = None) -> Certificates:
    """The CA and a server certificate for `names` in `folder`, made when missing, when the
    server certificate does not cover every name, or when it is within RENEW_DAYS of expiry."""

    now = now or dt.datetime.now(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = folder / "ca.pem", folder / "ca-key.pem"
    cert_path, key_path = folder / "server.pem", folder / "server-key.pem"
    made_ca = not (ca_cert_path.exists() and ca_key_path.exists())
    if made_ca:
        ca_key, ca_cert = _new_ca(now)
        _write_key(ca_key_path, ca_key)
        ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    else:
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca_key = _ec_key(loaded)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    made_server = made_ca or not _covers(cert_path, key_path, names, now)
    if made_server:
        key, cert = _new_server(ca_key, ca_cert, names, now)
        _write_key(key_path, key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fingerprint = ca_cert.fingerprint(hashes.SHA256()).hex(":").upper()
    return Certificates(
        folder, ca_cert_path, cert_path, key_path, tuple(names), fingerprint, made_ca, made_server
    )


def how_to_trust(certificates: Certificates, url: str) -> str:
    """What to tell the therapist, once, so the tablet trusts this server."""
    return (
        f"HTTPS with a local certificate authority: {certificates.ca_cert}\n"
        f"  SHA-256 {certificates.fingerprint}\n"
        f"  Server names: {', '.join(certificates.names)}\n"
        "To trust it on a tablet (once): copy ca.pem to it (USB, e-mail to yourself, a file\n"
        "share), then\n"
        "  Android: Settings > Security > Encryption & credentials > Install a certificate >\n"
        "           CA certificate, and pick the file;\n"
        "  iPad:    open the file, install the profile (Settings > Profile Downloaded), then\n"
        "           Settings > General > About > Certificate Trust Settings: turn it on.\n"
        "Compare the SHA-256 above with what the tablet shows. Keep ca-key.pem private: it\n"
        f"can make certificates the tablet will trust. Then open {url}"
    )


def _new_ca(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tablework"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Tablework local CA ({socket.gethostname()})"),
        ]
    )
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _new_server(
    signer: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    names: list[str],
    now: dt.datetime,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:

    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
        .sign(signer, hashes.SHA256())
    )
    return key, cert


def _general_names(names: list[str]) -> list[x509.GeneralName]:

    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return general


def _covers(cert_path: Path, key_path: Path, names: list[str], now: dt.datetime) -> bool:
    """Whether the stored server certificate names every one of `names` and is not due."""

    if not (cert_path.exists() and key_path.exists()):
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc - now < dt.timedelta(days=RENEW_DAYS):
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    held = {str(v) for v in san.get_values_for_type(x509.IPAddress)}
    held |= set(san.get_values_for_type(x509.DNSName))
    wanted = {str(ipaddress.ip_address(n)) if _is_ip(n) else n for n in names}
    return wanted <= held


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _ec_key(key: object) -> ec.EllipticCurvePrivateKey:

    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the stored TLS key is not the EC key this server made")
    return key


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """A private key, created readable by its owner only (never briefly world-readable)."""

    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
