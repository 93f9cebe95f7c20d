"""Appending commands to session.commands as an edge does, for benchmarks and tests.

A ``CommandWriter`` has its own producer id and numbers each session's commands 1, 2,
… so the fold can tell a retry from a new command; the numbers reach the log in order
(``infra.appender``). ``send`` waits for Kafka's acknowledgement; ``enqueue`` does not,
so one process can feed a thousand sessions: at most ``max_in_flight`` enqueued
commands are unacknowledged at a time, and a failed one is raised by the next
``enqueue`` or ``flush``, never lost silently.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from infra.appender import CommandAppender
from infra.kafkaclients import client_options
from schemas.codec import Codec
from schemas.records import CommandBody, SessionCommand, encode_command
from schemas.topics import SESSION_COMMANDS

MAX_IN_FLIGHT = 5_000
# The engine version the benchmarks' and tests' commands claim (both games are at 1).
ENGINE_VERSION = 1


class CommandWriter:
    def __init__(self, bootstrap: str, producer_id: str | None = None, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.codec = Codec()
        self.producer_id = producer_id or f"test:{secrets.token_hex(4)}"
        self._producer = AIOKafkaProducer(**client_options(bootstrap), acks="all", enable_idempotence=True)
        self._commands = CommandAppender(self._producer, self.codec, self.producer_id)
        self._window = asyncio.Semaphore(max_in_flight)
        self._failure: BaseException | None = None

    async def __aenter__(self) -> CommandWriter:
        await self._producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._producer.stop()

    def command(self, session_id: str, body: CommandBody, engine_version: int = ENGINE_VERSION) -> SessionCommand:
        """The session's next command, to send with ``send_command`` (once, or again as a retry)."""
        return self._commands.number(session_id, engine_version, body)

    async def send(self, session_id: str, body: CommandBody) -> tuple[int, int]:
        """Append; returns (partition, offset) once Kafka acknowledged it."""
        meta = await (await self._commands.append(session_id, ENGINE_VERSION, body))
        return meta.partition, meta.offset

    async def send_command(self, command: SessionCommand) -> tuple[int, int]:
        meta = await self._producer.send_and_wait(
            SESSION_COMMANDS.name, encode_command(self.codec, command), key=command.sessionId.encode()
        )
        return meta.partition, meta.offset

    async def enqueue(self, session_id: str, body: CommandBody, on_ack: Callable[[int], None] | None = None) -> None:
        """Append without waiting for the acknowledgement; ``on_ack(offset)`` runs once it comes."""
        self._raise_failure()
        await self._window.acquire()
        try:
            sent = await self._commands.append(session_id, ENGINE_VERSION, body)
        except BaseException:
            self._window.release()
            raise
        sent.add_done_callback(lambda done: self._acknowledged(done, on_ack))

    async def flush(self) -> None:
        """Wait until every enqueued command is acknowledged."""
        await self._producer.flush()
        self._raise_failure()

    def _acknowledged(self, done: asyncio.Future, on_ack: Callable[[int], None] | None) -> None:
        self._window.release()
        if done.cancelled():
            return  # the producer is stopping
        if done.exception() is not None:
            self._failure = self._failure or done.exception()
        elif on_ack is not None:
            on_ack(done.result().offset)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
