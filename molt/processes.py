"""Child processes the product starts (worker, edge, bots) and how they are stopped.

Every child runs in its own session with its output in a named log file. ``stop``
sends SIGTERM to the child's whole process group, waits, then SIGKILLs, so nothing
is left behind even if a child spawned children of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path


class ProcessFailed(Exception):
    """A child exited, or never became ready; the message carries its log tail."""


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class ManagedProcess:
    def __init__(self, name: str, argv: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        # Unbuffered: a child killed with -9 keeps its last log lines (Python block-buffers
        # a redirected stdout), which are the ones that say what it was doing.
        self.env = {"PYTHONUNBUFFERED": "1", **os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,
            )
        finally:
            log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            code = None if self.proc is None else self.proc.returncode
            raise ProcessFailed(f"{self.name} exited with {code}; log {self.log_path}:\n{log_tail(self.log_path)}")

    def kill(self) -> None:
        """SIGKILL the whole group at once: a crash, as tests of failover need."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait()
        # Children the process itself started may outlive it: end the group too.
        self._signal(signal.SIGKILL)
        return self.proc.returncode

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def wait_http_ok(self, url: str, timeout: float) -> None:
        """Wait until ``url`` answers 200, failing fast if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling a readiness URL: there is no event to await
        raise ProcessFailed(
            f"{self.name} not ready at {url} after {timeout:.0f}s; log {self.log_path}:\n{log_tail(self.log_path)}"
        )


def molt_argv(*args: str) -> list[str]:
    """argv that runs a ``molt`` subcommand with this interpreter."""
    return [sys.executable, "-m", "molt.cli", *args]
