"""How every Kafka client of the project connects: bootstrap servers plus the security
the ``MOLT_KAFKA_*`` settings ask for (``infra.settings.KafkaSettings``).

Invariants (held by ``tests/infra/test_kafkaclients.py``):

* Every aiokafka producer, consumer and admin client in the tree is built with
  ``**client_options(bootstrap)``, and the worker's Faust app with
  ``faust_credentials(settings)``: no client connects less secured than configured.
* The security is a property of the deployment, the same for every client of a
  process, so it is read from the process's settings here rather than carried beside
  each bootstrap string; a caller with settings of its own (the local broker probing
  itself) passes them.
* The password is read only when a client is built and handed only to that client.
* Every client retries at most twice a second (``RETRY_BACKOFF_MS``): aiokafka's
  default, 100 ms, has a refused connection retried ten times a second by each client,
  and with the broker gone a process spent a tenth of a core on it. Faust's own clients
  get the same through ``streams.gaps.backoff``.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from aiokafka.helpers import create_ssl_context

from infra.settings import KafkaSettings

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

RETRY_BACKOFF_MS = 500


def client_options(bootstrap: str, settings: KafkaSettings | None = None) -> dict[str, Any]:
    """aiokafka's keyword arguments to reach ``bootstrap`` as ``settings`` (default: this process's) say."""
    settings = settings or KafkaSettings()
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "security_protocol": settings.security_protocol,
        "retry_backoff_ms": RETRY_BACKOFF_MS,
    }
    if settings.security_protocol != "PLAINTEXT":
        options["ssl_context"] = ssl_context(settings)
    if settings.security_protocol == "SASL_SSL":
        options |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.username,
            "sasl_plain_password": settings.sasl_password(),
        }
    return options


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext:
    """Verifies the brokers (hostname included) against the CA file or the system's
    trust store, and presents the client certificate when one is set (mutual TLS)."""
    return create_ssl_context(cafile=settings.ca_file, certfile=settings.cert_file, keyfile=settings.key_file)


def faust_credentials(settings: KafkaSettings) -> CredentialsT | None:
    """Faust's ``broker_credentials`` for the same security: its own consumers, producer
    and topic creation pass them to aiokafka (faust-streaming supports SCRAM-SHA-512)."""
    # Imported here: only the worker builds a Faust app, and the edge need not load Faust.
    from faust.auth import SASLCredentials, SSLCredentials

    if settings.security_protocol == "SASL_SSL":
        return SASLCredentials(
            username=settings.username,
            password=settings.sasl_password(),
            mechanism=settings.sasl_mechanism,
            ssl_context=ssl_context(settings),
        )
    if settings.security_protocol == "SSL":
        return SSLCredentials(ssl_context(settings))
    return None
