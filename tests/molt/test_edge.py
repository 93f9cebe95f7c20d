"""``molt edge`` refuses settings it cannot run with: one line, a documented status, no Kafka."""

from __future__ import annotations

import os
import subprocess

from infra.localkafka import free_port
from molt.errors import ExitCode
from molt.processes import molt_argv


def run_edge(**settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLT_EDGE_")}
    # Nothing listens there: a refusal must come before any attempt to reach Kafka.
    env.update(MOLT_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}", **settings)
    return subprocess.run(molt_argv("edge"), env=env, capture_output=True, text=True, timeout=60)


def test_by_default_the_edge_is_production_and_refuses_to_start_without_keys() -> None:
    done = run_edge()
    assert done.returncode == ExitCode.BAD_SETTINGS == 6
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "molt edge: error BAD_SETTINGS: MOLT_EDGE_TOKEN_KEYS must be set when MOLT_EDGE_ENV='production' "
        "(the built-in key is for development only)"
    ]


def test_a_malformed_key_is_refused_naming_the_setting_without_echoing_it() -> None:
    done = run_edge(MOLT_EDGE_TOKEN_KEYS="k1:tooshort")
    assert done.returncode == ExitCode.BAD_SETTINGS
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "molt edge: error BAD_SETTINGS: MOLT_EDGE_TOKEN_KEYS: token key 'k1' is shorter than 32 bytes"
    )
    assert "tooshort" not in line
