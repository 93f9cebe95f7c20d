"""Plays sessions through Kafka with the reference bots: frames in, inputs out.

``BotDriver`` follows session.frames from its end, as agents behind an edge would see
it. For every frame of a session it drives, it asks the game's reference policy for an
action and enqueues it as an InputReceived without waiting for Kafka's acknowledgement,
so one process keeps up with a thousand sessions at 30 Hz. Like the SDK's bots, it asks
only once the frames show its last input took effect (``molt.sdk.InputGate``): a bot
that answers stale frames crashes, and every crash costs a new session. The bots plan
for inputs that land a tick late (``BOT_LEAD_TICKS``): a thousand sessions on one worker
put some inputs past the next tick, and bots that planned for none died of it, 30 to 50
runs a second at a p99 lag of 30 to 50 ms, each death a new session's load on the
worker. A session whose frame shows its run over is released and added to ``over``; only
a frame with a state hash can be the last (the final frame always carries one), so a
frame the bot waits through is not even parsed.

Nor is a frame the policy is sure to answer None (``molt.bench.quiet.reference_quiet``):
after a frame that called for no input, the bot sleeps through as many as the policy's
quiet bound names, reading only those with a state hash. It sends exactly the inputs it
would have sent reading every frame (``tests/molt/test_quiet.py`` plays both), and reads
about one frame in ten. The bots share the machine with the worker they load: parsing
every frame's JSON and asking the policy was half of their CPU.

Observers subclass it: ``on_batch`` sees every FrameBatch read, with its Kafka record,
and ``on_input_acked`` every input Kafka acknowledged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from infra.aio import cancel_and_wait
from infra.kafkaclients import client_options
from molt.bench.quiet import Quiet, reference_quiet
from molt.bench.writer import CommandWriter
from molt.sdk import InputGate
from schemas.codec import Codec
from schemas.framebatch import decode_batch
from schemas.records import InputReceived
from schemas.topics import SESSION_FRAMES
from streams.sim.bots import Policy, reference_policy

# Ticks after a frame's tick that the bots expect their inputs to apply (see
# ``streams.sim.bots``): one, so an input a tick late does not end the run.
BOT_LEAD_TICKS = 1


class _Bot:
    """One session's bot: its policy, its connection, its gate, and the tick it sleeps until."""

    __slots__ = ("asleep_until", "connection", "gate", "policy", "quiet")

    def __init__(self, game: str, connection: str) -> None:
        self.policy: Policy = reference_policy(game, BOT_LEAD_TICKS)
        self.quiet: Quiet = reference_quiet(game, BOT_LEAD_TICKS)
        self.connection = connection
        self.gate = InputGate()
        self.asleep_until = -1  # frames of ticks up to this one need no answer


class BotDriver:
    def __init__(self, writer: CommandWriter, bootstrap: str, partitions: int) -> None:
        self.writer = writer
        self.codec = Codec()
        self.sessions: dict[str, _Bot] = {}
        self.over: set[str] = set()
        self.inputs_sent = 0
        self._tps = [TopicPartition(SESSION_FRAMES.name, p) for p in range(partitions)]
        self._consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_end(*self._tps)
        for tp in self._tps:  # resolve the end offsets now, before any session starts
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self._consumer.stop()

    def drive(self, session_id: str, game: str, connection_id: str) -> None:
        self.sessions[session_id] = _Bot(game, connection_id)

    def release(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    def on_batch(self, record: ConsumerRecord, batch: dict) -> None:
        """Called for every FrameBatch read, before the bots act on it."""

    def on_input_acked(self, session_id: str, seq: int, offset: int) -> None:
        """Called once Kafka acknowledged an input."""

    async def _run(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    batch = decode_batch(self.codec, record.value)
                    self.on_batch(record, batch)
                    tick = batch["tickNo"]
                    for frame in batch["frames"]:
                        # Decided without awaiting: a coroutine per frame was a cost of its
                        # own at 30,000 frames a second; only an input to send is awaited.
                        if frame["sessionId"] in self.sessions and (sent := self._decide(frame, tick)) is not None:
                            await self.writer.enqueue(frame["sessionId"], sent[0], on_ack=sent[1])

    def _decide(self, frame: dict, tick: int) -> tuple[InputReceived, Callable[[int], None]] | None:
        """The input the frame of ``tick`` calls for, with its acknowledgement callback; None for none."""
        session_id = frame["sessionId"]
        bot = self.sessions[session_id]
        gate = bot.gate
        gate.on_frame(frame["lastInputSeq"])
        if tick <= bot.asleep_until and not frame["stateHash"]:
            return None  # asleep only with no input in flight, so the gate is ready
        ready = gate.ready()
        if not ready and not frame["stateHash"]:
            return None
        # orjson: the bots share the machine with the worker they load (stdlib json was
        # a quarter of their CPU at a thousand sessions).
        view = orjson.loads(frame["frameJson"])
        if view["ended"]:
            self.release(session_id)
            self.over.add(session_id)
            return None
        if not ready:
            return None
        action = bot.policy(view)
        if action is None:
            bot.asleep_until = tick + bot.quiet(view)
            return None
        seq = gate.next_seq()
        self.inputs_sent += 1
        return InputReceived(seq, action, bot.connection), partial(self.on_input_acked, session_id, seq)
