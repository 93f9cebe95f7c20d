"""The hand-written FrameBatch encoders, compiled and in Python, write exactly the codec's
bytes, and the compiled reader reads exactly what the codec reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import framebatch
from schemas.codec import Codec, CodecError, SchemaMismatch
from schemas.framebatch import FrameBatchWriter, decode_batch

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


def test_the_writer_and_the_reader_are_compiled() -> None:
    # Without the build the Python writer and the codec serve: correct, but a tenth of the
    # worker's loop and most of a reader's time per frame.
    assert framebatch.compiled is not None
    assert FrameBatchWriter(CODEC).compiled
    assert not FrameBatchWriter(CODEC, use_compiled=False).compiled


@pytest.mark.parametrize("compiled", [True, False])
@given(partition=INTS, tick_no=LONGS, scheduled_us=LONGS, frames=st.lists(FRAMES, max_size=20))
def test_the_same_bytes_as_the_codec(
    compiled: bool, partition: int, tick_no: int, scheduled_us: int, frames: list[dict]
) -> None:
    writer = FrameBatchWriter(CODEC, use_compiled=compiled)
    batch = {"partition": partition, "tickNo": tick_no, "scheduledAtUs": scheduled_us, "frames": frames}
    encoded = writer.encode(partition, tick_no, scheduled_us, frames)
    assert encoded == CODEC.encode("FrameBatch", batch)
    # Twice: the second time every session's head comes from the writer's memory.
    assert writer.encode(partition, tick_no, scheduled_us, frames) == encoded
    assert CODEC.decode("FrameBatch", encoded) == batch
    assert decode_batch(CODEC, encoded) == batch


@pytest.mark.parametrize("compiled", [True, False])
def test_a_session_id_used_again_with_another_engine_version_gets_its_own_head(compiled: bool) -> None:
    writer = FrameBatchWriter(CODEC, use_compiled=compiled)
    frame = {
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 70_000,
        "lastInputSeq": 0,
        "stateHash": "",
        "frameJson": "{}",
    }
    writer.encode(0, 1, 2, [frame])
    newer = frame | {"engineVersion": 2}
    assert CODEC.decode("FrameBatch", writer.encode(0, 1, 2, [newer]))["frames"] == [newer]


def test_a_full_memory_of_heads_starts_over_and_still_writes_the_codec_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framebatch, "_HEADS_MAX", 2)
    writer = FrameBatchWriter(CODEC, use_compiled=False)
    frames = [
        {"sessionId": f"ses_{n}", "engineVersion": 1, "seq": n, "lastInputSeq": 0, "stateHash": "", "frameJson": "{}"}
        for n in range(5)
    ]
    for _ in range(2):
        encoded = writer.encode(0, 1, 2, frames)
        assert encoded == CODEC.encode(
            "FrameBatch", {"partition": 0, "tickNo": 1, "scheduledAtUs": 2, "frames": frames}
        )
        assert len(writer._heads) <= 2


FRAME = {"sessionId": "ses_1", "engineVersion": 1, "seq": 1, "lastInputSeq": 0, "stateHash": "", "frameJson": "{}"}


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"seq": 2**64}, OverflowError),
        ({"stateHash": None}, (TypeError, AttributeError)),
        ({"frameJson": "\ud800"}, UnicodeEncodeError),
    ],
)
def test_a_frame_the_schema_cannot_hold_is_refused(compiled: bool, change: dict, error: type | tuple) -> None:
    with pytest.raises(error):
        FrameBatchWriter(CODEC, use_compiled=compiled).encode(0, 1, 2, [FRAME | change])


def test_a_frame_without_a_field_is_refused() -> None:
    frame = {key: value for key, value in FRAME.items() if key != "frameJson"}
    with pytest.raises(KeyError, match="frameJson"):
        FrameBatchWriter(CODEC).encode(0, 1, 2, [frame])


def _blocks(*blocks: list[dict], sized: bool) -> bytes:
    """A FrameBatch written as other Avro writers may: several blocks, negative counts with sizes."""
    parts = [
        CODEC.header("FrameBatch"),
        framebatch.encode_long(4),
        framebatch.encode_long(9),
        framebatch.encode_long(7),
    ]
    for frames in blocks:
        body = FrameBatchWriter(CODEC, use_compiled=False).encode(0, 0, 0, frames)[
            len(CODEC.header("FrameBatch")) + 4 : -1
        ]
        if sized:
            parts += [framebatch.encode_long(-len(frames)), framebatch.encode_long(len(body)), body]
        else:
            parts += [framebatch.encode_long(len(frames)), body]
    return b"".join(parts) + b"\x00"


@pytest.mark.parametrize("sized", [False, True])
def test_the_reader_reads_blocks_as_the_codec_does(sized: bool) -> None:
    frames = [FRAME | {"sessionId": f"ses_{n}", "seq": n * 1000} for n in range(5)]
    data = _blocks(frames[:2], frames[2:], sized=sized)
    assert CODEC.decode("FrameBatch", data)["frames"] == frames
    assert decode_batch(CODEC, data) == CODEC.decode("FrameBatch", data)


def test_a_truncated_or_corrupt_value_is_a_codec_error() -> None:
    data = FrameBatchWriter(CODEC).encode(1, 2, 3, [FRAME, FRAME | {"frameJson": "é" * 50}])
    for cut in range(len(CODEC.header("FrameBatch")), len(data)):
        with pytest.raises(CodecError):
            decode_batch(CODEC, data[:cut])
    header = len(CODEC.header("FrameBatch"))
    with pytest.raises(CodecError):  # a number that never ends
        decode_batch(CODEC, data[:header] + b"\xff" * 11)
    with pytest.raises(CodecError):  # a string that is not UTF-8
        decode_batch(CODEC, data.replace("é".encode(), b"\xff\xfe", 1))


def test_a_value_of_another_schema_goes_to_the_codec() -> None:
    with pytest.raises(SchemaMismatch):
        decode_batch(
            CODEC,
            CODEC.encode(
                "PartitionCheckpoint",
                {
                    "partition": 0,
                    "engineVersion": 0,
                    "seq": 1,
                    "offset": 2,
                    "activeSessions": [],
                },
            ),
        )
