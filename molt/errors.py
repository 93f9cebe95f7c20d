"""How a ``molt`` command fails: one error type, one exit code per kind of failure.

A ``CliError`` is a failure the user can act on. ``molt.cli.main`` prints it as one line
on stderr (``molt CMD: error NAME: message``) and exits with its code; ``as_cli_error``
recognises the failures of the layers below (Kafka unreachable, a port in use, settings
refused, the local broker failing). Anything else is a bug and keeps its traceback.
The codes are the same for every command and listed in ``molt --help`` (``EPILOG``).
"""

from __future__ import annotations

from enum import IntEnum

from aiokafka.errors import KafkaError
from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings

from app.tokens import TokenConfigError
from infra import settings
from infra.localkafka import LocalKafkaError, PortInUseError
from infra.localregistry import LocalRegistryError
from infra.registryclient import RegistryUnavailable, SchemaRefused
from infra.topicadmin import TopicLayoutError
from schemas.codec import UnknownSchemaId


class ExitCode(IntEnum):
    FAILED = 1
    USAGE = 2
    KAFKA_UNAVAILABLE = 3
    ALREADY_RUNNING = 4
    PORT_IN_USE = 5
    BAD_SETTINGS = 6
    SCHEMA_REGISTRY_UNAVAILABLE = 7
    INTERRUPTED = 130


MEANINGS = {
    ExitCode.FAILED: "the command's own failure (a replay mismatch, a child that died, the broker not starting)",
    ExitCode.USAGE: "bad arguments or input (e.g. SESSION_NOT_FOUND)",
    ExitCode.KAFKA_UNAVAILABLE: "Kafka cannot be reached or refused a request",
    ExitCode.ALREADY_RUNNING: "an instance already runs (named in the message); nothing was started",
    ExitCode.PORT_IN_USE: "a port the command needs is taken by another process",
    ExitCode.BAD_SETTINGS: "a setting (MOLT_*) is refused; the message names it",
    ExitCode.SCHEMA_REGISTRY_UNAVAILABLE: "the schema registry cannot be reached (the message names it)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); what the command started was stopped",
}
EPILOG = "exit codes (every command):\n  0    success\n" + "\n".join(
    f"  {code:<4} {meaning}" for code, meaning in MEANINGS.items()
)


class CliError(Exception):
    """A failure the user can act on: one line and an exit code; ``name`` a stable code."""

    def __init__(self, exit_code: ExitCode, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.name = name or exit_code.name


def as_cli_error(error: BaseException) -> CliError | None:
    """The one-line form of a known failure, or None for a bug."""
    match error:
        case CliError():
            return error
        case KeyboardInterrupt():
            return CliError(ExitCode.INTERRUPTED, "interrupted")
        case PortInUseError():
            return CliError(ExitCode.PORT_IN_USE, error.summary)
        case RegistryUnavailable():
            return CliError(ExitCode.SCHEMA_REGISTRY_UNAVAILABLE, str(error))
        case SchemaRefused():
            return CliError(ExitCode.FAILED, str(error), "SCHEMA_REFUSED")
        case UnknownSchemaId():
            return CliError(ExitCode.FAILED, str(error), "SCHEMA_UNKNOWN")
        case LocalRegistryError():
            return CliError(ExitCode.FAILED, error.summary, "SCHEMA_REGISTRY_FAILED")
        case LocalKafkaError():
            return CliError(ExitCode.FAILED, error.summary, "KAFKA_FAILED")
        case KafkaError():
            # aiokafka's message names the error class and, for a failed bootstrap, the address.
            return CliError(ExitCode.KAFKA_UNAVAILABLE, str(error))
        case ValidationError() if _settings_class(error.title) is not None:
            return CliError(ExitCode.BAD_SETTINGS, _settings_problems(error))
        case TokenConfigError() | TopicLayoutError():
            return CliError(ExitCode.BAD_SETTINGS, str(error))
    return None


def _settings_class(name: str) -> type[BaseModel] | None:
    """The settings class of ``infra.settings`` called ``name``; any other model's error is a bug."""
    found = getattr(settings, name, None)
    return found if isinstance(found, type) and issubclass(found, BaseSettings) else None


def _settings_problems(error: ValidationError) -> str:
    """Every problem on one line, each naming its environment variable."""
    model = _settings_class(error.title)
    prefix = str(model.model_config.get("env_prefix", "")) if model else ""
    problems = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        field = "_".join(str(part) for part in problem["loc"]).upper()
        problems.append(f"{prefix}{field}: {message}" if field else message)
    return "; ".join(problems)
