"""The tools of a local Java service: failures name the service and carry mvn's output;
a signalled process group is waited for until its leader is gone."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from infra.javatools import JavaTools, alive, signal_and_wait


class ServiceError(RuntimeError):
    pass


TOOLS = JavaTools("the test service", ServiceError)


def test_a_missing_tool_names_the_service_that_needs_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServiceError, match="'mvn' is not on PATH; the test service needs it"):
        TOOLS.tool("mvn")


def test_java_home_wins_over_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.touch()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert TOOLS.java() == str(java)


def test_a_failed_resolution_names_what_and_carries_mvns_arguments_and_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A stand-in mvn that prints what it was given and fails as mvn does.
    mvn = tmp_path / "bin" / "mvn"
    mvn.parent.mkdir()
    mvn.write_text('#!/bin/sh\necho "args: $*"\necho "no network" >&2\nexit 3\n')
    mvn.chmod(0o755)
    monkeypatch.setenv("PATH", str(mvn.parent))
    with pytest.raises(ServiceError) as raised:
        TOOLS.maven("Thing 1.0", tmp_path / "m2", ["-Dx=1", "goal"])
    assert str(raised.value) == (
        f"resolving Thing 1.0 failed (mvn exit 3):\nargs: -q -B -Dmaven.repo.local={tmp_path / 'm2'} -Dx=1 goal\n"
        "no network\n"
    )


def test_signal_and_wait_ends_the_process_group_and_reaps_its_leader() -> None:
    leader = subprocess.Popen(["sleep", "60"], start_new_session=True)
    assert alive(leader.pid)
    assert signal_and_wait(leader.pid, signal.SIGTERM, grace_s=10.0)
    assert not alive(leader.pid)
    leader.wait()  # already reaped: Popen learns it is gone


def test_signal_and_wait_gives_up_on_a_process_that_outlives_its_grace() -> None:
    # A shell that ignores SIGTERM: only SIGKILL ends it.
    stubborn = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
        start_new_session=True,
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None
    try:
        assert stubborn.stdout.readline() == b"ready\n"  # the trap is set
        assert not signal_and_wait(stubborn.pid, signal.SIGTERM, grace_s=0.3)
        assert signal_and_wait(stubborn.pid, signal.SIGKILL, grace_s=10.0)
    finally:
        stubborn.stdout.close()
        stubborn.kill()
        stubborn.wait()
