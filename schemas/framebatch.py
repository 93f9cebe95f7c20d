"""FrameBatch values written by hand: the worker's hottest encode, without a schema walk.

The worker encodes one FrameBatch per partition per tick, every live session's frame
in it: 30,000 frames a second with a thousand sessions. ``Codec.encode`` walks the
schema for every field of every frame; this writes the same bytes directly (a test
holds the two byte for byte), with each session's unchanging head (its id and engine
version) kept encoded. Decoding stays the codec's.

Avro binary, as the spec has it: ``int`` and ``long`` are zigzag varints, a string is
its UTF-8 length as a long then the bytes, an array is one block (its count, the
items) closed by a zero count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.codec import Codec, CodecError

try:  # the same writer, and a reader, compiled when the project is installed (see _framebatch.pyx)
    from schemas import _framebatch as compiled
except ImportError:  # a source tree without the build: the writer below, the codec's reader
    compiled = None  # type: ignore[assignment]

# Varints of every value a frame's counters and lengths usually take, made once.
_TABLE_SIZE = 1 << 14
# Heads of sessions seen lately; cleared whole when full (a dict, not an LRU: cheap).
_HEADS_MAX = 20_000


def _varint(n: int) -> bytes:
    if not -(1 << 63) <= n < 1 << 63:
        raise OverflowError(f"{n} does not fit an Avro long")
    n = (n << 1) ^ (n >> 63)  # zigzag: small magnitudes, either sign, take few bytes
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_VARINTS = [_varint(n) for n in range(_TABLE_SIZE)]


def encode_long(n: int) -> bytes:
    return _VARINTS[n] if 0 <= n < _TABLE_SIZE else _varint(n)


def encode_string(text: str) -> bytes:
    data = text.encode()
    return encode_long(len(data)) + data


class FrameBatchWriter:
    """Encodes FrameBatch values (with the header the codec writes: standard or single-object).

    Uses the compiled writer when there is one, unless ``use_compiled`` is False.
    """

    def __init__(self, codec: Codec, *, use_compiled: bool = True) -> None:
        self._header = codec.header("FrameBatch")
        self._heads: dict[tuple[str, int], bytes] = {}
        self.compiled = use_compiled and compiled is not None

    def encode(self, partition: int, tick_no: int, scheduled_us: int, frames: Sequence[dict[str, Any]]) -> bytes:
        if self.compiled:
            frames = frames if isinstance(frames, list) else list(frames)
            return compiled.encode(self._header, partition, tick_no, scheduled_us, frames)
        parts = [self._header, encode_long(partition), encode_long(tick_no), encode_long(scheduled_us)]
        if frames:
            parts.append(encode_long(len(frames)))  # one block holds every frame
        for frame in frames:
            parts += (
                self._head(frame["sessionId"], frame["engineVersion"]),
                encode_long(frame["seq"]),
                encode_long(frame["lastInputSeq"]),
                encode_string(frame["stateHash"]),
                encode_string(frame["frameJson"]),
            )
        parts.append(b"\x00")
        return b"".join(parts)

    def _head(self, session_id: str, engine_version: int) -> bytes:
        key = (session_id, engine_version)
        head = self._heads.get(key)
        if head is None:
            if len(self._heads) >= _HEADS_MAX:
                self._heads.clear()
            head = self._heads[key] = encode_string(session_id) + encode_long(engine_version)
        return head


def decode_batch(codec: Codec, data: bytes) -> dict[str, Any]:
    """A FrameBatch value read: by the compiled reader when it carries the current schema's
    header in either framing (the standard one, or the single-object one of values written
    before it), by the codec otherwise (an earlier version, or without the build)."""
    if compiled is not None:
        header = codec.header("FrameBatch")
        if data[:1] != header[:1]:  # the other framing's first byte
            header = codec.single_object_header("FrameBatch")
        try:
            batch = compiled.decode(header, data)
        except ValueError as exc:
            raise CodecError(f"cannot decode FrameBatch: {exc}") from exc
        if batch is not None:
            return batch
    return codec.decode("FrameBatch", data)
