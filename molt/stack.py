"""Real worker and edge processes on free ports, for integration tests and benchmarks.

A ``Stack`` shares one broker and one set of topics; each worker or edge it starts
is a real ``molt worker`` / ``molt edge`` child process that tests may stop or
``kill -9``. ``close`` stops whatever is still running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from infra.localkafka import free_port
from molt.processes import ManagedProcess, ProcessFailed, molt_argv

READY_TIMEOUT_S = 90.0


@dataclass
class Edge:
    process: ManagedProcess
    url: str


@dataclass
class Worker:
    process: ManagedProcess
    url: str

    def readiness(self) -> dict:
        """The worker's /readyz body: which partitions it owns and has recovered."""
        return httpx.get(f"{self.url}/readyz/", timeout=5).json()

    def wait_recovered(self, partitions: list[int], timeout: float = READY_TIMEOUT_S) -> None:
        """Wait until the worker owns and has recovered exactly ``partitions``.

        /readyz answers 200 as soon as what the worker owns is recovered, which holds
        too in the moment before it takes its first assignment.
        """
        deadline = time.monotonic() + timeout
        while self.readiness()["recovered"] != partitions:
            self.process.check_alive()
            if time.monotonic() > deadline:
                raise ProcessFailed(f"{self.process.name} did not recover {partitions}: {self.readiness()}")
            time.sleep(0.2)  # polling a readiness URL: there is no event to await


@dataclass
class Stack:
    bootstrap: str
    root: Path
    # Every process on one broker must agree on it (see infra.topicadmin).
    partitions: int
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[ManagedProcess] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            # Tests and benches ask for development (the built-in token key); a test of
            # production passes its own MOLT_EDGE_ENV and keys to start_edge.
            "MOLT_EDGE_ENV": "development",
            "MOLT_KAFKA_BOOTSTRAP": self.bootstrap,
            "MOLT_TOPICS_PARTITIONS": str(self.partitions),
            "MOLT_WORKER_DATA_DIR": str(self.root / "workers"),
            **self.extra_env,
        }

    def start_worker(self, name: str) -> Worker:
        port = free_port()
        env = {**self.env(), "MOLT_WORKER_WORKER_ID": name, "MOLT_WORKER_WEB_PORT": str(port)}
        process = ManagedProcess(name, molt_argv("worker"), self.root / f"{name}.log", env).start()
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        process.wait_http_ok(f"{url}/readyz/", READY_TIMEOUT_S)
        worker = Worker(process, url)
        self.workers.append(worker)
        return worker

    def start_edge(self, name: str, env: dict[str, str] | None = None) -> Edge:
        """An edge; ``env`` adds settings of its own (a short token lifetime, say)."""
        port = free_port()
        env = {**self.env(), **(env or {}), "MOLT_EDGE_EDGE_ID": name, "MOLT_EDGE_PORT": str(port)}
        process = ManagedProcess(name, molt_argv("edge"), self.root / f"{name}.log", env).start()
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        process.wait_http_ok(f"{url}/readyz", READY_TIMEOUT_S)
        return Edge(process, url)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
