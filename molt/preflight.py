"""What a command checks before it starts anything: it is alone, its ports are free, Kafka answers.

``instance_lock`` holds an exclusive ``flock`` on a file for as long as its ``with``
lasts and writes the holder's ``InstanceRecord`` into it. The kernel drops the lock when
the process ends, however it ends, so a file left behind never blocks a start; while
it is held a second claim fails at once, naming the holder (``ALREADY_RUNNING``).
``require_free`` refuses a port something already listens on (``PORT_IN_USE``), naming
the setting that moves it. ``require_kafka`` refuses a bootstrap where no server accepts
a connection (``KAFKA_UNAVAILABLE``) before any Kafka client exists: a client would log
each failed attempt and then raise. All fail before anything runs: nothing to undo.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.instancerecord import InstanceRecord
from infra.localkafka import listening
from molt.errors import CliError, ExitCode


@contextmanager
def instance_lock(path: Path, what: str, addresses: dict[str, str]) -> Iterator[None]:
    """Hold ``path`` as the one running ``what`` listening on ``addresses``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # os.open's descriptors are not inherited: a child left behind never holds the lock.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = InstanceRecord.read(path)
            named = holder.describe() if holder is not None else "it is still starting"
            raise CliError(ExitCode.ALREADY_RUNNING, f"{what} already runs: {named}; lock {path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, InstanceRecord(os.getpid(), addresses).dumps().encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def require_free(host: str, port: int, setting: str) -> None:
    if listening(host, port):
        raise CliError(ExitCode.PORT_IN_USE, f"{host}:{port} is already in use by another process (set {setting})")


def require_kafka(bootstrap: str) -> None:
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        if port.isdigit() and listening(host.strip("[]"), int(port)):
            return
    raise CliError(
        ExitCode.KAFKA_UNAVAILABLE,
        f"Kafka cannot be reached at {bootstrap}: nothing accepts connections there (is it running? molt kafka status)",
    )
