"""Frames framed once and written straight to transports, and when the fan-out may do so."""

from __future__ import annotations

import asyncio

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from app.ws import messages as m
from app.ws import wire as wire_module
from app.ws.outbox import SLOW, Outbox
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


class ClosingTransport(FakeTransport):
    def __init__(self) -> None:
        super().__init__()
        self.aborted = asyncio.Event()

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.aborted.set()


class OpenProtocol:
    """uvicorn's protocol as the wire sees it, around a real websockets connection, open."""

    def __init__(self) -> None:
        self.handshake_complete = True
        self.close_sent = False
        self.conn = ServerProtocol()
        self.conn.state = State.OPEN
        self.transport = ClosingTransport()
        self.loop = asyncio.get_running_loop()


async def test_a_cut_off_socket_gets_its_last_message_and_close_past_the_buffer_then_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(wire_module, "CUT_OFF_ABORT_S", 0.01)
    protocol = OpenProtocol()
    wire = FrameWire(protocol)  # type: ignore[arg-type]
    protocol.transport.buffered = WRITE_BUFFER_LIMIT + 1  # the client reads nothing
    assert wire.backlog() == WRITE_BUFFER_LIMIT + 1
    wire.cut_off("last words", 1013, "slow consumer")
    written = b"".join(protocol.transport.written)
    last = parse(written)
    close = parse(written[len(text_frame(b"last words")) :])
    assert (last.opcode, last.data) == (Opcode.TEXT, b"last words")
    assert (close.opcode, close.data[:2]) == (Opcode.CLOSE, (1013).to_bytes(2, "big"))
    assert protocol.close_sent and protocol.transport.closing
    await asyncio.wait_for(protocol.transport.aborted.wait(), 5)  # dropped, though never read
    wire.cut_off("again", 1013, "slow consumer")  # once only
    assert b"".join(protocol.transport.written) == written


class FakeWire:
    def __init__(self, accepts: bool = True, follows_streams: bool = False) -> None:
        self.accepts = accepts
        self.follows_streams = follows_streams
        self.written: list[bytes] = []
        self.buffered = 0
        self.cut_offs: list[tuple[str, int]] = []

    def write(self, frame: bytes) -> bool:
        if self.accepts:
            self.written.append(frame)
        return self.accepts

    def backlog(self) -> int:
        return self.buffered

    def cut_off(self, last: str, code: int, reason: str) -> None:
        self.cut_offs.append((last, code))


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


async def test_a_socket_past_its_backlog_bound_is_cut_off_once_and_sends_nothing_more() -> None:
    wire, cut = FakeWire(), []
    outbox = Outbox(close_on_end=True, wire=wire, max_backlog=100, on_cut_off=lambda: cut.append(1))  # type: ignore[arg-type]
    wire.buffered = 100  # at the bound: still served
    assert outbox.push_frame("f1", b"F1")
    outbox.push("count")
    wire.buffered = 101
    assert not outbox.push_frame("f2", b"F2")
    outbox.push("later")
    assert not outbox.push_frame("f3", b"F3")
    assert wire.cut_offs == [(SLOW.encode(), m.Close.TRY_AGAIN)] and cut == [1]
    assert outbox.close_code == m.Close.TRY_AGAIN
    assert await sent(outbox, 1) == [None]  # what was queued is dropped: the sender just stops
    assert wire.written == [b"F1"]


async def test_without_a_backlog_bound_a_socket_is_never_cut_off() -> None:
    wire = FakeWire(accepts=False)
    outbox = Outbox(close_on_end=False, wire=wire)  # type: ignore[arg-type]
    wire.buffered = 10 * WRITE_BUFFER_LIMIT
    assert not outbox.push_frame("f1", b"F1")
    assert wire.cut_offs == [] and outbox.close_code is None
    assert await sent(outbox, 1) == ["f1"]
