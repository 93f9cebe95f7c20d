"""Frames framed once and written straight to transports, and when the fan-out may do so."""

from __future__ import annotations

import asyncio

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.streams import StreamReader

from app.ws.outbox import Outbox
from app.ws.wire import WRITE_BUFFER_LIMIT, FrameWire, text_frame


def parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("the frame was incomplete")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65_535, 65_536, 200_000])
def test_a_text_frame_parses_back_to_its_payload_at_every_length_encoding(size: int) -> None:
    payload = b"x" * size
    frame = parse(text_frame(payload))
    assert (frame.fin, frame.opcode, frame.rsv1, frame.data) == (True, Opcode.TEXT, False, payload)


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.buffered = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return self.closing


class FakeConnection:
    def __init__(self) -> None:
        self.state = State.OPEN


class FakeProtocol:
    def __init__(self) -> None:
        self.handshake_complete = True
        self.close_sent = False
        self.conn = FakeConnection()
        self.transport = FakeTransport()


def test_the_wire_writes_only_to_an_open_socket_that_keeps_up() -> None:
    protocol = FakeProtocol()
    wire = FrameWire(protocol)  # type: ignore[arg-type]
    assert wire.write(b"a")
    protocol.transport.buffered = WRITE_BUFFER_LIMIT + 1
    assert not wire.write(b"b")
    protocol.transport.buffered = 0
    protocol.conn.state = State.CLOSING
    assert not wire.write(b"c")
    protocol.conn.state = State.OPEN
    protocol.close_sent = True
    assert not wire.write(b"d")
    protocol.close_sent = False
    protocol.transport.closing = True
    assert not wire.write(b"e")
    protocol.transport.closing = False
    protocol.handshake_complete = False
    assert not wire.write(b"f")
    assert protocol.transport.written == [b"a"]


class FakeWire:
    def __init__(self, accepts: bool = True) -> None:
        self.accepts = accepts
        self.written: list[bytes] = []

    def write(self, frame: bytes) -> bool:
        if self.accepts:
            self.written.append(frame)
        return self.accepts


async def sent(outbox: Outbox, count: int) -> list[str | None]:
    return [await asyncio.wait_for(outbox.next(), 1) for _ in range(count)]


async def test_a_frame_goes_on_the_wire_only_when_nothing_is_ahead_of_it() -> None:
    wire = FakeWire()
    outbox = Outbox(close_on_end=True, wire=wire)  # type: ignore[arg-type]
    assert outbox.push_frame("f1", b"F1")
    # A control message is queued: the next frame must not overtake it.
    outbox.push("count")
    assert not outbox.push_frame("f2", b"F2")
    assert await sent(outbox, 2) == ["count", "f2"]
    # Nothing queued, but the sender is inside a send: the frame waits its turn too.
    outbox.sending = True
    assert not outbox.push_frame("f3", b"F3")
    outbox.sending = False
    assert await sent(outbox, 1) == ["f3"]
    assert outbox.push_frame("f4", b"F4")
    outbox.close(1000)
    assert not outbox.push_frame("f5", b"F5")
    assert wire.written == [b"F1", b"F4"]


async def test_a_socket_the_wire_refuses_keeps_only_its_newest_frames() -> None:
    wire = FakeWire(accepts=False)
    outbox = Outbox(close_on_end=True, frame_capacity=2, wire=wire)  # type: ignore[arg-type]
    for n in range(5):
        assert not outbox.push_frame(f"f{n}", f"F{n}".encode())
    assert outbox.dropped_frames == 3
    assert await sent(outbox, 2) == ["f3", "f4"]


async def test_without_a_wire_every_frame_is_queued() -> None:
    outbox = Outbox(close_on_end=True)
    assert not outbox.push_frame("f1", b"F1")
    assert await sent(outbox, 1) == ["f1"]
