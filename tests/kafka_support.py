"""The broker integration tests run against, for the pytest fixtures in conftest.py.

With ``MOLT_KAFKA_BOOTSTRAP`` set the suite uses that cluster and starts nothing;
otherwise it starts its own local broker on free ports, with data and logs under the
given folder and jars from the repo's shared cache, so it never collides with a
developer's ``molt kafka start``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from molt.localkafka import LocalKafka, free_ports
from molt.settings import KafkaSettings


def start_test_kafka(tmp_root: Path) -> tuple[str, Callable[[], object]]:
    """Bootstrap servers of a ready broker, and the callable that stops it again."""
    settings = KafkaSettings()
    if settings.is_external:
        return settings.bootstrap_servers, lambda: None
    port, controller_port = free_ports(2)
    kafka = LocalKafka(
        settings.model_copy(
            update={
                "port": port,
                "controller_port": controller_port,
                "data_dir": tmp_root / "data",
                "log_dir": tmp_root / "logs",
            }
        )
    )
    return kafka.start(), kafka.stop
