"""``molt kafka start|stop|status``: the local single-node broker from the command line.

Exit codes: 0 on success (``start`` on a running broker included), 1 when the broker
cannot be started or stopped, 130 when ``start`` is interrupted (the half-started broker
is stopped first), and ``status`` follows the LSB convention: 0 running, 3 stopped.
With ``MOLT_KAFKA_BOOTSTRAP`` set every action only names that external cluster.
"""

from __future__ import annotations

import argparse
import time

from infra.localkafka import LocalKafka, LocalKafkaError
from infra.settings import KafkaSettings

EXIT_FAILED = 1
EXIT_NOT_RUNNING = 3
EXIT_INTERRUPTED = 130


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
    if kafka.is_running():
        print(f"Kafka already running at {kafka.bootstrap} (pid {kafka.pid()})")
        return 0
    print(f"starting Kafka {settings.version} at {kafka.bootstrap}…", flush=True)
    began = time.monotonic()
    try:
        kafka.start()
    except LocalKafkaError as error:
        print(f"error: {error}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted; the broker was stopped")
        return EXIT_INTERRUPTED
    print(
        f"Kafka running at {kafka.bootstrap} (pid {kafka.pid()}, ready in "
        f"{time.monotonic() - began:.1f} s, log {kafka.log_path})"
    )
    return 0


def stop(args: argparse.Namespace) -> int:
    settings = KafkaSettings()
    if settings.is_external:
        return _external(settings)
    kafka = LocalKafka(settings)
    try:
        was_running = kafka.stop()
    except LocalKafkaError as error:
        print(f"error: {error}")
        return EXIT_FAILED
    print("Kafka stopped" if was_running else "Kafka was not running")
    return 0


def status(args: argparse.Namespace) -> int:
    settings = KafkaSettings()
    if settings.is_external:
        return _external(settings)
    kafka = LocalKafka(settings)
    pid = kafka.pid()
    if pid is None:
        print(f"Kafka stopped (would listen at {kafka.bootstrap})")
        return EXIT_NOT_RUNNING
    print(f"Kafka running at {kafka.bootstrap} (pid {pid}, log {kafka.log_path})")
    return 0


def _external(settings: KafkaSettings) -> int:
    print(f"using the external Kafka cluster at {settings.bootstrap_servers}; nothing to do")
    return 0
