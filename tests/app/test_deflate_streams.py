"""Frames deflated once per session: every socket following the stream inflates each
frame to its exact text with an inflater nobody here wrote (``websockets``'), joining
only where an epoch starts; a socket that misses a frame goes plain until the next. A
session none of whose sockets can take the stream compresses nothing."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from websockets.exceptions import ProtocolError
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

from app.tickindex import TickIndex
from app.ws import messages as m
from app.ws.deflate import WINDOW_BITS, DeflatedFrame, SessionDeflate
from app.ws.fanout import Fanout
from app.ws.outbox import Outbox
from app.ws.wire import text_frame
from schemas.views import SpectatorCount
from streams.sim.registry import engine_for
from tests.app.test_fanout import CODEC, batch
from tests.app.test_wire import FakeWire

_FIN_RSV1_TEXT = 0xC1


def frames_of_a_run(count: int) -> list[bytes]:
    """The frame messages of a Flappy Bots run that flaps every 12 ticks (it lives long)."""
    engine = engine_for("flappy-bots")
    state, texts = engine.initial_state(7), []
    for tick in range(count):
        state = engine.advance(state, ("flap",) if tick % 12 == 0 else ()).state
        texts.append(b'{"t":"frame","tick":%d,"lastInputSeq":0,"state":%s}' % (tick, engine.frame_json(state).encode()))
    return texts


def client_inflater() -> PerMessageDeflate:
    """A client's side of permessage-deflate as the edge negotiates it (context kept)."""
    return PerMessageDeflate(False, False, WINDOW_BITS, WINDOW_BITS)


def inflate(inflater: PerMessageDeflate, framed: bytes) -> bytes:
    assert framed[0] == _FIN_RSV1_TEXT, "a final text frame marked compressed"
    size, at = framed[1], 2
    if size == 126:
        size, at = int.from_bytes(framed[2:4], "big"), 4
    assert len(framed) == at + size
    return bytes(inflater.decode(Frame(Opcode.TEXT, framed[at:], rsv1=True)).data)


def feed(fanout: Fanout, texts: list[bytes], tick: int) -> None:
    """Frame ``tick`` of ``texts`` to the fan-out, as session ``ses_a``'s frame batch."""
    state = texts[tick].split(b',"state":', 1)[1][:-1].decode()
    fanout.on_frames(batch("ses_a", tick, 0, state))


def received(wire: FakeWire) -> list[tuple[bool, bytes]]:
    """What the client reads, each message with whether it came deflated (one inflater a socket)."""
    inflater = client_inflater()
    return [
        (True, inflate(inflater, framed)) if framed[0] == _FIN_RSV1_TEXT else (False, framed) for framed in wire.written
    ]


def expected(texts: list[bytes], deflated_ticks: set[int], ticks: Iterable[int]) -> list[tuple[bool, bytes]]:
    return [(True, texts[n]) if n in deflated_ticks else (False, text_frame(texts[n])) for n in ticks]


