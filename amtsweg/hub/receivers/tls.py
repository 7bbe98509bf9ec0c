"""A throwaway PKI for tests and the demo: a CA, a server certificate for 127.0.0.1/localhost and a client
certificate, written as PEM files (for mutual-TLS tests of the HTTP adapter).

    python -m amtsweg.hub.receivers.tls --out var/demo-tls
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class DemoPki:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_client_cert: Path  # signed by a different CA: must be refused
    other_client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amtsweg Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _ca(common_name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(ca_key, ca_cert, common_name: str, *, server: bool):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def make_test_pki(directory: Path) -> DemoPki:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    ca_key, ca_cert = _ca("Amtsweg Test-CA")
    server_key, server_cert = _leaf(ca_key, ca_cert, "127.0.0.1", server=True)
    client_key, client_cert = _leaf(ca_key, ca_cert, "Integrationsdienst", server=False)
    other_ca_key, other_ca_cert = _ca("Fremde CA")
    other_key, other_cert = _leaf(other_ca_key, other_ca_cert, "Fremder Client", server=False)
    return DemoPki(
        ca_cert=_write(directory / "ca.pem", ca_cert.public_bytes(pem)),
        server_cert=_write(directory / "server.pem", server_cert.public_bytes(pem)),
        server_key=_write(directory / "server-key.pem", _key_pem(server_key), 0o600),
        client_cert=_write(directory / "client.pem", client_cert.public_bytes(pem)),
        client_key=_write(directory / "client-key.pem", _key_pem(client_key), 0o600),
        other_client_cert=_write(directory / "other-client.pem", other_cert.public_bytes(pem)),
        other_client_key=_write(directory / "other-client-key.pem", _key_pem(other_key), 0o600),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Test-PKI (CA, Server- und Client-Zertifikat) erzeugen")
    parser.add_argument("--out", default="var/demo-tls")
    args = parser.parse_args(argv)
    pki = make_test_pki(Path(args.out))
    print(f"CA: {pki.ca_cert}\nServer: {pki.server_cert}\nClient: {pki.client_cert}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
