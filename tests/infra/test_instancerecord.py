"""An instance record reads back as written; anything else in its file reads as no record."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.instancerecord import InstanceRecord


def test_a_record_reads_back_and_names_its_instance(tmp_path: Path) -> None:
    record = InstanceRecord(4242, {"kafka": "127.0.0.1:19092", "controller": "127.0.0.1:19093"})
    path = tmp_path / "kafka.pid"
    path.write_text(record.dumps())
    assert InstanceRecord.read(path) == record
    described = record.describe()
    assert described.startswith("pid 4242 since ")
    assert "kafka 127.0.0.1:19092, controller 127.0.0.1:19093" in described


@pytest.mark.parametrize("text", ["", "4242\n", '{"pid": 1}', '{"pid": "x", "addresses": {}, "started_at": 0}', "{"])
def test_a_file_that_is_not_a_whole_record_reads_as_none(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kafka.pid"
    path.write_text(text)
    assert InstanceRecord.read(path) is None


def test_a_missing_file_reads_as_none(tmp_path: Path) -> None:
    assert InstanceRecord.read(tmp_path / "absent.pid") is None
