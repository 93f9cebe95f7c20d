"""KafkaSettings' security: what it refuses, in one line naming the setting, and that the
password shows nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.settings import KafkaSettings

SECRET = "correct-horse-battery-staple"


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(f"{SECRET}\n")
    return path


def refusal(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        KafkaSettings()
    [error] = refused.value.errors()
    assert SECRET not in str(refused.value)
    return error["msg"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MOLT_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "MOLT_KAFKA_PASSWORD": SECRET},
            "MOLT_KAFKA_USERNAME is required with MOLT_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
        ),
        (
            {"MOLT_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "MOLT_KAFKA_USERNAME": "molt"},
            "set one of MOLT_KAFKA_PASSWORD and MOLT_KAFKA_PASSWORD_FILE",
        ),
        (
            {"MOLT_KAFKA_USERNAME": "molt", "MOLT_KAFKA_PASSWORD": SECRET},
            "MOLT_KAFKA_USERNAME is set but MOLT_KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use it",
        ),
        (
            {"MOLT_KAFKA_SECURITY_PROTOCOL": "SSL", "MOLT_KAFKA_PASSWORD": SECRET},
            "MOLT_KAFKA_PASSWORD is set but MOLT_KAFKA_SECURITY_PROTOCOL=SSL does not use it",
        ),
        (
            {"MOLT_KAFKA_SECURITY_PROTOCOL": "SSL", "MOLT_KAFKA_CERT_FILE": "/etc/hostname"},
            "MOLT_KAFKA_CERT_FILE and MOLT_KAFKA_KEY_FILE go together",
        ),
        (
            {"MOLT_KAFKA_SECURITY_PROTOCOL": "SSL", "MOLT_KAFKA_CA_FILE": "/nonexistent/ca.pem"},
            "MOLT_KAFKA_CA_FILE: /nonexistent/ca.pem is not a file",
        ),
    ],
)
def test_a_combination_that_cannot_log_in_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    msg = refusal(monkeypatch, env)
    assert message in msg and "\n" not in msg


def test_both_a_password_and_a_password_file_are_refused(monkeypatch: pytest.MonkeyPatch, password_file: Path) -> None:
    env = {
        "MOLT_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "MOLT_KAFKA_USERNAME": "molt",
        "MOLT_KAFKA_PASSWORD": SECRET,
        "MOLT_KAFKA_PASSWORD_FILE": str(password_file),
    }
    assert "set one of MOLT_KAFKA_PASSWORD and MOLT_KAFKA_PASSWORD_FILE" in refusal(monkeypatch, env)


def test_the_password_is_hidden_from_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOLT_KAFKA_PASSWORD", SECRET)
    settings = KafkaSettings(security_protocol="SASL_SSL", username="molt")
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert settings.sasl_password() == SECRET


def test_a_password_file_is_read_each_time_without_its_line_end(password_file: Path) -> None:
    settings = KafkaSettings(security_protocol="SASL_SSL", username="molt", password_file=password_file)
    assert settings.sasl_password() == SECRET
    password_file.write_text("rotated\n")
    assert settings.sasl_password() == "rotated"


def test_plaintext_stays_the_default() -> None:
    assert KafkaSettings().security_protocol == "PLAINTEXT"
