"""The fan-out: a frame encoded and framed once for all its session's watchers (and noted in
the tick index); the end and changes of the spectator count told to them."""

from __future__ import annotations

from aiokafka.structs import ConsumerRecord

from app.tickindex import TickIndex
from app.ws import messages as m
from app.ws.fanout import Fanout
from app.ws.outbox import Outbox
from app.ws.wire import text_frame
from schemas.codec import Codec
from schemas.framebatch import FrameBatchWriter
from schemas.views import SessionView, SpectatorCount
from tests.app.test_wire import FakeWire

CODEC = Codec()
RESULT = {"sessionId": "ses_a", "score": 3}


def batch(session_id: str, tick: int, last_input_seq: int, state: str) -> ConsumerRecord:
    frame = {
        "sessionId": session_id,
        "engineVersion": 1,
        "seq": tick,
        "lastInputSeq": last_input_seq,
        "stateHash": "h",
        "frameJson": state,
    }
    value = FrameBatchWriter(CODEC).encode(0, tick, 0, [frame])
    return ConsumerRecord("session.frames", 0, 100 + tick, 0, 0, None, value, None, 0, len(value), ())


def view(status: str) -> SessionView:
    result = RESULT if status == "ended" else None
    return SessionView("ses_a", 1, 0, "flappy-bots", "api", status, "agt_1", "bot", 0, None, 0, 0, 0, 5, result)  # type: ignore[arg-type]


def test_a_frame_goes_to_every_watcher_of_its_session_as_the_same_bytes() -> None:
    index = TickIndex()
    index.on_session_view("ses_a", view("live"))
    fanout = Fanout(CODEC, index)
    wires = [FakeWire(), FakeWire()]
    for wire in wires:
        fanout.join("ses_a", Outbox(close_on_end=True, wire=wire))  # type: ignore[arg-type]
    elsewhere = Outbox(close_on_end=True)
    fanout.join("ses_b", elsewhere)
    fanout.on_frames(batch("ses_a", 5, 2, '{"score":1}'))
    framed = text_frame(b'{"t":"frame","tick":5,"lastInputSeq":2,"state":{"score":1}}')
    assert [wire.written for wire in wires] == [[framed], [framed]]
    assert elsewhere.drain() == []
    assert fanout.latest["ses_a"] == m.Frame(5, 2, '{"score":1}')
    assert (fanout.frames_in, fanout.frames_out, fanout.frames_on_wire) == (1, 2, 2)
    assert index.seek("ses_a", 5) == 105, "where the frame lies is noted for rewinding viewers"


def test_the_end_is_told_once_and_closes_only_spectators() -> None:
    fanout = Fanout(CODEC, TickIndex())
    spectator, player = Outbox(close_on_end=True), Outbox(close_on_end=False)
    fanout.join("ses_a", spectator)
    fanout.join("ses_a", player)
    fanout.on_frames(batch("ses_a", 5, 0, '{"score":1}'))
    frame = fanout.latest["ses_a"].encode()
    fanout.on_session_view("ses_a", view("live"))  # a change, but not the end: nothing to tell
    for _ in range(2):
        fanout.on_session_view("ses_a", view("ended"))
    end = m.End(RESULT).encode()  # type: ignore[arg-type]
    assert (spectator.drain(), spectator.close_code) == ([frame, end], m.Close.NORMAL)
    assert (player.drain(), player.close_code) == ([frame, end], None)
    assert "ses_a" not in fanout.latest


def test_a_spectator_count_is_told_only_when_it_changes() -> None:
    fanout = Fanout(CODEC, TickIndex())
    watcher = Outbox(close_on_end=True)
    fanout.join("ses_a", watcher)
    for current in (1, 1, 2):
        fanout.on_spectators("ses_a", SpectatorCount("ses_a", 1, 0, current, 5))
    assert watcher.drain() == [m.Spectators(1, 5).encode(), m.Spectators(2, 5).encode()]


def test_what_is_kept_per_session_goes_when_its_run_ends_and_late_records_do_not_bring_it_back() -> None:
    fanout = Fanout(CODEC, TickIndex())
    empty = fanout.held()
    watcher = Outbox(close_on_end=True)
    fanout.join("ses_a", watcher)
    fanout.on_frames(batch("ses_a", 5, 0, '{"score":1}'))
    fanout.on_spectators("ses_a", SpectatorCount("ses_a", 1, 0, 1, 5))
    assert fanout.held()["fanout.latest"] == fanout.held()["fanout.counts"] == 1
    fanout.on_session_view("ses_a", view("ended"))
    fanout.leave("ses_a", watcher)
    # The final frame and the seats' release come on other topics: they may be read after the end.
    fanout.on_frames(batch("ses_a", 6, 0, '{"score":1}'))
    fanout.on_spectators("ses_a", SpectatorCount("ses_a", 1, 0, 0, 5))
    assert fanout.held() == empty | {"fanout.ended": 1}
    assert "ses_a" not in fanout.latest
