"""A topic's bytes are its partitions' log segments, index files and other directories left out."""

from __future__ import annotations

from pathlib import Path

from molt.bench.logsize import topic_bytes


def test_topic_bytes_sum_each_topics_segments(tmp_path: Path) -> None:
    for directory, files in {
        "session.frames-0": {"00.log": 100, "00.index": 1000},
        "session.frames-1": {"00.log": 50, "07.log": 25},
        "molt-session_state-changelog-3": {"00.log": 7},
        "meta.properties-dir": {"00.log": 9},  # no partition number: not a topic's
    }.items():
        (tmp_path / directory).mkdir()
        for name, size in files.items():
            (tmp_path / directory / name).write_bytes(b"x" * size)
    assert topic_bytes(tmp_path) == {"session.frames": 175, "molt-session_state-changelog": 7}
