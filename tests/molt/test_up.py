"""``molt up`` brings the product up with its own Kafka, refuses a second one on the same
data without harming the first, and Ctrl-C stops all of it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from infra.localkafka import free_ports
from molt.processes import molt_argv

pytestmark = pytest.mark.integration

UP_TIMEOUT_S = 180


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose but the process table.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def wait_for_live_session(url: str, game: str, timeout_s: float = 60) -> bool:
    """Poll the live list (another process's state: there is no event to await here)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/api/games/{game}/sessions/live").json()["sessions"]:
            return True
        time.sleep(0.5)
    return False


def ctrl_c_as_in_a_terminal() -> None:
    """In the child before it starts: SIGINT back to its default.

    A suite started in the background of a script inherits SIGINT ignored, and Python
    then leaves it ignored, so ``molt up`` would never see this test's Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def second_up(tmp_path: Path, env: dict[str, str], name: str, **settings: str) -> subprocess.CompletedProcess[str]:
    argv = [*molt_argv("up"), "--run-dir", str(tmp_path / name), "--bots", "0"]
    return subprocess.run(argv, env=env | settings, capture_output=True, text=True, timeout=UP_TIMEOUT_S)


def assert_a_second_up_harms_nothing(tmp_path: Path, env: dict[str, str], first_pid: int, url: str) -> None:
    """A second ``molt up`` on the same data is refused, naming the first; one beside it on
    other ports that fails after finding the broker running leaves that broker alone."""
    kafka, worker, edge = env["MOLT_KAFKA_PORT"], env["MOLT_WORKER_WEB_PORT"], env["MOLT_EDGE_PORT"]
    same = second_up(tmp_path, env, "same")
    assert (same.returncode, same.stdout) == (4, ""), same.stdout + same.stderr
    [line] = same.stderr.splitlines()
    assert line.startswith(f"molt up: error ALREADY_RUNNING: molt up already runs: pid {first_pid} since "), line
    assert f"(kafka 127.0.0.1:{kafka}, worker 127.0.0.1:{worker}, edge 127.0.0.1:{edge})" in line

    # A partition count the existing topics do not have fails after the broker was found.
    worker_port, edge_port = free_ports(2)
    beside = second_up(
        tmp_path,
        env,
        "beside",
        MOLT_WORKER_DATA_DIR=str(tmp_path / "beside-workers"),
        MOLT_WORKER_WEB_PORT=str(worker_port),
        MOLT_EDGE_PORT=str(edge_port),
        MOLT_TOPICS_PARTITIONS="3",
    )
    assert beside.returncode == 6, beside.stdout + beside.stderr
    assert "(already running: used, and left running)" in beside.stdout
    [line] = beside.stderr.splitlines()
    assert line.startswith("molt up: error BAD_SETTINGS: ") and "MOLT_TOPICS_PARTITIONS" in line, line

    assert httpx.get(f"{url}/readyz").status_code == 200
    with socket.create_connection(("127.0.0.1", int(kafka)), timeout=5):
        pass


def test_up_serves_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    kafka_port, controller_port, worker_port, edge_port = free_ports(4)
    env = {k: v for k, v in os.environ.items() if k != "MOLT_KAFKA_BOOTSTRAP"}
    env.update(
        MOLT_KAFKA_PORT=str(kafka_port),
        MOLT_KAFKA_CONTROLLER_PORT=str(controller_port),
        MOLT_KAFKA_DATA_DIR=str(tmp_path / "kafka" / "data"),
        MOLT_WORKER_DATA_DIR=str(tmp_path / "workers"),
        MOLT_WORKER_WEB_PORT=str(worker_port),
        MOLT_EDGE_PORT=str(edge_port),
        MOLT_TOPICS_PARTITIONS="2",
    )
    up = subprocess.Popen(
        [*molt_argv("up"), "--run-dir", str(tmp_path / "run"), "--bots", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    lines: list[str] = []
    with up:  # closes the pipe however the test ends
        try:
            assert up.stdout is not None
            for line in up.stdout:  # ends when `molt up` exits; the test timeout bounds it
                lines.append(line)
                if "MoltStation Live is up" in line:
                    break
            output = "".join(lines)
            assert "MoltStation Live is up" in output, output
            url = re.search(r"is up: (http://\S+)", output).group(1)
            pids = [int(p) for p in re.findall(r"pid (\d+)", output)]
            assert len(pids) == 5, output  # kafka, worker, edge, and the bots of each game
            assert url == f"http://127.0.0.1:{edge_port}"
            assert httpx.get(f"{url}/healthz").status_code == 200
            assert httpx.get(f"{url}/readyz").status_code == 200
            assert {"worker.log", "edge.log", "kafka.out"} <= {p.name for p in (tmp_path / "run").iterdir()}
            for game in ("flappy-bots", "shellrunners"):
                assert wait_for_live_session(url, game), f"no demo bot is playing {game}"
            assert_a_second_up_harms_nothing(tmp_path, env, up.pid, url)
            assert pid_alive(pids[0])  # the broker

            up.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
            rest, _ = up.communicate(timeout=UP_TIMEOUT_S)
        finally:
            if up.poll() is None:
                # SIGTERM first: `molt up` then stops what it started, which a SIGKILL
                # would leave running under the rest of the suite.
                up.terminate()
                try:
                    up.wait(timeout=UP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    up.kill()
                    up.wait()
    assert up.returncode == 0, rest
    assert "stopped." in rest
    assert [pid for pid in pids if pid_alive(pid)] == []
