"""Settings for every process kind, read from the environment (prefix ``MOLT_``).

One class per process kind, built by the caller and passed into factories
(``create_app(settings)``, ``create_worker(settings)``); nothing here runs at import
time. Every process defaults to production: the edge's development conveniences (a
built-in token key, cookies without ``Secure``, no HSTS) hold only while
``MOLT_EDGE_ENV=development`` is asked for explicitly.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Node i (0-based) of a local cluster listens on port + 2i and controller_port + 2i: the
# default ports of a 3-node cluster are 9092-9097, no two nodes sharing one.
NODE_PORT_STRIDE = 2


class KafkaSettings(BaseSettings):
    """Where Kafka is, how every client secures its connections, and how the local
    cluster (one node, or three) is laid out.

    Security (``infra.kafkaclients`` turns it into client options): PLAINTEXT, SSL
    (TLS; with ``cert_file`` and ``key_file``, mutual TLS) or SASL_SSL (a SASL login over
    TLS). A combination that would be ignored or could not log in is refused here with
    one line naming the setting; the password never appears in a repr or an error.
    """

    # Errors name the setting, never echo the input: it may hold the password.
    model_config = SettingsConfigDict(env_prefix="MOLT_KAFKA_", extra="ignore", hide_input_in_errors=True)

    # When set, everything uses this cluster and nothing local is started.
    bootstrap: str | None = None
    version: str = "4.4.0"
    # Combined broker + controller nodes of the local cluster: one for development, or
    # three replicating every record (``infra.localcluster``).
    nodes: Literal[1, 3] = 1
    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    # The shortest consumer-group session timeout the local brokers accept (Kafka's
    # default, 6 s): the floor of a worker's session timeout (WorkerSettings).
    group_min_session_timeout_ms: int = Field(default=6000, ge=1)
    cache_dir: Path = REPO_ROOT / ".cache" / "kafka"
    data_dir: Path = REPO_ROOT / "var" / "kafka" / "data"
    log_dir: Path = REPO_ROOT / "var" / "kafka" / "logs"
    start_timeout_s: float = 90.0
    # Each local node's JVM heap: room for a dev broker without crowding the tests that
    # share a 2-core box (three nodes of a test cluster take less each).
    heap_mb: int = Field(default=1024, ge=256)

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    username: str | None = None
    # The password, or a file holding it (a mounted secret): exactly one with SASL_SSL.
    password: SecretStr | None = None
    password_file: Path | None = None
    # The CA that signed the brokers' certificates; unset, the system's trust store.
    ca_file: Path | None = None
    # The client's certificate chain and private key (PEM), for mutual TLS.
    cert_file: Path | None = None
    key_file: Path | None = None

    @model_validator(mode="after")
    def _check_security(self) -> KafkaSettings:
        protocol = f"MOLT_KAFKA_SECURITY_PROTOCOL={self.security_protocol}"
        sasl = {"MOLT_KAFKA_USERNAME": self.username, "MOLT_KAFKA_PASSWORD": self.password,
                "MOLT_KAFKA_PASSWORD_FILE": self.password_file}  # fmt: skip
        tls = {"MOLT_KAFKA_CA_FILE": self.ca_file, "MOLT_KAFKA_CERT_FILE": self.cert_file,
               "MOLT_KAFKA_KEY_FILE": self.key_file}  # fmt: skip
        # A setting the protocol would ignore is a mistake: the client would connect less secured than meant.
        ignored = {"PLAINTEXT": {**sasl, **tls}, "SSL": sasl, "SASL_SSL": {}}[self.security_protocol]
        for name, value in ignored.items():
            if value is not None:
                raise ValueError(f"{name} is set but {protocol} does not use it")
        if self.security_protocol == "SASL_SSL":
            if not self.username:
                raise ValueError(f"MOLT_KAFKA_USERNAME is required with {protocol}")
            if (self.password is None) == (self.password_file is None):
                raise ValueError(f"set one of MOLT_KAFKA_PASSWORD and MOLT_KAFKA_PASSWORD_FILE with {protocol}")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("MOLT_KAFKA_CERT_FILE and MOLT_KAFKA_KEY_FILE go together (mutual TLS)")
        for name, path in {**tls, "MOLT_KAFKA_PASSWORD_FILE": self.password_file}.items():
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: {path} is not a file")
        return self

    def sasl_password(self) -> str:
        """The SASL password, read from its file each time (a rotated secret is picked up)."""
        if self.password_file is not None:
            return self.password_file.read_text().rstrip("\r\n")
        return self.password.get_secret_value() if self.password is not None else ""

    @property
    def is_external(self) -> bool:
        return self.bootstrap is not None

    @property
    def bootstrap_servers(self) -> str:
        """The external cluster, or every local node: a client must reach one that is up."""
        if self.bootstrap is not None:
            return self.bootstrap
        return ",".join(f"{self.host}:{self.port + NODE_PORT_STRIDE * i}" for i in range(self.nodes))


class SchemaRegistrySettings(BaseSettings):
    """Where the schema registry is (any with the Confluent-compatible REST API), how to
    log in to it, and how the local one is laid out.

    Unset, ``url`` is the local registry our tooling starts beside the local Kafka
    (``molt up``, the tests, the benches): Apicurio Registry, in memory. Set, it names an
    existing registry's Confluent-compatible API (e.g. ``https://sr.example:8081`` or
    Apicurio's ``http://host:8080/apis/ccompat/v7``) and nothing local is started. Basic
    auth: a username with exactly one of password and password file; neither has a default.
    """

    model_config = SettingsConfigDict(env_prefix="MOLT_SCHEMA_REGISTRY_", extra="ignore", hide_input_in_errors=True)

    url: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    # Each request; a registry that does not answer within it is unavailable.
    timeout_s: float = Field(default=5.0, gt=0)
    # Set on every subject the product registers, unless it already has a stricter level.
    compatibility: Literal["BACKWARD", "BACKWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"] = "BACKWARD"

    # The local registry: Apicurio Registry's runnable build from Maven Central.
    version: str = "3.0.9"
    host: str = "127.0.0.1"
    port: int = 8081
    cache_dir: Path = REPO_ROOT / ".cache" / "registry"
    log_dir: Path = REPO_ROOT / "var" / "registry" / "logs"
    start_timeout_s: float = Field(default=120.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url_parse(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return None if url is None else url.rstrip("/")

    @model_validator(mode="after")
    def _check_login(self) -> SchemaRegistrySettings:
        passwords = (self.password is not None) + (self.password_file is not None)
        if self.username is None and passwords:
            raise ValueError("MOLT_SCHEMA_REGISTRY_USERNAME is required with a password")
        if self.username is not None and passwords != 1:
            raise ValueError(
                "set one of MOLT_SCHEMA_REGISTRY_PASSWORD and MOLT_SCHEMA_REGISTRY_PASSWORD_FILE with a username"
            )
        if self.password_file is not None and not self.password_file.is_file():
            raise ValueError(f"MOLT_SCHEMA_REGISTRY_PASSWORD_FILE: {self.password_file} is not a file")
        return self

    def login(self) -> tuple[str, str] | None:
        """Basic auth (user, password), the password read from its file each time; None without."""
        if self.username is None:
            return None
        if self.password_file is not None:
            return self.username, self.password_file.read_text().rstrip("\r\n")
        return self.username, self.password.get_secret_value() if self.password is not None else ""

    @property
    def is_external(self) -> bool:
        return self.url is not None

    @property
    def base_url(self) -> str:
        """The Confluent-compatible API every client of ours talks to."""
        return self.url or f"http://{self.host}:{self.port}/apis/ccompat/v7"


class TopicSettings(BaseSettings):
    """The layout of every topic: the partition count the co-partitioned topics share,
    and how many brokers keep each record (``infra.topicadmin`` checks the pair)."""

    model_config = SettingsConfigDict(env_prefix="MOLT_TOPICS_", extra="ignore")

    partitions: int = Field(default=8, ge=1, le=1024)
    # One broker for development; a replicated cluster takes 3 and 2: a record is
    # acknowledged once two brokers have it, and any one broker may be lost.
    replication_factor: int = Field(default=1, ge=1)
    min_insync_replicas: int = Field(default=1, ge=1)


class WorkerSettings(BaseSettings):
    """One Faust worker process: the authoritative runtime of its partitions."""

    model_config = SettingsConfigDict(env_prefix="MOLT_WORKER_", extra="ignore")

    # Every worker of one deployment shares the app id: it names the consumer group
    # and the changelog topics the edge reads the views from.
    app_id: str = "molt"
    worker_id: str = "worker-1"
    data_dir: Path = REPO_ROOT / "var" / "worker"
    log_level: str = "info"
    # The worker's own HTTP port, for /readyz (partitions assigned, tables recovered).
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    tick_rate: int = Field(default=30, ge=1, le=240)
    # A killed worker's partitions move after this long without heartbeats. The floor is
    # the brokers' group.min.session.timeout.ms (6 s unless the operator lowers it): the
    # group refuses a worker asking for less. docs/outages.md, "Failover".
    session_timeout_s: float = Field(default=6.0, gt=0)
    heartbeat_s: float = Field(default=1.0, gt=0)
    # Each table partition is also kept on this many other workers, so the one taking a
    # killed worker's partitions over reads only the changelogs' tails.
    standby_replicas: int = Field(default=1, ge=0)
    # Checkpoint every active session's state every 5 s: a new owner re-folds at most that.
    checkpoint_ticks: int = Field(default=150, ge=1)
    # A worker asked to stop (or crashing) ends within this long even while Kafka is
    # away: Faust's graceful stop waits on the broker to commit and flush, unbounded.
    stop_timeout_s: float = Field(default=8.0, gt=0)

    @model_validator(mode="after")
    def _heartbeats_within_the_session(self) -> WorkerSettings:
        # Several heartbeats per session timeout: one late heartbeat must not cost the
        # worker its partitions.
        if self.heartbeat_s * 3 > self.session_timeout_s:
            raise ValueError(
                f"MOLT_WORKER_HEARTBEAT_S ({self.heartbeat_s:g}) must be at most a third of"
                f" MOLT_WORKER_SESSION_TIMEOUT_S ({self.session_timeout_s:g})"
            )
        return self

    @property
    def worker_data_dir(self) -> Path:
        return self.data_dir / self.worker_id


class EdgeSettings(BaseSettings):
    """One edge process: HTTP and WebSocket front door, thin and stateless."""

    model_config = SettingsConfigDict(env_prefix="MOLT_EDGE_", extra="ignore")

    edge_id: str = "edge-1"
    host: str = "127.0.0.1"
    port: int = 8000
    # Longer than clients' usual pool idle time, so a reused connection is rarely one
    # the server has just closed (a POST on it would fail rather than be retried).
    keep_alive_s: int = Field(default=75, ge=1)
    # Outages: a write Kafka has not taken within kafka_wait_s answers 503
    # KAFKA_UNAVAILABLE (Retry-After: the same); /readyz answers from a probe run every
    # ready_probe_s, and a view that has not read within view_lag_s what its topic held
    # when asked is behind (not ready).
    kafka_wait_s: float = Field(default=5.0, gt=0)
    ready_probe_s: float = Field(default=1.0, gt=0)
    view_lag_s: float = Field(default=5.0, gt=0)
    app_id: str = WorkerSettings.model_fields["app_id"].default
    spectators_max_default: int = Field(default=50, ge=1)
    spectators_max_limit: int = Field(default=10_000, ge=1)
    # How long a write waits for the worker's view to show it before answering 503.
    view_wait_s: float = Field(default=10.0, gt=0)
    # How long a spectate-token request waits for the owner's seat decision before 503.
    # Long enough for a storm of a thousand requests on a small machine to be decided.
    seat_wait_s: float = Field(default=30.0, gt=0)

    # "development" allows the built-in token secret; anything else requires a real one.
    env: str = "production"
    # Signing keys for tokens: the first signs, every one verifies (rotation: prepend
    # the new key, drop the oldest once no token it signed can still be alive).
    # Format "kid:secret,kid:secret". Empty outside development is refused at start.
    token_keys: str = ""
    token_ttl_s: int = Field(default=60, ge=1, le=3600)
    # Sign-In with Ethereum: the domain and URI the server builds messages for.
    siwe_domain: str = "localhost"
    siwe_uri: str = "http://localhost:8000"
    siwe_chain_id: int = 1
    # At most an hour: well inside the day the claims that make a nonce single-use are kept.
    nonce_ttl_s: int = Field(default=300, ge=10, le=3600)
    access_session_ttl_s: int = Field(default=24 * 3600, ge=60)
    # Public spectate tokens per client address: a token bucket.
    public_token_burst: int = Field(default=20, ge=1)
    public_token_per_s: float = Field(default=2.0, gt=0)
    # Quotas on what writes to the log, each a token bucket (a burst, refilled per
    # second); past one the edge answers 429 RATE_LIMITED with Retry-After.
    # Agent registrations per client address (anonymous, so the tightest).
    agent_register_burst: int = Field(default=10, ge=1)
    agent_register_per_s: float = Field(default=0.1, gt=0)
    # Wallet nonce and verify calls together, per client address.
    sign_in_burst: int = Field(default=30, ge=1)
    sign_in_per_s: float = Field(default=1.0, gt=0)
    # Snapshot triggers per run, over HTTP and the play socket together (each is kept forever).
    snapshot_burst: int = Field(default=3, ge=1)
    snapshot_per_s: float = Field(default=0.05, gt=0)
    # Sessions one agent may hold open (waiting or live) at once: a count, not a rate.
    open_sessions_per_agent: int = Field(default=20, ge=1)
    # HTTP request bodies above this are refused (413) before they are read; the largest
    # the API takes is a signed sign-in message, under 3 KiB.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Open WebSockets on this edge, in all and per client address (a bot playing its open
    # sessions and a household watching fit well inside); past either, close 1013.
    max_sockets: int = Field(default=20_000, ge=1)
    max_sockets_per_client: int = Field(default=64, ge=1)
    # The kernel's send buffer of each WebSocket (SO_SNDBUF; Linux doubles it): fixed, not
    # autotuned to megabytes, so a client that stops reading holds little of the edge's memory.
    socket_send_buffer_bytes: int = Field(default=64 * 1024, ge=4096)
    # A spectator whose socket's transport holds more than this, past the kernel's buffer,
    # is closed: error SLOW_CONSUMER, close 1013. At most 64 KiB: there the edge stops
    # writing to a socket (its transport's flow control), so a larger bound is never passed.
    spectator_backlog_bytes: int = Field(default=64 * 1024, ge=1024, le=64 * 1024)
    # Frames to sockets that negotiated permessage-deflate go deflated on one stream per
    # session, restarted every this many frames (a new watcher gets plain frames until the
    # next restart: 2 s at 30 Hz); 0: frames always go plain.
    frame_deflate_resync_frames: int = Field(default=60, ge=0)
    # Reading runs' frames back from the log (the replay API and rewinding a live run):
    # reads at once, each holding a consumer; a read that waits longer than replay_wait_s
    # for its turn is answered 503 REPLAY_BUSY. A page of frames holds at most
    # frames_page_max (422 INVALID_REQUEST above it).
    replay_reads: int = Field(default=4, ge=1)
    replay_wait_s: float = Field(default=10.0, gt=0)
    frames_page_max: int = Field(default=600, ge=1)
    # Session timings written into SessionOpened (the runtime folds them from the log).
    grace_s: float = Field(default=10.0, gt=0)
    waiting_expiry_s: float = Field(default=60.0, gt=0)
    seat_lease_s: float = Field(default=30.0, gt=0)
    seat_renew_s: float = Field(default=10.0, gt=0)

    # How long a wallet sign-in waits for the claim of its nonce to be read back before 503.
    # Long enough for a storm of sign-ins on a small machine: each queues behind the others'
    # signature checks (about 10 ms of CPU each).
    sign_in_wait_s: float = Field(default=30.0, gt=0)
    # Production posture. /metrics is served on the public port unless a metrics port is
    # set; then only there, on metrics_host (loopback unless opened deliberately).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    # Spectator seats count only for real watchers. A granted seat no socket occupies
    # lapses this long after its first grant (written into SessionOpened).
    seat_claim_s: float = Field(default=10.0, gt=0)
    # Seats one client address may hold, unclaimed or occupied: in one session (exact,
    # decided by the owner) and across sessions (as this edge counts them from the log).
    seats_per_client_session: int = Field(default=2, ge=1)
    seats_per_client_total: int = Field(default=20, ge=1)
    # X-Forwarded-For is believed only from these proxies: comma-separated addresses or
    # CIDR blocks, none by default (the peer is the client).
    trusted_proxies: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _networks_parse(cls, text: str) -> str:
        proxy_networks(text)
        return text

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return proxy_networks(self.trusted_proxies)

    @property
    def development(self) -> bool:
        """Asked for explicitly; any other ``env`` is production."""
        return self.env == "development"


def proxy_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks of a comma-separated list of addresses and CIDR blocks (ValueError if bad)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())
