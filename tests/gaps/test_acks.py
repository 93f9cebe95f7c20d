"""DurableAcks: an event is acked once Kafka acknowledged its table writes, in offset order per partition."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from streams.gaps.acks import DurableAcks


class Stream:
    """The part of a Faust stream DurableAcks uses: manual acks over a fixed list of events."""

    def __init__(self, events: list[Event]) -> None:
        self._events = events
        self.acked: asyncio.Queue[str] = asyncio.Queue()
        self.manual = False

    def noack(self) -> Stream:
        self.manual = True
        return self

    async def events(self) -> AsyncIterator[Event]:
        for event in self._events:
            yield event

    async def ack(self, event: Event) -> None:
        self.acked.put_nowait(event.name)

    async def next_ack(self) -> str:
        return await asyncio.wait_for(self.acked.get(), 5)

    def acked_so_far(self) -> list[str]:
        names = []
        while not self.acked.empty():
            names.append(self.acked.get_nowait())
        return names


class App:
    def __init__(self) -> None:
        self.crashed: list[BaseException] = []

    async def crash(self, exc: BaseException) -> None:
        self.crashed.append(exc)


@dataclass
class Message:
    partition: int
    offset: int
    topic: str = "session.results"


@dataclass
class Event:
    name: str
    message: Message


def events(*names_and_partitions: tuple[str, int]) -> list[Event]:
    return [Event(name, Message(partition, offset)) for offset, (name, partition) in enumerate(names_and_partitions)]


async def consume(acks: DurableAcks, stream: Stream, writes: dict[str, list[asyncio.Future]]) -> None:
    async def handle(event: Event) -> list[asyncio.Future]:
        return writes[event.name]

    await acks.consume(stream, handle)  # type: ignore[arg-type]


async def test_events_are_acked_once_their_writes_are_acknowledged_and_in_order_per_partition() -> None:
    loop = asyncio.get_running_loop()
    a_write, c_first, c_second = loop.create_future(), loop.create_future(), loop.create_future()
    writes = {"a": [a_write], "b": [], "c": [c_first, c_second], "d": []}
    stream, app = Stream(events(("a", 0), ("b", 0), ("c", 0), ("d", 1))), App()
    acks = DurableAcks(app, "test")  # type: ignore[arg-type]
    await consume(acks, stream, writes)
    assert stream.manual, "Faust must not ack the events itself"
    # d, alone on its partition with no write, is acked at once; b has no write
    # either but comes after a, whose write is in flight.
    assert await stream.next_ack() == "d" and stream.acked.empty()
    c_first.set_result("c@0")
    c_second.set_result("c@1")  # c's writes are done first: it still waits for a and b
    a_write.set_result("a@0")
    await acks.settled()
    assert stream.acked_so_far() == ["a", "b", "c"] and app.crashed == []


async def test_a_failed_write_leaves_its_event_and_the_partitions_later_ones_unacked_and_stops_the_worker() -> None:
    loop = asyncio.get_running_loop()
    failed, fine, elsewhere = loop.create_future(), loop.create_future(), loop.create_future()
    writes = {"lost": [failed], "kept": [fine], "other": [elsewhere]}
    stream, app = Stream(events(("lost", 0), ("kept", 0), ("other", 1))), App()
    acks = DurableAcks(app, "test")  # type: ignore[arg-type]
    await consume(acks, stream, writes)
    error = RuntimeError("broker refused the changelog record")
    fine.set_result("kept@0")
    elsewhere.set_result("other@0")
    failed.set_exception(error)
    await acks.settled()
    # Acking "kept" would let Faust commit past "lost", which the next owner must handle again.
    assert stream.acked_so_far() == ["other"] and app.crashed == [error]
