"""What every ``molt bench`` over Kafka shares: services started and always stopped.

``run_benchmark`` runs a benchmark's measurement in a run directory (scratch unless
``--run-dir`` is given), prints its table and writes its JSON with ``--json``; Ctrl-C and
SIGTERM unwind through the code that stops the services, and its exit codes say which
way it ended. ``worker_stack`` brings up a broker (unless ``MOLT_KAFKA_BOOTSTRAP``
names a cluster), a schema registry (unless ``MOLT_SCHEMA_REGISTRY_URL`` names one) with
the schemas registered and their ids installed for the bench's own writers, the topics under an app id of the run's own, and one recovered
worker; on the way out it stops them, and on a shared cluster it deletes the topics it
made. ``interruptible`` lets a signal cancel the asyncio work, so its cleanup runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import signal
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import uvloop
from aiokafka.admin import AIOKafkaAdminClient

from infra.kafkaclients import client_options
from infra.localkafka import LocalKafkaError, start_scratch_kafka
from infra.localregistry import start_scratch_registry
from infra.registryclient import SchemaRegistryError
from infra.schemaregistry import install as install_schema_ids
from infra.settings import KafkaSettings, SchemaRegistrySettings, TopicSettings
from infra.topicadmin import TopicLayoutError, ensure_topics
from molt.bench.stats import loop_ms
from molt.processes import ProcessFailed
from molt.stack import Stack, Worker

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def counts(text: str) -> list[int]:
    """A ``--sessions``-style option: positive integers, comma-separated, ascending."""
    try:
        numbers = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from None
    if any(n <= 0 for n in numbers) or numbers != sorted(set(numbers)):
        raise argparse.ArgumentTypeError(f"counts must be positive and ascending: {text!r}")
    return numbers


def add_service_arguments(parser: argparse.ArgumentParser, services: str = "the broker's and the worker's") -> None:
    """The options the harness reads: partitions, the run directory (``services``' data
    and logs), JSON output."""
    parser.add_argument(
        "--partitions", type=int, default=TopicSettings().partitions,
        help="partitions of the session topics (default MOLT_TOPICS_PARTITIONS or 8)",
    )  # fmt: skip
    parser.add_argument("--run-dir", type=Path, help=f"keep {services} data and logs here")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")


def run_with_worker(
    args: argparse.Namespace,
    name: str,
    worker: str,
    measure: Callable[[str, Worker], Coroutine[Any, Any, dict]],
    print_table: Callable[[dict], None],
) -> int:
    """``run_benchmark`` of ``measure(bootstrap, worker)`` beside a broker and one worker (``worker_stack``)."""

    def with_services(args: argparse.Namespace, root: Path) -> dict:
        with worker_stack(root, args.partitions, worker) as (stack, started):
            # The bench's own clients (bots among them) share the machine with the
            # worker they load: libuv's loop, as the worker's, spends less of it.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return runner.run(interruptible(measure(stack.bootstrap, started)))

    return run_benchmark(args, name, with_services, print_table)


def run_benchmark(
    args: argparse.Namespace,
    name: str,
    measure: Callable[[argparse.Namespace, Path], dict],
    print_table: Callable[[dict], None],
) -> int:
    """``measure(args, run_dir)`` → report; print it and write ``args.json``; the exit code."""
    # SIGTERM unwinds like Ctrl-C, through the code that stops the services.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        before_ms = loop_ms()
        with _run_dir(args.run_dir, name) as root:
            report = measure(args, root)
        report["machine_loop_ms"] = {"before": before_ms, "after": loop_ms()}
    except KeyboardInterrupt:
        print("interrupted; everything the benchmark started was stopped")
        return EXIT_INTERRUPTED
    except (LocalKafkaError, SchemaRegistryError, ProcessFailed, TopicLayoutError, TimeoutError) as error:
        print(f"error: {error}")
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_table(report)
    loop = report["machine_loop_ms"]
    print(
        f"machine speed: a fixed pure-Python loop took {loop['before']:g} ms before the run and "
        f"{loop['after']:g} ms after (runs far apart on this are not comparable)"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


@contextlib.contextmanager
def _run_dir(requested: Path | None, name: str) -> Iterator[Path]:
    if requested is not None:
        requested.mkdir(parents=True, exist_ok=True)
        yield requested
        return
    with tempfile.TemporaryDirectory(prefix=f"molt-bench-{name}-") as scratch:
        yield Path(scratch)


@contextlib.contextmanager
def worker_stack(
    root: Path, partitions: int, worker: str, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[Stack, Worker]]:
    """A broker, the topics and one worker that has recovered every partition."""
    external = KafkaSettings().is_external
    print("using the cluster at MOLT_KAFKA_BOOTSTRAP…" if external else "starting Kafka…", flush=True)
    bootstrap, stop_kafka = start_scratch_kafka(root / "kafka")
    app_id = f"molt-bench-{secrets.token_hex(4)}"
    stop_registry: Callable[[], object] = lambda: None  # noqa: E731 (replaced once one starts)
    try:
        registry_url, stop_registry = start_scratch_registry(root / "registry")
        asyncio.run(ensure_topics(bootstrap, TopicSettings(partitions=partitions), app_id))
        install_schema_ids(SchemaRegistrySettings(url=registry_url), app_id)
        # Edges read the views of this worker's app id.
        env = {
            "MOLT_WORKER_APP_ID": app_id,
            "MOLT_EDGE_APP_ID": app_id,
            "MOLT_SCHEMA_REGISTRY_URL": registry_url,
            **(extra_env or {}),
        }
        stack = Stack(bootstrap, root, partitions, extra_env=env)
        try:
            print(f"starting the worker ({partitions} partitions)…", flush=True)
            started = stack.start_worker(worker)
            started.wait_recovered(list(range(partitions)))
            yield stack, started
        finally:
            stack.close()
            if external:
                asyncio.run(_delete_topics(bootstrap, f"{app_id}-"))
    finally:
        stop_registry()
        stop_kafka()


async def interruptible(work: Coroutine[Any, Any, dict]) -> dict:
    """Run ``work``; Ctrl-C or SIGTERM cancels it, so its cleanup runs, then raises KeyboardInterrupt.

    A KeyboardInterrupt raised wherever the loop happens to be could land inside that
    very cleanup and cut it short.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            loop.add_signal_handler(sig, task.cancel)
    try:
        return await work
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete the topics the benchmark's worker made on a cluster that outlives the run."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap), client_id="molt-bench")
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
