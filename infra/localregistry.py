"""A local schema registry run by the project itself, beside the local Kafka.

Apicurio Registry's runnable build, ``io.apicurio:apicurio-registry-app:<version>:tar.gz:all``
from Maven Central (3.0.x runs on Java 17), serving the Confluent-compatible API under
``/apis/ccompat/v7``. Lifecycle: ``ensure_app`` (Maven Central, once per version:
resolved into ``<cache_dir>/m2``, unpacked into ``<cache_dir>/<version>``, complete only
once ``app.complete`` is written) -> spawn the JVM -> wait until ``/health/ready``
answers -> ``stop``.

Its storage is H2: in memory for tests and benches (a fresh registry per run, like
their scratch broker), in a file under ``data_dir`` for ``molt up``, so that the ids in
a local log that outlives a run still name the schemas they named.

With an external registry (``MOLT_SCHEMA_REGISTRY_URL``) nothing is resolved or started.
An instance stops only what it started; ``start`` never leaves the JVM behind when it raises.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from infra.javatools import JavaTools, signal_and_wait
from infra.localkafka import LocalKafkaError, PortInUseError, free_port, listening
from infra.settings import SchemaRegistrySettings

GROUP, ARTIFACT = "io.apicurio", "apicurio-registry-app"
# Enough for the product's few dozen schemas; the C1 compiler alone starts it sooner.
JVM_OPTIONS = ("-Xms64m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
STOP_GRACE_S = 15.0
POLL_S = 0.2


class LocalRegistryError(LocalKafkaError):
    """The local registry could not be resolved or started."""


TOOLS = JavaTools("the local schema registry", LocalRegistryError)


class LocalRegistry:
    def __init__(
        self,
        settings: SchemaRegistrySettings,
        *,
        data_dir: Path | None = None,
        report: Callable[[str], None] = print,
    ) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self._report = report
        self.app_dir = settings.cache_dir / settings.version
        self.log_path = settings.log_dir / "registry.out"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.settings.base_url

    @property
    def started_here(self) -> bool:
        return self._process is not None

    def ensure_app(self) -> Path:
        """The unpacked application of ``settings.version``, resolved from Maven Central if absent."""
        version = self.settings.version
        runner = self.app_dir / f"{ARTIFACT}-{version}-runner.jar"
        marker = self.app_dir / "app.complete"
        if marker.exists() and runner.exists():
            return runner
        self._report(f"resolving Apicurio Registry {version} from Maven Central into {self.app_dir}…")
        shutil.rmtree(self.app_dir, ignore_errors=True)
        download = self.settings.cache_dir / "download"
        TOOLS.maven(
            f"Apicurio Registry {version}",
            self.settings.cache_dir / "m2",
            [
                f"-Dartifact={GROUP}:{ARTIFACT}:{version}:tar.gz:all",
                f"-DoutputDirectory={download}",
                # 2.8: later releases read the artifact's parent pom, which Maven Central does not serve for 3.0.9.
                "org.apache.maven.plugins:maven-dependency-plugin:2.8:copy",
            ],
        )
        archive = download / f"{ARTIFACT}-{version}-all.tar.gz"
        with tarfile.open(archive) as tar:
            tar.extractall(self.app_dir, filter="data")
        archive.unlink()
        if not runner.exists():
            raise LocalRegistryError(f"{archive} holds no {runner.name}")
        marker.write_text(version)
        return runner

    def _answers(self) -> bool:
        s = self.settings
        try:
            with urllib.request.urlopen(f"http://{s.host}:{s.port}/health/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def start(self) -> str:
        """Start the registry unless one answers already; its API's URL. Blocks until ready."""
        s = self.settings
        if s.is_external or self._answers():
            return self.url
        if listening(s.host, s.port):
            raise PortInUseError(
                f"{s.host}:{s.port}, which the schema registry is set to use, is taken by another process"
            )
        runner = self.ensure_app()
        s.log_dir.mkdir(parents=True, exist_ok=True)
        storage = "jdbc:h2:mem:registry_db"
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = f"jdbc:h2:file:{self.data_dir / 'registry'}"
        command = [
            TOOLS.java(), *JVM_OPTIONS,
            f"-Dquarkus.http.host={s.host}", f"-Dquarkus.http.port={s.port}",
            f"-Dapicurio.datasource.url={storage}",
            "-jar", str(runner),
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            # Its own session: a Ctrl-C in the terminal reaches ``molt up``, which stops it.
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.settings.start_timeout_s
        while not self._answers():
            if self._process.poll() is not None:
                raise LocalRegistryError(f"the schema registry exited while starting (log {self.log_path})")
            if time.monotonic() > deadline:
                raise LocalRegistryError(
                    f"the schema registry did not answer within {self.settings.start_timeout_s:g} s (log {self.log_path})"
                )
            time.sleep(POLL_S)  # polling a health URL: there is no event to await

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop(self) -> bool:
        """Stop the registry this instance started; True if it did."""
        process, self._process = self._process, None
        if process is None:
            return False
        if process.poll() is None and not signal_and_wait(process.pid, signal.SIGTERM, STOP_GRACE_S):
            signal_and_wait(process.pid, signal.SIGKILL, STOP_GRACE_S)
        process.wait()
        return True


def start_scratch_registry(root: Path) -> tuple[str, Callable[[], object]]:
    """The API URL of a ready in-memory registry for tests and benches, and what stops it.

    With ``MOLT_SCHEMA_REGISTRY_URL`` set that registry is used and nothing is started;
    otherwise one on a free port logs under ``root`` and shares the app cache.
    """
    settings = SchemaRegistrySettings()
    if settings.is_external:
        return settings.base_url, lambda: None
    registry = LocalRegistry(
        settings.model_copy(update={"port": free_port(), "log_dir": root / "logs"}), report=lambda _: None
    )
    return registry.start(), registry.stop
