"""Every failure of a ``molt`` command is one line on stderr and a documented exit code;
a bug keeps its traceback. The commands run as real processes; none needs a broker."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from infra.localkafka import free_port
from molt import cli
from molt.commands import topics
from molt.errors import MEANINGS, ExitCode, as_cli_error
from molt.processes import molt_argv


def subprocess_molt(tmp_path: Path, *args: str, **settings: str) -> tuple[int, str]:
    """``molt args`` as its own process, with only ``settings`` of the MOLT_* environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLT_")}
    # Development, so that an edge gets as far as its ports and Kafka (production refuses
    # to start without token keys first: tests/molt/test_edge.py).
    env |= {"MOLT_EDGE_PORT": str(free_port()), "MOLT_EDGE_ENV": "development", **settings}
    done = subprocess.run(molt_argv(*args), env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return done.returncode, done.stderr


@pytest.fixture
def in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str]]:
    """``molt.cli.main(args)`` here, with only ``settings`` of the MOLT_* environment: (exit code, stderr)."""
    for name in [k for k in os.environ if k.startswith("MOLT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MOLT_KAFKA_DATA_DIR", str(tmp_path / "kafka" / "data"))
    monkeypatch.setenv("MOLT_KAFKA_LOG_DIR", str(tmp_path / "kafka" / "logs"))

    def run(*args: str, **settings: str) -> tuple[int, str]:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        code = cli.main(list(args))
        return code, capsys.readouterr().err

    return run


def one_line(done: tuple[int, str], program: str, code: ExitCode) -> str:
    """The failure's single stderr line, after ``PROGRAM: error NAME: `` (PROGRAM: ``molt CMD``)."""
    returncode, stderr = done
    assert returncode == code, stderr
    assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr
    [line] = stderr.splitlines()
    prefix = f"{program}: error {code.name}: "
    assert line.startswith(prefix), line
    return line.removeprefix(prefix)


# Own processes: what a process prints as it exits (unclosed clients) counts too.
@pytest.mark.parametrize("args", [("topics",), ("replay", "--all"), ("edge",)])
def test_an_unreachable_broker_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    done = subprocess_molt(tmp_path, *args, MOLT_KAFKA_BOOTSTRAP=bootstrap)
    assert bootstrap in one_line(done, f"molt {args[0]}", ExitCode.KAFKA_UNAVAILABLE)


def test_a_port_in_use_is_one_line_naming_its_setting(
    in_process: Callable[..., tuple[int, str]], listener: int
) -> None:
    done = in_process("edge", MOLT_EDGE_PORT=str(listener), MOLT_EDGE_ENV="development")
    assert "(set MOLT_EDGE_PORT)" in one_line(done, "molt edge", ExitCode.PORT_IN_USE)


def test_a_kafka_port_in_use_is_one_line_and_nothing_is_started(
    tmp_path: Path, in_process: Callable[..., tuple[int, str]], listener: int
) -> None:
    done = in_process("kafka", "start", MOLT_KAFKA_PORT=str(listener), MOLT_KAFKA_CONTROLLER_PORT=str(free_port()))
    assert f"127.0.0.1:{listener}" in one_line(done, "molt kafka", ExitCode.PORT_IN_USE)
    assert not (tmp_path / "kafka").exists()


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MOLT_KAFKA_PORT": "ninety"}, "MOLT_KAFKA_PORT: Input should be a valid integer"),
        ({"MOLT_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "MOLT_KAFKA_USERNAME is required"),
        # Read while the parser is built (a benchmark's default): before any command runs.
        ({"MOLT_TOPICS_PARTITIONS": "0"}, "MOLT_TOPICS_PARTITIONS: Input should be greater than or equal to 1"),
    ],
)
def test_bad_settings_are_one_line_naming_the_setting(
    in_process: Callable[..., tuple[int, str]], settings: dict[str, str], named: str
) -> None:
    program = "molt topics" if "MOLT_TOPICS_PARTITIONS" not in settings else "molt"
    done = in_process("topics", **settings)
    assert named in one_line(done, program, ExitCode.BAD_SETTINGS)


def test_help_lists_every_exit_code() -> None:
    help_text = cli.build_parser().format_help()
    for code, meaning in MEANINGS.items():
        assert f"{code:<4} {meaning}" in help_text
    assert set(MEANINGS) == set(ExitCode)


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(topics, "run", broken)
    with pytest.raises(ZeroDivisionError):
        cli.main(["topics"])


def test_only_a_settings_class_error_counts_as_bad_settings() -> None:
    class NotSettings(BaseModel):
        port: int

    with pytest.raises(ValidationError) as raised:
        NotSettings(port="ninety")  # type: ignore[arg-type]
    assert as_cli_error(raised.value) is None
