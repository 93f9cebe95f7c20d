"""What a benchmark starts and stops around its measurement: a broker, topics, a worker.

``run_benchmark`` runs a measurement in a scratch directory (or ``--run-dir``), turns
its failures into exit codes and reports it; ``bench_worker`` starts a scratch broker (unless
``MOLT_KAFKA_BOOTSTRAP`` names a cluster), the topics and one ``molt worker`` with an
app id of its own (on a shared cluster it joins no other group), and stops them on
the way out; Ctrl-C and SIGTERM included: SIGTERM unwinds like Ctrl-C, and
``interruptible`` cancels an async measurement so that its own cleanup runs first.
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

from aiokafka.admin import AIOKafkaAdminClient

from molt.localkafka import LocalKafkaError, start_scratch_kafka
from molt.processes import ProcessFailed
from molt.settings import KafkaSettings, TopicSettings
from molt.stack import Stack, Worker
from molt.topics import TopicLayoutError, ensure_topics

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``run_benchmark`` reads: partitions, run directory, JSON output."""
    parser.add_argument(
        "--partitions", type=int, default=TopicSettings().partitions,
        help="partitions of the session topics (default MOLT_TOPICS_PARTITIONS or 8)",
    )  # fmt: skip
    parser.add_argument("--run-dir", type=Path, help="keep the broker's and the worker's data and logs here")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")


def run_benchmark(
    args: argparse.Namespace,
    prefix: str,
    worker_name: str,
    measure: Callable[[str, Worker], Coroutine[Any, Any, dict]],
    print_table: Callable[[dict], None],
) -> int:
    """Run ``measure(bootstrap, worker)`` beside a broker and a worker (``bench_worker``),
    print its report and write it to ``args.json``; returns the exit code.

    ``args`` carries ``run_dir``, ``partitions`` and ``json``, as every benchmark's options do.
    """
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with _run_dir(args.run_dir, prefix) as root, bench_worker(root, args.partitions, worker_name) as running:
            report = asyncio.run(interruptible(measure(*running)))
    except KeyboardInterrupt:
        print("interrupted; everything the benchmark started was stopped")
        return EXIT_INTERRUPTED
    except (LocalKafkaError, ProcessFailed, TopicLayoutError, TimeoutError) as error:
        print(f"error: {error}")
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


@contextlib.contextmanager
def _run_dir(requested: Path | None, prefix: str) -> Iterator[Path]:
    if requested is not None:
        requested.mkdir(parents=True, exist_ok=True)
        yield requested
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        yield Path(scratch)


@contextlib.contextmanager
def bench_worker(root: Path, partitions: int, name: str) -> Iterator[tuple[str, Worker]]:
    """(bootstrap servers, a worker owning and having recovered every partition)."""
    external = KafkaSettings().is_external
    print("using the cluster at MOLT_KAFKA_BOOTSTRAP…" if external else "starting Kafka…", flush=True)
    bootstrap, stop_kafka = start_scratch_kafka(root / "kafka")
    app_id = f"molt-bench-{secrets.token_hex(4)}"
    try:
        asyncio.run(ensure_topics(bootstrap, TopicSettings(partitions=partitions), app_id))
        stack = Stack(bootstrap, root, partitions, extra_env={"MOLT_WORKER_APP_ID": app_id})
        try:
            print(f"starting the worker ({partitions} partitions)…", flush=True)
            worker = stack.start_worker(name)
            worker.wait_recovered(list(range(partitions)))
            yield bootstrap, worker
        finally:
            stack.close()
            if external:
                asyncio.run(_delete_topics(bootstrap, f"{app_id}-"))
    finally:
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
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="molt-bench")
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
