"""Preflight refuses before anything runs: a second instance (named), a port in use, no Kafka."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from infra.localkafka import free_port
from molt.errors import CliError, ExitCode
from molt.preflight import instance_lock, require_free, require_kafka

ADDRESSES = {"kafka": "127.0.0.1:19092", "edge": "127.0.0.1:18000"}
# A real second process holding the lock until its stdin closes (or it is killed).
HOLDER = f"""
import sys
from pathlib import Path
from molt.preflight import instance_lock
with instance_lock(Path(sys.argv[1]), "molt up", {ADDRESSES!r}):
    print("held", flush=True)
    sys.stdin.read()
"""


def refusal(code: ExitCode, raised: pytest.ExceptionInfo[CliError]) -> str:
    assert raised.value.exit_code == code
    assert "\n" not in str(raised.value)
    return str(raised.value)


def test_a_second_claim_is_refused_naming_the_holder_and_its_ports(tmp_path: Path) -> None:
    lock = tmp_path / "molt-up.lock"
    argv = [sys.executable, "-c", HOLDER, str(lock)]
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            with pytest.raises(CliError) as raised, instance_lock(lock, "molt up", {}):
                pytest.fail("a second holder must be refused")
            message = refusal(ExitCode.ALREADY_RUNNING, raised)
            assert f"molt up already runs: pid {holder.pid} since " in message
            assert "kafka 127.0.0.1:19092, edge 127.0.0.1:18000" in message
        finally:
            holder.kill()  # however the holder ends, the kernel drops its lock
            holder.wait()
    assert holder.returncode == -signal.SIGKILL
    with instance_lock(lock, "molt up", {"edge": "127.0.0.1:18001"}):
        assert f'"pid": {os.getpid()}' in lock.read_text()
    # Released and emptied: the next claim in this process succeeds too.
    assert lock.read_text() == ""
    with instance_lock(lock, "molt up", {}):
        pass


def test_a_port_in_use_is_refused_naming_its_setting(listener: int) -> None:
    with pytest.raises(CliError) as raised:
        require_free("127.0.0.1", listener, "MOLT_EDGE_PORT")
    assert refusal(ExitCode.PORT_IN_USE, raised) == (
        f"127.0.0.1:{listener} is already in use by another process (set MOLT_EDGE_PORT)"
    )
    require_free("127.0.0.1", free_port(), "MOLT_EDGE_PORT")


def test_kafka_is_required_to_accept_a_connection_on_one_server(listener: int) -> None:
    nobody = f"127.0.0.1:{free_port()}"
    with pytest.raises(CliError) as raised:
        require_kafka(nobody)
    assert nobody in refusal(ExitCode.KAFKA_UNAVAILABLE, raised)
    require_kafka(f"{nobody},127.0.0.1:{listener}")