def compressions(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every text any session's stream compresses from now on, in order."""
    seen: list[bytes] = []
    compress = SessionDeflate.frame

    def frame(stream: SessionDeflate, text: bytes) -> DeflatedFrame:
        seen.append(text)
        return compress(stream, text)

    monkeypatch.setattr(SessionDeflate, "frame", frame)
    return seen


def test_an_inflater_that_joins_where_an_epoch_starts_reads_every_frame_after_exactly() -> None:
    texts = frames_of_a_run(300)
    stream = SessionDeflate(resync_frames=30)
    deflated = [stream.frame(text) for text in texts]
    starts = [i for i, frame in enumerate(deflated) if frame.starts_epoch]
    assert starts == list(range(0, 300, 30))
    assert len({frame.epoch for frame in deflated}) == 10
    for start in starts:
        inflater = client_inflater()
        assert [inflate(inflater, frame.framed) for frame in deflated[start:]] == texts[start:]
    plain = sum(len(text_frame(text)) for text in texts)
    assert sum(len(frame.framed) for frame in deflated) < plain / 5, "the stream shares what frames repeat"


def test_an_inflater_that_joins_inside_an_epoch_cannot_read_it() -> None:
    texts = frames_of_a_run(40)
    stream = SessionDeflate(resync_frames=40)
    deflated = [stream.frame(text) for text in texts]

    def read_from(start: int) -> list[bytes] | None:
        """What an inflater joining at ``start`` reads, or None if it refuses the stream."""
        inflater = client_inflater()
        try:
            return [inflate(inflater, frame.framed) for frame in deflated[start:]]
        except ProtocolError:  # websockets' word for zlib's "invalid distance too far back"
            return None

    assert read_from(0) == texts
    assert read_from(20) != texts[20:], "the frames refer back to frames it never had"


def test_sockets_follow_the_stream_from_an_epoch_start_until_they_miss_a_frame() -> None:
    texts = frames_of_a_run(9)
    fanout = Fanout(CODEC, TickIndex(), deflate_resync_frames=3)  # epochs start at ticks 0, 3, 6
    early, plain_only, late = (FakeWire(follows_streams=follows) for follows in (True, False, True))
    early_outbox = Outbox(close_on_end=True, wire=early)  # type: ignore[arg-type]
    fanout.join("ses_a", early_outbox)
    fanout.join("ses_a", Outbox(close_on_end=True, wire=plain_only))  # type: ignore[arg-type]

    def tick(n: int) -> None:
        feed(fanout, texts, n)

    tick(0)
    fanout.join("ses_a", Outbox(close_on_end=True, wire=late))  # type: ignore[arg-type]
    for n in (1, 2, 3):
        tick(n)
    early.accepts = False  # its buffer is full at tick 4: the frame is queued, plain
    tick(4)
    early.accepts = True
    assert early_outbox.drain() == [texts[4].decode()]  # as its sender would send it
    for n in range(5, 9):
        tick(n)

    assert received(plain_only) == expected(texts, set(), range(9))
    assert received(late) == expected(texts, {3, 4, 5, 6, 7, 8}, range(1, 9))  # on the stream from tick 3
    # tick 4 went through its sender; 5, mid-epoch, plain; back on the stream at 6
    assert received(early) == expected(texts, {0, 1, 2, 3, 6, 7, 8}, [0, 1, 2, 3, 5, 6, 7, 8])


def test_a_count_told_between_frames_goes_on_the_wire_and_keeps_the_socket_on_the_stream() -> None:
    texts = frames_of_a_run(4)
    fanout = Fanout(CODEC, TickIndex(), deflate_resync_frames=60)
    wire = FakeWire(follows_streams=True)
    outbox = Outbox(close_on_end=True, wire=wire)  # type: ignore[arg-type]
    fanout.join("ses_a", outbox)
    for n, text in enumerate(texts):
        fanout.on_frames(batch("ses_a", n, 0, text.split(b',"state":', 1)[1][:-1].decode()))
        if n == 1:
            fanout.on_spectators("ses_a", SpectatorCount("ses_a", 1, 0, 1, 5))
    count = text_frame(m.Spectators(1, 5).encode().encode())
    inflater = client_inflater()
    read = [framed if framed == count else inflate(inflater, framed) for framed in wire.written]
    assert read == [texts[0], texts[1], count, texts[2], texts[3]]
    assert outbox.drain() == []


def test_a_session_whose_sockets_all_go_plain_compresses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    compressed = compressions(monkeypatch)
    texts = frames_of_a_run(7)
    fanout = Fanout(CODEC, TickIndex(), deflate_resync_frames=3)
    wires = [FakeWire(follows_streams=False), FakeWire(follows_streams=False)]
    for wire in wires:
        fanout.join("ses_a", Outbox(close_on_end=True, wire=wire))  # type: ignore[arg-type]
    for n in range(7):
        feed(fanout, texts, n)
    assert compressed == []
    assert fanout.held()["fanout.streams"] == 0
    assert [received(wire) for wire in wires] == [expected(texts, set(), range(7))] * 2
    assert (fanout.frames_on_wire, fanout.frames_deflated) == (14, 0)


def test_a_deflate_socket_that_comes_to_a_plain_session_reads_every_frame_from_its_join(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compressed = compressions(monkeypatch)
    texts = frames_of_a_run(17)
    fanout = Fanout(CODEC, TickIndex(), deflate_resync_frames=5)
    plain = FakeWire(follows_streams=False)
    fanout.join("ses_a", Outbox(close_on_end=True, wire=plain))  # type: ignore[arg-type]
    for n in range(4):
        feed(fanout, texts, n)
    # Off the old epochs' grid (0, 5, 10): the stream starts, fresh, at the join.
    first = FakeWire(follows_streams=True)
    first_outbox = Outbox(close_on_end=True, wire=first)  # type: ignore[arg-type]
    fanout.join("ses_a", first_outbox)
    for n in range(4, 11):  # one epoch of 5 frames, fully flushed, then the next
        feed(fanout, texts, n)
    fanout.leave("ses_a", first_outbox)
    for n in (11, 12):
        feed(fanout, texts, n)
    assert fanout.held()["fanout.streams"] == 0, "nobody left who could read the stream"
    second = FakeWire(follows_streams=True)
    fanout.join("ses_a", Outbox(close_on_end=True, wire=second))  # type: ignore[arg-type]
    for n in range(13, 17):
        feed(fanout, texts, n)

    assert received(first) == expected(texts, set(range(4, 11)), range(4, 11))
    assert received(second) == expected(texts, set(range(13, 17)), range(13, 17))
    assert received(plain) == expected(texts, set(), range(17))
    assert compressed == texts[4:11] + texts[13:17]
    assert fanout.frames_deflated == len(compressed)
