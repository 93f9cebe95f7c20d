"""The hand-written FrameBatch encoder writes exactly the codec's bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import framebatch
from schemas.codec import Codec
from schemas.framebatch import FrameBatchWriter

CODEC = Codec()
LONGS = st.integers(-(2**63), 2**63 - 1)
INTS = st.integers(-(2**31), 2**31 - 1)
FRAMES = st.fixed_dictionaries(
    {
        "sessionId": st.text(max_size=40),
        "engineVersion": INTS,
        "seq": LONGS,
        "lastInputSeq": LONGS,
        "stateHash": st.text(max_size=40),
        "frameJson": st.text(max_size=3000),
    }
)


@given(INTS, LONGS, LONGS, st.lists(FRAMES, max_size=20))
def test_the_same_bytes_as_the_codec(partition: int, tick_no: int, scheduled_us: int, frames: list[dict]) -> None:
    writer = FrameBatchWriter(CODEC)
    batch = {"partition": partition, "tickNo": tick_no, "scheduledAtUs": scheduled_us, "frames": frames}
    encoded = writer.encode(partition, tick_no, scheduled_us, frames)
    assert encoded == CODEC.encode("FrameBatch", batch)
    # Twice: the second time every session's head comes from the writer's memory.
    assert writer.encode(partition, tick_no, scheduled_us, frames) == encoded
    assert CODEC.decode("FrameBatch", encoded) == batch


def test_a_session_id_used_again_with_another_engine_version_gets_its_own_head() -> None:
    writer = FrameBatchWriter(CODEC)
    frame = {"sessionId": "ses_1", "engineVersion": 1, "seq": 70_000, "lastInputSeq": 0, "stateHash": "", "frameJson": "{}"}
    writer.encode(0, 1, 2, [frame])
    newer = frame | {"engineVersion": 2}
    assert CODEC.decode("FrameBatch", writer.encode(0, 1, 2, [newer]))["frames"] == [newer]


def test_a_full_memory_of_heads_starts_over_and_still_writes_the_codec_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framebatch, "_HEADS_MAX", 2)
    writer = FrameBatchWriter(CODEC)
    frames = [
        {"sessionId": f"ses_{n}", "engineVersion": 1, "seq": n, "lastInputSeq": 0, "stateHash": "", "frameJson": "{}"}
        for n in range(5)
    ]
    for _ in range(2):
        encoded = writer.encode(0, 1, 2, frames)
        assert encoded == CODEC.encode("FrameBatch", {"partition": 0, "tickNo": 1, "scheduledAtUs": 2, "frames": frames})
        assert len(writer._heads) <= 2
