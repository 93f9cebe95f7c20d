"""The secured local broker's config: no client reaches it without TLS and a login or a
certificate (tests/test_secured_kafka.py starts one), and the default broker is unchanged."""

from __future__ import annotations

from pathlib import Path

from infra.localkafka import render_server_properties
from infra.securebroker import SecuredListeners
from infra.settings import KafkaSettings

SETTINGS = KafkaSettings(bootstrap=None, host="127.0.0.1", port=9400, controller_port=9401)
SECURED = SecuredListeners(Path("/pki/ca.pem"), Path("/pki/broker.pem"), (("ann", "a1"), ("bob", "b2")), 9402)


def properties(secured: SecuredListeners | None) -> dict[str, str]:
    lines = render_server_properties(SETTINGS, secured).splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_only_the_controller_listener_is_plaintext_and_it_stays_on_loopback() -> None:
    config = properties(SECURED)
    protocols = dict(pair.split(":") for pair in config["listener.security.protocol.map"].split(","))
    assert protocols == {"CLIENT": "SASL_SSL", "MTLS": "SSL", "CONTROLLER": "PLAINTEXT"}
    assert config["controller.listener.names"] == "CONTROLLER"
    assert "CONTROLLER://127.0.0.1:9401" in config["listeners"].split(",")
    assert config["advertised.listeners"] == "CLIENT://127.0.0.1:9400,MTLS://127.0.0.1:9402"
    assert config["listener.name.mtls.ssl.client.auth"] == "required"
    assert config["inter.broker.listener.name"] == "MTLS"


def test_every_user_logs_in_by_scram_and_plain() -> None:
    assert SECURED.format_arguments() == [
        "--add-scram", "SCRAM-SHA-512=[name=ann,password=a1]",
        "--add-scram", "SCRAM-SHA-512=[name=bob,password=b2]",
    ]  # fmt: skip
    plain = properties(SECURED)["listener.name.client.plain.sasl.jaas.config"]
    assert 'user_ann="a1"' in plain and 'user_bob="b2"' in plain


def test_the_default_broker_keeps_its_plaintext_listener() -> None:
    config = properties(None)
    assert config["listeners"] == "PLAINTEXT://127.0.0.1:9400,CONTROLLER://127.0.0.1:9401"
    assert not any(key.startswith(("ssl.", "listener.name.")) for key in config)
