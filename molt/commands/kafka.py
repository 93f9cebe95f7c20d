"""``molt kafka start|stop|status``: the local single-node broker from the command line.

``start`` on a running broker starts nothing and names the running one (pid, ports,
start time); a port taken by another process is refused before anything runs. ``stop``
ends the broker running from the configured run folder, whoever started it: it is the
command for that. Exit codes as every command's (``molt.errors``): 0 on success
(``start`` on a running broker included), 1 when the broker cannot be started or
stopped, 5 a port in use, 130 ``start`` interrupted (the half-started broker is
stopped first); ``status`` follows the LSB convention: 0 running, 3 stopped.
With ``MOLT_KAFKA_BOOTSTRAP`` set every action only names that external cluster.
"""

from __future__ import annotations

import argparse
import time

from infra.localkafka import LocalKafka
from infra.settings import KafkaSettings

EXIT_NOT_RUNNING = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("kafka", help="run the local single-node Kafka broker")
    actions = parser.add_subparsers(dest="action", required=True)
    for name, func, help_text in (
        ("start", start, "start the broker in the background and wait until it is ready"),
        ("stop", stop, "stop the broker"),
        ("status", status, "say whether the broker runs, and where"),
    ):
        actions.add_parser(name, help=help_text).set_defaults(func=func)


def start(args: argparse.Namespace) -> int:
    settings = KafkaSettings()
    if settings.is_external:
        return _external(settings)
    kafka = LocalKafka(settings)
    if (running := kafka.running()) is not None:
        print(f"Kafka already running: {running.describe()}; nothing started")
        return 0
    print(f"starting Kafka {settings.version} at {kafka.bootstrap}…", flush=True)
    began = time.monotonic()
    kafka.start()
    print(
        f"Kafka running at {kafka.bootstrap} (pid {kafka.pid()}, ready in "
        f"{time.monotonic() - began:.1f} s, log {kafka.log_path})"
    )
    return 0


def stop(args: argparse.Namespace) -> int:
    settings = KafkaSettings()
    if settings.is_external:
        return _external(settings)
    print("Kafka stopped" if LocalKafka(settings).stop() else "Kafka was not running")
    return 0


def status(args: argparse.Namespace) -> int:
    settings = KafkaSettings()
    if settings.is_external:
        return _external(settings)
    kafka = LocalKafka(settings)
    running = kafka.running()
    if running is None:
        print(f"Kafka stopped (would listen at {kafka.bootstrap})")
        return EXIT_NOT_RUNNING
    print(f"Kafka running: {running.describe()}, log {kafka.log_path}")
    return 0


def _external(settings: KafkaSettings) -> int:
    print(f"using the external Kafka cluster at {settings.bootstrap_servers}; nothing to do")
    return 0
