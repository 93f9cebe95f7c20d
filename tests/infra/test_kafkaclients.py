"""Every Kafka client is built through ``infra.kafkaclients``, and what it builds.

The guard reads the source of the product's packages: each aiokafka client
construction must take ``**client_options(...)`` and never ``bootstrap_servers=`` on its
own, and each Faust app ``broker_credentials=faust_credentials(...)``. It tests itself
on sources that break the rule.
"""

from __future__ import annotations

import ast
import ssl
from pathlib import Path

import pytest
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from infra.kafkaclients import RETRY_BACKOFF_MS, client_options, faust_credentials
from infra.settings import KafkaSettings
from tests.tls import Pki, make_pki

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "streams", "infra", "molt")
CLIENTS = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient", "AIOKafkaClient"}


def _calls(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def unsecured_clients(source: str) -> list[int]:
    """Lines where a Kafka client or Faust app is built without the security helper."""
    tree = ast.parse(source)
    aliases = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("aiokafka", "faust")
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        name = aliases.get(name, name)
        keywords = {k.arg: k.value for k in node.keywords}
        if name in CLIENTS:
            secured = any(k.arg is None and _calls(k.value, "client_options") for k in node.keywords)
            if not secured or "bootstrap_servers" in keywords:
                found.append(node.lineno)
        elif name == "App" and not _calls(keywords.get("broker_credentials"), "faust_credentials"):
            found.append(node.lineno)
    return found


def product_sources() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def test_every_client_in_the_product_is_built_through_the_helper() -> None:
    sources = product_sources()
    offenders = {path: lines for path, source in sources.items() if (lines := unsecured_clients(source))}
    assert offenders == {}
    # The guard sees the sites it guards: a producer, a consumer, an admin client and the app.
    assert "**client_options(bootstrap)" in sources["app/topicfollower.py"]
    assert "faust_credentials(kafka)" in sources["streams/app.py"]


@pytest.mark.parametrize(
    "source",
    [
        "from aiokafka import AIOKafkaProducer\nAIOKafkaProducer(bootstrap_servers=b)",
        "import aiokafka\naiokafka.AIOKafkaConsumer(bootstrap_servers=b)",
        "from aiokafka.admin import AIOKafkaAdminClient as Admin\nAdmin(**other(b))",
        "from aiokafka import AIOKafkaProducer\nAIOKafkaProducer(**client_options(b), bootstrap_servers=c)",
        "import faust\nfaust.App('molt', broker='kafka://b')",
    ],
)
def test_the_guard_finds_a_client_built_without_the_helper(source: str) -> None:
    assert unsecured_clients(source) == [2]


def test_the_guard_accepts_a_client_built_through_the_helper() -> None:
    source = "from aiokafka import AIOKafkaProducer\nAIOKafkaProducer(**client_options(b), acks='all')"
    assert unsecured_clients(source) == []


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_plaintext_adds_nothing_but_the_protocol() -> None:
    settings = KafkaSettings(security_protocol="PLAINTEXT")
    assert client_options("h:9092", settings) == {
        "bootstrap_servers": "h:9092",
        "security_protocol": "PLAINTEXT",
        "retry_backoff_ms": RETRY_BACKOFF_MS,
    }
    assert faust_credentials(settings) is None


def test_sasl_ssl_logs_in_over_tls_that_checks_the_broker(pki: Pki) -> None:
    settings = KafkaSettings(
        security_protocol="SASL_SSL", username="molt", password="pw", ca_file=pki.ca_file, sasl_mechanism="PLAIN"
    )
    options = client_options("h:9093", settings)
    context = options.pop("ssl_context")
    assert options == {
        "bootstrap_servers": "h:9093",
        "security_protocol": "SASL_SSL",
        "retry_backoff_ms": RETRY_BACKOFF_MS,
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "molt",
        "sasl_plain_password": "pw",
    }
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [dict(n[0] for n in ca["subject"])["commonName"] for ca in context.get_ca_certs()] == ["molt test CA"]


def test_the_process_settings_are_the_default(monkeypatch: pytest.MonkeyPatch, pki: Pki) -> None:
    monkeypatch.setenv("MOLT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("MOLT_KAFKA_USERNAME", "from-env")
    monkeypatch.setenv("MOLT_KAFKA_PASSWORD", "pw")
    monkeypatch.setenv("MOLT_KAFKA_CA_FILE", str(pki.ca_file))
    options = client_options("h:9093")
    assert (options["sasl_mechanism"], options["sasl_plain_username"]) == ("SCRAM-SHA-512", "from-env")


def test_mutual_tls_presents_the_client_certificate(pki: Pki) -> None:
    settings = KafkaSettings(
        security_protocol="SSL", ca_file=pki.ca_file, cert_file=pki.client_cert, key_file=pki.client_key
    )
    options = client_options("h:9094", settings)
    assert options["security_protocol"] == "SSL" and "sasl_mechanism" not in options
    # The key is loaded with the certificate: one that does not match it is refused.
    mismatched = settings.model_copy(update={"cert_file": pki.ca_file})
    with pytest.raises(ssl.SSLError):
        client_options("h:9094", mismatched)


def test_faust_is_given_the_same_security(pki: Pki) -> None:
    sasl = KafkaSettings(security_protocol="SASL_SSL", username="molt", password="pw", ca_file=pki.ca_file)
    ssl_only = KafkaSettings(security_protocol="SSL", ca_file=pki.ca_file)
    for settings, kind in ((sasl, SASLCredentials), (ssl_only, SSLCredentials)):
        credentials = faust_credentials(settings)
        assert isinstance(credentials, kind) and "pw" not in repr(credentials)
        # What Faust hands aiokafka for its consumers, producer and topic creation.
        faust_options = credentials_to_aiokafka_auth(credentials)
        ours = client_options("h:1", settings)
        assert isinstance(faust_options.pop("ssl_context"), ssl.SSLContext)
        assert faust_options.items() <= ours.items()
        # The retry backoff reaches Faust's clients another way (streams/gaps/backoff.py).
        assert set(ours) - set(faust_options) == {"bootstrap_servers", "ssl_context", "retry_backoff_ms"}
