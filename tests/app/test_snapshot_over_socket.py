"""The snapshot trigger over the play socket (``{"t":"snapshot"}`` after ``end``), as the SDK sends it."""

from __future__ import annotations

import asyncio
import time

import pytest

from infra.logreader import LogReader
from infra.runlog import session_partition
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from schemas.codec import Codec
from schemas.records import SnapshotTriggered, decode_command
from schemas.topics import SESSION_COMMANDS

pytestmark = pytest.mark.integration


async def snapshot_triggers(reader: LogReader, session_id: str, partition: int, first: int) -> list[SnapshotTriggered]:
    """The session's SnapshotTriggered records from offset ``first`` of its partition."""
    codec = Codec()
    raw = await reader.read_range(SESSION_COMMANDS.name, partition, first, 2**62)
    commands = [decode_command(codec, value) for _, value in raw]
    return [c.body for c in commands if c.sessionId == session_id and type(c.body) is SnapshotTriggered]


async def test_play_with_sends_the_snapshot_trigger_over_the_socket(stack: Stack, edge: Edge) -> None:
    async with await MoltClient.register(edge.url, "snapshotter") as client:
        session = await client.create_session("flappy-bots", seed=4)
        sid = session["sessionId"]
        partition = session_partition(sid, stack.partitions)
        async with LogReader(stack.bootstrap) as reader:
            first = await reader.end_offset(SESSION_COMMANDS.name, partition)
            result = await client.play_with("flappy-bots", sid, lambda state: None)
            assert result["sessionId"] == sid
            deadline = time.monotonic() + 30
            # The edge writes the trigger after the SDK has left: poll the log for it.
            while not (triggers := await snapshot_triggers(reader, sid, partition, first)):
                assert time.monotonic() < deadline, "no SnapshotTriggered from the socket"
                await asyncio.sleep(0.2)
    assert [t.source for t in triggers] == ["ws"]
