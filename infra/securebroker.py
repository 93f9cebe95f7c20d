"""The local broker's secured listeners, for testing every client against a cluster
that asks for TLS and SASL the way a managed one does.

Layout (one combined node, ``infra.localkafka``):

* ``CLIENT`` on the broker's port: SASL_SSL only, SCRAM-SHA-512 or PLAIN.
* ``MTLS`` on ``mtls_port``: SSL that requires a client certificate signed by the CA;
  the broker reaches itself here too (inter-broker traffic), with its own certificate.
* ``CONTROLLER`` stays PLAINTEXT on the loopback host: only the node itself uses it.

No PLAINTEXT listener takes clients. The SCRAM credentials are written into the
metadata log when the storage is formatted, so a broker formatted before was made
with other users: give each secured broker a data dir of its own. The passwords
travel in the broker's command line and config file: for a local test broker only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCRAM = "SCRAM-SHA-512"
CLIENT, MTLS, CONTROLLER = "CLIENT", "MTLS", "CONTROLLER"


@dataclass(frozen=True)
class SecuredListeners:
    # The CA that signed the broker's and the clients' certificates (PEM).
    ca_file: Path
    # The broker's private key (unencrypted PKCS#8) followed by its certificate (PEM),
    # valid for the loopback host, for both server and client use.
    keystore_file: Path
    # name -> password, accepted by SCRAM-SHA-512 and PLAIN alike.
    users: tuple[tuple[str, str], ...]
    mtls_port: int

    def listener_properties(self, host: str, port: int, controller_port: int) -> list[str]:
        """Where the node listens and how each listener is secured."""
        plain_users = " ".join(f'user_{name}="{password}"' for name, password in self.users)
        return [
            f"listeners={CLIENT}://{host}:{port},{MTLS}://{host}:{self.mtls_port},{CONTROLLER}://{host}:{controller_port}",
            f"advertised.listeners={CLIENT}://{host}:{port},{MTLS}://{host}:{self.mtls_port}",
            f"controller.listener.names={CONTROLLER}",
            f"inter.broker.listener.name={MTLS}",
            f"listener.security.protocol.map={CLIENT}:SASL_SSL,{MTLS}:SSL,{CONTROLLER}:PLAINTEXT",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self.keystore_file}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.ca_file}",
            f"listener.name.{MTLS.lower()}.ssl.client.auth=required",
            f"listener.name.{CLIENT.lower()}.sasl.enabled.mechanisms={SCRAM},PLAIN",
            f"listener.name.{CLIENT.lower()}.{SCRAM.lower()}.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            f"listener.name.{CLIENT.lower()}.plain.sasl.jaas.config="
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};",
        ]

    def format_arguments(self) -> list[str]:
        """The storage tool's arguments that add every user's SCRAM credential."""
        return [
            argument
            for name, password in self.users
            for argument in ("--add-scram", f"{SCRAM}=[name={name},password={password}]")
        ]
