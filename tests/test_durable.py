"""DurableAcks: an event is acked only once Kafka acknowledged every table write made for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from streams.durable import DurableAcks


class Stream:
    """The part of a Faust stream DurableAcks uses: manual acks over a fixed list of events."""

    def __init__(self, events: list[str]) -> None:
        self._events = events
        self.acked: asyncio.Queue[str] = asyncio.Queue()
        self.manual = False

    def noack(self) -> Stream:
        self.manual = True
        return self

    async def events(self) -> AsyncIterator[str]:
        for event in self._events:
            yield event

    async def ack(self, event: str) -> None:
        self.acked.put_nowait(event)

    async def next_ack(self) -> str:
        return await asyncio.wait_for(self.acked.get(), 5)


class App:
    def __init__(self) -> None:
        self.crashed: list[BaseException] = []

    async def crash(self, exc: BaseException) -> None:
        self.crashed.append(exc)


class Message:
    topic, partition, offset = "session.results", 0, 7


class Event(str):
    message = Message()


async def test_events_are_acked_when_their_writes_are_acknowledged_not_before() -> None:
    loop = asyncio.get_running_loop()
    a_write, c_first, c_second = loop.create_future(), loop.create_future(), loop.create_future()
    writes = {"a": [a_write], "b": [], "c": [c_first, c_second]}
    stream, app = Stream([Event("a"), Event("b"), Event("c")]), App()
    acks = DurableAcks(app, "test")  # type: ignore[arg-type]

    async def handle(event: str) -> list[asyncio.Future]:
        return writes[event]

    await acks.consume(stream, handle)  # type: ignore[arg-type]
    assert stream.manual, "Faust must not ack the events itself"
    assert await stream.next_ack() == "b" and acks.pending == 2  # no write: acked at once; the others wait
    c_first.set_result("c@0")  # one of c's two writes is still in flight: c must wait
    a_write.set_result("a@0")
    assert await stream.next_ack() == "a"
    assert stream.acked.empty() and acks.pending == 1
    c_second.set_result("c@1")
    assert await stream.next_ack() == "c"
    assert acks.pending == 0 and app.crashed == []


async def test_a_failed_write_leaves_its_event_unacked_and_stops_the_worker() -> None:
    loop = asyncio.get_running_loop()
    failed, fine = loop.create_future(), loop.create_future()
    writes = {"lost": [failed], "kept": [fine]}
    stream, app = Stream([Event("lost"), Event("kept")]), App()
    acks = DurableAcks(app, "test")  # type: ignore[arg-type]

    async def handle(event: str) -> list[asyncio.Future]:
        return writes[event]

    await acks.consume(stream, handle)  # type: ignore[arg-type]
    error = RuntimeError("broker refused the changelog record")
    failed.set_exception(error)
    fine.set_result("kept@0")
    assert await stream.next_ack() == "kept"
    assert stream.acked.empty() and app.crashed == [error]
