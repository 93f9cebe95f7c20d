"""What a Java service run by the project itself needs from the machine: ``mvn`` and
``java`` found, artifacts resolved with Maven, its process group signalled and waited for.

The local Kafka (``infra.localkafka``) and the local schema registry
(``infra.localregistry``) both run this way. A ``JavaTools`` fails with its service's
own error type (``error(summary)``), so a missing tool or a failed resolution
names the service that needed it. Maven reads and writes only the repository it is given.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# How often a wait for a signalled process looks again.
WAIT_POLL_S = 0.125


@dataclass(frozen=True)
class JavaTools:
    """The tools of ``service`` (a phrase: "the local Kafka"); failures raise ``error``."""

    service: str
    error: Callable[[str], Exception]

    def tool(self, name: str) -> str:
        """The path of the executable ``name`` on PATH."""
        found = shutil.which(name)
        if found is None:
            raise self.error(f"{name!r} is not on PATH; {self.service} needs it")
        return found

    def java(self) -> str:
        """``$JAVA_HOME/bin/java`` when it exists, else ``java`` on PATH."""
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").exists():
            return str(Path(java_home) / "bin" / "java")
        return self.tool("java")

    def maven(self, what: str, repository: Path, arguments: Sequence[str]) -> None:
        """Run ``mvn`` quietly in batch mode on the local ``repository`` with ``arguments``,
        resolving ``what`` (named in the error, with mvn's output, when it fails)."""
        command = [self.tool("mvn"), "-q", "-B", f"-Dmaven.repo.local={repository}", *arguments]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise self.error(f"resolving {what} failed (mvn exit {done.returncode}):\n{done.stdout}{done.stderr}")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; reaps it first if it is our own exited child."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        # Not our child: whoever started it reaps it, so existence is enough.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, under another user
            pass
        return True
    return reaped == 0


def signal_and_wait(pid: int, sig: signal.Signals, grace_s: float) -> bool:
    """Signal the process group led by ``pid``; True once ``pid`` is gone within ``grace_s``."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace_s
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(WAIT_POLL_S)
    return True
