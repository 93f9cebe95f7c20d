"""Appending commands to session.commands, numbered per session, in the order numbered.

Every command carries its producer's id and a per-session sequence number, and the
fold drops a command whose number is not above the last one it saw from that
producer (a retry; ``streams.sessions.fold.accept``). So the numbers must reach the
log in the order they were given. Numbering first and then awaiting the producer's
``send`` does not ensure that: when a partition's batch is full, ``send`` waits for
it to drain, and a command numbered later can take the fresh batch first; its
predecessors are then dropped as retries (under concurrent spectate-token requests, a
seat request lost). Here a session's commands are numbered and appended in turn, under
a lock of the session's own (other sessions do not wait on it); only the append is
awaited under it, never Kafka's acknowledgement.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from aiokafka import AIOKafkaProducer

from schemas.codec import Codec
from schemas.records import CommandBody, SessionCommand, encode_command
from schemas.topics import SESSION_COMMANDS


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class CommandAppender:
    def __init__(
        self, producer: AIOKafkaProducer, codec: Codec, producer_id: str, topic: str = SESSION_COMMANDS.name
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.codec = codec
        self.producer_id = producer_id
        self._seq: defaultdict[str, int] = defaultdict(int)
        self._turns: dict[str, _Turn] = {}  # sessions with an append under way or waiting

    def number(self, session_id: str, engine_version: int, body: CommandBody) -> SessionCommand:
        """The session's next command, for a caller that appends it itself (tests of retries)."""
        self._seq[session_id] += 1
        return SessionCommand(session_id, engine_version, self.producer_id, self._seq[session_id], now_ms(), body)

    async def append(self, session_id: str, engine_version: int, body: CommandBody) -> asyncio.Future:
        """Number the command and append it; returns its delivery (Kafka's acknowledgement)."""
        turn = self._turns.get(session_id)
        if turn is None:
            turn = self._turns[session_id] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                command = self.number(session_id, engine_version, body)
                return await self.producer.send(
                    self.topic, encode_command(self.codec, command), key=session_id.encode()
                )
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[session_id]


class _Turn:
    """One session's queue of appends: asyncio's lock is fair, first asked, first appended."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0
