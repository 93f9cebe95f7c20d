"""WorkerSettings' failover timing: any session timeout (the brokers set the floor), but
never one a single late heartbeat would lose."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.settings import WorkerSettings


def test_a_session_timeout_under_kafkas_default_floor_is_the_brokers_to_refuse() -> None:
    assert WorkerSettings(session_timeout_s=1.5, heartbeat_s=0.5).session_timeout_s == 1.5


def test_heartbeats_slower_than_a_third_of_the_session_timeout_are_refused() -> None:
    with pytest.raises(ValidationError, match="MOLT_WORKER_HEARTBEAT_S"):
        WorkerSettings(session_timeout_s=1.5, heartbeat_s=1.0)
