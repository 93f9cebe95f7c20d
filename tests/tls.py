"""Certificates made at test time: a CA, the local broker's certificate, a client's.

Every key is EC P-256 (fast to make), written as unencrypted PKCS#8 PEM: the form both
Kafka's PEM keystores and Python's ``ssl`` read. The broker's certificate names the
loopback host (clients check it) and serves as a client certificate too (the broker
reaches itself over mutual TLS).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_FOR = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    # The broker's key, then its certificate: a Kafka PEM keystore.
    broker_keystore: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    extensions: list[x509.ExtensionType],
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=isinstance(extension, x509.BasicConstraints))
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path, host: str = "127.0.0.1") -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, broker_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("molt test CA", ca_key, None, ca_key, [x509.BasicConstraints(ca=True, path_length=0)])
    leaf = x509.BasicConstraints(ca=False, path_length=None)
    broker = _certificate(
        "molt test broker",
        broker_key,
        ca,
        ca_key,
        [
            leaf,
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]),
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
        ],
    )
    client = _certificate(
        "molt test client", client_key, ca, ca_key, [leaf, x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])]
    )
    pki = Pki(folder / "ca.pem", folder / "broker.pem", folder / "client.pem", folder / "client.key")
    pki.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.broker_keystore.write_bytes(_key_pem(broker_key) + broker.public_bytes(serialization.Encoding.PEM))
    pki.client_cert.write_bytes(client.public_bytes(serialization.Encoding.PEM))
    pki.client_key.write_bytes(_key_pem(client_key))
    return pki
