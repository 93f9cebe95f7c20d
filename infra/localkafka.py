"""A local Kafka node (KRaft, combined broker + controller) run by the project itself:
a cluster of its own, or one node of ``infra.localcluster``'s three.

Lifecycle: ``ensure_jars`` (Maven Central, once per version) -> write ``server.properties``
-> format the storage (once per data dir) -> spawn the JVM (``launch``) -> wait until it
answers a metadata request that lists it (``wait_started``) -> ``stop``, or ``kill``, a crash.

Invariants:

* The jars of version V live in ``<cache_dir>/V/lib`` and are complete only while
  ``<cache_dir>/V/lib.complete`` holds the hash of ``infra/kafka/pom.xml`` they were
  resolved with; every ``kafka*`` jar there carries version V. Maven reads and writes
  only ``<cache_dir>/m2``.
* Kafka owns ``data_dir``. Its run folder (``data_dir``'s parent) holds the generated
  ``server.properties`` and ``kafka.pid``; the pid file records the running broker (pid,
  ports, start time: an ``InstanceRecord``) and is removed once that broker is gone.
* An instance stops only what it started: ``release`` (and leaving ``with``) ends the
  broker only if this instance spawned it; ``stop`` ends whichever broker runs from this
  run folder, for ``molt kafka stop``. A port in use is refused before anything runs.
* The JVM runs in its own session: a Ctrl-C in the terminal never reaches it, so only
  ``stop`` (or a failed ``start``) ends it, by signalling its process group.
* ``start`` never leaves a process behind when it raises, KeyboardInterrupt included.
* With an external cluster (``MOLT_KAFKA_BOOTSTRAP``) nothing is resolved, started or
  stopped; ``start`` returns that bootstrap.
* A node of three replicates the brokers' own topics three times with
  ``min.insync.replicas`` 2 and never elects a replica that may lack acknowledged
  records: one node may die without a record lost.

``start_scratch_kafka`` starts a throwaway broker for tests and benchmarks. With
``SecuredListeners`` (``infra.securebroker``) the broker takes only TLS and SASL
clients, and ``settings`` say how this module's own probe logs in.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from infra.aio import run_on_own_loop
from infra.instancerecord import InstanceRecord
from infra.javatools import JavaTools, alive, signal_and_wait
from infra.kafkaclients import client_options
from infra.securebroker import SecuredListeners
from infra.settings import REPO_ROOT, KafkaSettings

INFRA_DIR = REPO_ROOT / "infra" / "kafka"
POM = INFRA_DIR / "pom.xml"
LOG4J_CONFIG = INFRA_DIR / "log4j2.xml"

# Fixed so a data dir formatted once keeps matching the config we write on every start.
CLUSTER_ID = "Bf9BpqW1T7K5awHKC2Za8g"
NODE_ID = 1

# The heap a node starts with; it grows up to ``KafkaSettings.heap_mb``.
JVM_INITIAL_HEAP = "-Xms256m"
STOP_GRACE_S = 30.0
KILL_GRACE_S = 5.0
POLL_S = 0.25
LOG_TAIL_LINES = 30
# The ERROR line and the exception under it.
ERROR_CONTEXT_LINES = 2
_ERROR_LINE = re.compile(r"^\[[^]]+\] (ERROR|FATAL) ")


class LocalKafkaError(RuntimeError):
    """The local broker could not be resolved, formatted, started or stopped.

    ``summary`` is one line for a terminal; ``str()`` adds the details (a log excerpt).
    """

    def __init__(self, summary: str, details: str = "") -> None:
        super().__init__(f"{summary}\n{details}" if details else summary)
        self.summary = summary


class PortInUseError(LocalKafkaError):
    """A port the broker needs is taken by a process this instance knows nothing of."""


TOOLS = JavaTools("the local Kafka", LocalKafkaError)


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports free right now; all are held open together so none repeats."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


def render_server_properties(
    settings: KafkaSettings,
    secured: SecuredListeners | None = None,
    node_id: int = NODE_ID,
    quorum: Sequence[KafkaSettings] = (),
) -> str:
    """The config of node ``node_id`` on ``settings.host``; ``quorum`` is every node's
    settings by node id (this one's included), empty for a node alone."""
    host, port, controller_port = settings.host, settings.port, settings.controller_port
    nodes = quorum or (settings,)
    voters = ",".join(f"{i}@{node.host}:{node.controller_port}" for i, node in enumerate(nodes, start=1))
    # Three copies acknowledged by two, as for the product's topics; one on a node alone.
    replicas = min(len(nodes), 3)
    min_isr = max(replicas - 1, 1)
    listeners = [
        f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        f"advertised.listeners=PLAINTEXT://{host}:{port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    ]
    if secured is not None:
        listeners = secured.listener_properties(host, port, controller_port)
    lines = [
        "process.roles=broker,controller",
        f"node.id={node_id}",
        # A static voter set rather than a formatted one, so changing ports needs no reformat.
        f"controller.quorum.voters={voters}",
        *listeners,
        f"log.dirs={settings.data_dir}",
        f"offsets.topic.replication.factor={replicas}",
        f"transaction.state.log.replication.factor={replicas}",
        f"transaction.state.log.min.isr={min_isr}",
        f"share.coordinator.state.topic.replication.factor={replicas}",
        f"share.coordinator.state.topic.min.isr={min_isr}",
        f"default.replication.factor={replicas}",
        f"min.insync.replicas={min_isr}",
        # Kafka's default, stated: a replica behind the leader never becomes the leader.
        "unclean.leader.election.enable=false",
        # The floor of the consumers' session timeout: how soon a dead worker can be noticed.
        f"group.min.session.timeout.ms={settings.group_min_session_timeout_ms}",
        # The first group join creates these; 50 partitions each only slows that down here.
        "offsets.topic.num.partitions=1",
        "transaction.state.log.num.partitions=1",
        "group.initial.rebalance.delay.ms=0",
        # The project creates its topics explicitly; a typo must fail, not make a topic.
        "auto.create.topics.enable=false",
    ]
    return "\n".join(lines) + "\n"


def check_single_kafka_version(lib_dir: Path, version: str) -> None:
    """Fail unless every Kafka jar in ``lib_dir`` is ``version`` and the broker jar is there."""
    jars = sorted(p.name for p in lib_dir.glob("kafka*.jar"))
    found = {name.removesuffix(".jar").rpartition("-")[2] for name in jars}
    if found != {version} or f"kafka_2.13-{version}.jar" not in jars:
        raise LocalKafkaError(f"{lib_dir} should hold Kafka {version} only, found: {', '.join(jars) or 'nothing'}")


def stderr_report(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _start_failed(what: str, path: Path) -> LocalKafkaError:
    """The error for a start that failed: the broker log's first error, which names the
    cause, in the summary line; the log's tail in the details."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return LocalKafkaError(f"{what}; its log {path} does not exist")
    # A failing broker logs its shutdown after the cause, pushing the cause out of the tail.
    first_error = next((i for i, line in enumerate(lines) if _ERROR_LINE.match(line)), None)
    cause = "no error logged" if first_error is None else " / ".join(lines[first_error:][:ERROR_CONTEXT_LINES])
    tail = f"last lines of {path}:\n" + "\n".join(lines[-LOG_TAIL_LINES:])
    return LocalKafkaError(f"{what}: {cause} (log {path})", tail)


def listening(host: str, port: int) -> bool:
    """Whether something accepts connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


async def _lists_itself(bootstrap: str, settings: KafkaSettings, node_id: int) -> bool:
    """Whether the node at ``bootstrap`` answers metadata naming it a live broker (in a
    cluster: registered with the controller quorum, not fenced)."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap, settings), request_timeout_ms=5000)
    try:
        await asyncio.wait_for(admin.start(), timeout=5.0)
        cluster = await asyncio.wait_for(admin.describe_cluster(), timeout=5.0)
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        await admin.close()
    return any(broker["node_id"] == node_id for broker in cluster["brokers"])


class LocalKafka:
    """One local node, described by ``settings``; several instances may share a jar cache.

    ``node_id`` and ``quorum`` (every node's settings, by node id) make it a node of a
    cluster (``infra.localcluster``); by default it is a cluster of its own.
    """

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        report: Callable[[str], None] = stderr_report,
        secured: SecuredListeners | None = None,
        node_id: int = NODE_ID,
        quorum: Sequence[KafkaSettings] = (),
    ) -> None:
        self.settings = settings
        self.node_id = node_id
        self.quorum = quorum
        self.secured = secured
        self._report = report
        version_dir = settings.cache_dir / settings.version
        self.lib_dir = version_dir / "lib"
        self._lib_marker = version_dir / "lib.complete"
        run_dir = settings.data_dir.parent
        self.properties_path = run_dir / "server.properties"
        self.pid_path = run_dir / "kafka.pid"
        self.log_path = settings.log_dir / "kafka.out"
        # The broker this instance spawned, while it may still run: what ``release`` ends.
        self._spawned: int | None = None

    @property
    def bootstrap(self) -> str:
        """This node's address (or the external cluster's)."""
        return self.settings.bootstrap or f"{self.settings.host}:{self.settings.port}"

    def __enter__(self) -> LocalKafka:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def ensure_jars(self) -> Path:
        """The lib folder of ``settings.version``, resolved from Maven Central if incomplete."""
        pom_hash = hashlib.sha256(POM.read_bytes()).hexdigest()
        if self._lib_marker.exists() and self._lib_marker.read_text() == pom_hash:
            return self.lib_dir
        version = self.settings.version
        self._report(f"resolving Kafka {version} from Maven Central into {self.lib_dir}…")
        started = time.monotonic()
        # Whatever a failed or older run left there must not mix into the new set.
        shutil.rmtree(self.lib_dir, ignore_errors=True)
        self._lib_marker.unlink(missing_ok=True)
        TOOLS.maven(
            f"Kafka {version}",
            self.settings.cache_dir / "m2",
            ["-f", str(POM), f"-Dkafka.version={version}", f"-Dlib.dir={self.lib_dir}", "dependency:copy-dependencies"],
        )
        check_single_kafka_version(self.lib_dir, version)
        self._lib_marker.write_text(pom_hash)
        self._report(f"resolved Kafka {version} in {time.monotonic() - started:.1f} s")
        return self.lib_dir

    def running(self) -> InstanceRecord | None:
        """The record of this broker while it runs, else None (a stale pid file is ignored)."""
        record = InstanceRecord.read(self.pid_path)
        return record if record is not None and alive(record.pid) and self._is_ours(record.pid) else None

    def pid(self) -> int | None:
        record = self.running()
        return None if record is None else record.pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(self) -> str:
        """Start the broker unless it runs already; returns its bootstrap.

        Blocks until the broker is ready; from async code call it via ``asyncio.to_thread``.
        A node of a cluster is ready only once a majority of the quorum runs.
        """
        pid = self.launch()
        if pid is not None:
            self.wait_started(pid)
        return self.bootstrap

    def launch(self) -> int | None:
        """Format if need be and spawn the node without waiting; its pid, or None when
        there is nothing to start (it runs already, or the cluster is external)."""
        if self.settings.is_external or self.is_running():
            return None
        s = self.settings
        ports = (s.port, s.controller_port) + ((self.secured.mtls_port,) if self.secured else ())
        for port in ports:
            if listening(s.host, port):
                raise PortInUseError(
                    f"{s.host}:{port}, which Kafka is set to use, is already in use by another process"
                )
        lib_dir = self.ensure_jars()
        self.properties_path.parent.mkdir(parents=True, exist_ok=True)
        self.properties_path.write_text(render_server_properties(s, self.secured, self.node_id, self.quorum))
        self._format(lib_dir)
        pid = self._spawn(lib_dir)
        try:
            addresses = {"kafka": self.bootstrap, "controller": f"{s.host}:{s.controller_port}"}
            self.pid_path.write_text(InstanceRecord(pid, addresses).dumps())
        except BaseException:
            self._end(pid)
            raise
        return pid

    def wait_started(self, pid: int) -> None:
        """Wait until the launched node ``pid`` is ready; ends it if it is not."""
        try:
            self._wait_ready(pid)
        except BaseException:
            self._end(pid)
            raise
        self._spawned = pid

    def stop(self) -> bool:
        """Stop the broker running from this run folder, whoever started it; True if one was running."""
        if self.settings.is_external:
            return False
        pid = self.pid()
        if pid is not None:
            self._end(pid)
        self.pid_path.unlink(missing_ok=True)
        self._spawned = None
        return pid is not None

    def kill(self) -> None:
        """SIGKILL the node at once, as a crash would end it; returns once it is gone."""
        pid = self.pid()
        if pid is None:
            raise LocalKafkaError(f"node {self.node_id} at {self.bootstrap} is not running")
        if not signal_and_wait(pid, signal.SIGKILL, KILL_GRACE_S):
            raise LocalKafkaError(f"Kafka (pid {pid}) survived SIGKILL")
        self.pid_path.unlink(missing_ok=True)
        self._spawned = None

    @property
    def started_here(self) -> bool:
        """Whether this instance started the broker (and so ``release`` would stop it)."""
        return self._spawned is not None

    def release(self) -> bool:
        """Stop the broker only if this instance started it; True if it did."""
        if self._spawned is None or self.pid() != self._spawned:
            self._spawned = None
            return False
        return self.stop()

    def _java_command(self, lib_dir: Path, main_class: str, *args: str) -> list[str]:
        return [
            TOOLS.java(), JVM_INITIAL_HEAP, f"-Xmx{self.settings.heap_mb}m",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-XX:ErrorFile={self.settings.log_dir / 'hs_err_pid%p.log'}",
            "-cp", f"{lib_dir}/*",
            main_class, *args,
        ]  # fmt: skip

    def _format(self, lib_dir: Path) -> None:
        if (self.settings.data_dir / "meta.properties").exists():
            return
        command = self._java_command(
            lib_dir, "kafka.tools.StorageTool",
            "format", "--cluster-id", CLUSTER_ID, "--config", str(self.properties_path),
            *(self.secured.format_arguments() if self.secured else []),
        )  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise LocalKafkaError(
                f"formatting {self.settings.data_dir} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
            )

    def _spawn(self, lib_dir: Path) -> int:
        """Start the JVM detached from our terminal, its output going to ``log_path``."""
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        command = self._java_command(lib_dir, "kafka.Kafka", str(self.properties_path))
        # posix_spawn rather than Popen: the broker outlives this object (``molt kafka
        # start`` exits at once), and a Popen dropped while its child runs warns.
        return os.posix_spawn(
            command[0],
            command,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(self.log_path),
                 os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
            setsid=True,
        )  # fmt: skip

    def _wait_ready(self, pid: int) -> None:
        s = self.settings
        deadline = time.monotonic() + s.start_timeout_s
        while time.monotonic() < deadline:
            if not alive(pid):
                raise _start_failed("Kafka exited while starting", self.log_path)
            if listening(s.host, s.port) and run_on_own_loop(_lists_itself(self.bootstrap, s, self.node_id)):
                return
            time.sleep(POLL_S)
        raise _start_failed(f"Kafka did not answer on {self.bootstrap} within {s.start_timeout_s:g} s", self.log_path)

    def _end(self, pid: int) -> None:
        """SIGTERM the broker's process group, SIGKILL it if it lingers, wait until gone."""
        for sig, grace_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, KILL_GRACE_S)):
            if signal_and_wait(pid, sig, grace_s):
                # Only its own record: a broker started meanwhile by another start keeps its own.
                record = InstanceRecord.read(self.pid_path)
                if record is None or record.pid == pid:
                    self.pid_path.unlink(missing_ok=True)
                return
        raise LocalKafkaError(f"Kafka (pid {pid}) survived SIGKILL")

    def _is_ours(self, pid: int) -> bool:
        """Guards against a reused pid: the process must run with our properties file."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            return not Path("/proc").exists()
        return str(self.properties_path).encode() in cmdline.split(b"\0")


def start_scratch_kafka(root: Path, secured: SecuredListeners | None = None) -> tuple[str, Callable[[], object]]:
    """Bootstrap servers of a ready broker for tests and benchmarks, and the callable that stops it.

    With ``MOLT_KAFKA_BOOTSTRAP`` set that cluster is used and nothing is started;
    otherwise a broker on free ports keeps its data and log under ``root`` and its jars
    in the shared cache, so it never collides with a developer's ``molt kafka start``.
    A ``secured`` broker is probed with the process's own client settings (MOLT_KAFKA_*).
    """
    settings = KafkaSettings()
    if settings.is_external:
        return settings.bootstrap_servers, lambda: None
    port, controller_port = free_ports(2)
    kafka = LocalKafka(
        settings.model_copy(
            update={
                "port": port,
                "controller_port": controller_port,
                "data_dir": root / "data",
                "log_dir": root / "logs",
            }
        ),
        secured=secured,
    )
    return kafka.start(), kafka.stop
