"""Settings for every process kind, read from the environment (prefix ``MOLT_``).

One class per process kind, built by the caller and passed into factories
(``create_app(settings)``, ``create_worker(settings)``); nothing here runs at import
time. Secrets have a development default only while ``MOLT_ENV=development``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class KafkaSettings(BaseSettings):
    """Where Kafka is, and how the local single-node cluster is laid out."""

    model_config = SettingsConfigDict(env_prefix="MOLT_KAFKA_", extra="ignore")

    # When set, everything uses this cluster and nothing local is started.
    bootstrap: str | None = None
    version: str = "4.4.0"
    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    cache_dir: Path = REPO_ROOT / ".cache" / "kafka"
    data_dir: Path = REPO_ROOT / "var" / "kafka" / "data"
    log_dir: Path = REPO_ROOT / "var" / "kafka" / "logs"
    start_timeout_s: float = 90.0

    @property
    def is_external(self) -> bool:
        return self.bootstrap is not None

    @property
    def bootstrap_servers(self) -> str:
        return self.bootstrap or f"{self.host}:{self.port}"


class TopicSettings(BaseSettings):
    """Topic names and the partition count shared by every co-partitioned topic."""

    model_config = SettingsConfigDict(env_prefix="MOLT_TOPICS_", extra="ignore")

    partitions: int = Field(default=8, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1)


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
    # A killed worker's partitions move after this long without heartbeats (the
    # broker's group.min.session.timeout.ms, 6 s, is the floor).
    session_timeout_s: float = Field(default=6.0, ge=6.0)
    heartbeat_s: float = Field(default=1.0, gt=0)
    # Checkpoint every active session's state every 5 s: a new owner re-folds at most that.
    checkpoint_ticks: int = Field(default=150, ge=1)

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
    app_id: str = WorkerSettings.model_fields["app_id"].default
    spectators_max_default: int = Field(default=50, ge=1)
    spectators_max_limit: int = Field(default=10_000, ge=1)
    # How long a write waits for the worker's view to show it before answering 503.
    view_wait_s: float = Field(default=10.0, gt=0)
    # How long a spectate-token request waits for the owner's seat decision before 503.
    # Long enough for a storm of a thousand requests on a small machine to be decided.
    seat_wait_s: float = Field(default=30.0, gt=0)

    # "development" allows the built-in token secret; anything else requires a real one.
    env: str = "development"
    # Signing keys for tokens: the first signs, every one verifies (rotation: prepend
    # the new key, drop the oldest once no token it signed can still be alive).
    # Format "kid:secret,kid:secret". Empty outside development is refused at start.
    token_keys: str = ""
    token_ttl_s: int = Field(default=60, ge=1, le=3600)
    # Sign-In with Ethereum: the domain and URI the server builds messages for.
    siwe_domain: str = "localhost"
    siwe_uri: str = "http://localhost:8000"
    siwe_chain_id: int = 1
    nonce_ttl_s: int = Field(default=300, ge=10)
    access_session_ttl_s: int = Field(default=24 * 3600, ge=60)
    # Public spectate tokens per client address: a token bucket.
    public_token_burst: int = Field(default=20, ge=1)
    public_token_per_s: float = Field(default=2.0, gt=0)
    # Session timings written into SessionOpened (the runtime folds them from the log).
    grace_s: float = Field(default=10.0, gt=0)
    waiting_expiry_s: float = Field(default=60.0, gt=0)
    seat_lease_s: float = Field(default=30.0, gt=0)
    seat_renew_s: float = Field(default=10.0, gt=0)

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


def proxy_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks of a comma-separated list of addresses and CIDR blocks (ValueError if bad)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())
