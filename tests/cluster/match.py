"""Sessions played and watched through two edges while a test breaks things, and the
figures of each fault: when ticks resumed on every session, when spectators saw frames again.

- Driven sessions, one live per partition at a time, are played by ``RecordingBotDriver``
  straight on Kafka, so the inputs Kafka acknowledged are known and checked against the log.
- Played sessions, one live per edge's agent, are played by the SDK's bot through an
  edge; a bot whose edge dies
  goes on through the other edge with the same socket (its input seq), as it would
  behind a load balancer.
- Every session has a public spectator on each edge; one whose edge dies takes a fresh
  token for the same seat from the other edge.

A fault's figures, from the moment it was dealt: ``ticks_resumed_s`` until the first frame
the worker produced for a tick scheduled after the fault (the frame's Kafka CreateTime),
the slowest session's; ``spectators_resumed_s`` until a spectator received that frame or a
later one, the slowest spectator's.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from itertools import cycle

import httpx
from aiokafka.structs import ConsumerRecord
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from infra.aio import cancel_and_wait
from molt.bench.bots import BOT_LEAD_TICKS
from molt.bench.writer import CommandWriter
from molt.processes import molt_argv
from molt.sdk import MoltApiError, MoltClient, MoltSocketError
from molt.stack import Edge, Stack
from schemas.records import PlayerConnected, SessionAbandoned, SessionOpened
from schemas.topics import SESSION_RESULTS
from streams.sim.bots import reference_policy
from tests.cluster.replicas import describe_topics, short_of
from tests.commands import RecordingBotDriver, TopicReader, session_ids_on
from tests.sessions.test_runtime_integration import offline_fold, results_for, wait_for

GAMES = ("flappy-bots", "shellrunners")
# Frames every session shows before a fault, and after the last one.
WARM_FRAMES = 30
FAULT_TIMEOUT_S = 120.0
# An edge that dies takes its sockets with it: what a client sees then.
EDGE_GONE = (ConnectionClosed, httpx.TransportError, OSError)


class FrameLog(RecordingBotDriver):
    """A RecordingBotDriver that also keeps when the worker produced each FrameBatch."""

    def __init__(self, writer: CommandWriter, bootstrap: str, partitions: int) -> None:
        super().__init__(writer, bootstrap, partitions)
        self.produced: list[tuple[float, dict]] = []  # (Kafka CreateTime, s; FrameBatch)

    def on_batch(self, record: ConsumerRecord, batch: dict) -> None:
        super().on_batch(record, batch)
        self.produced.append((record.timestamp / 1000, batch))

    def first_after(self, dealt_at: float, read_before: int) -> dict[str, tuple[float, int]]:
        """Each session's first frame for a tick scheduled after ``dealt_at``: (produced at,
        tick). The first ``read_before`` batches were read by then, so none of them is."""
        first: dict[str, tuple[float, int]] = {}
        for produced_at, batch in self.produced[read_before:]:
            if batch["scheduledAtUs"] > dealt_at * 1e6:
                for frame in batch["frames"]:
                    first.setdefault(frame["sessionId"], (produced_at, frame["seq"]))
        return first


class Spectator:
    """A public spectator of one session, on ``edges[0]`` first, keeping each frame's arrival."""

    def __init__(self, edges: list[Edge], game: str, session_id: str) -> None:
        self.edges = edges
        self.game = game
        self.session_id = session_id
        self.frames: list[tuple[float, int]] = []  # (arrival, s; tick)
        self.viewer_id: str | None = None
        self.over = False
        self.on: str | None = None  # the edge it watches through now, and what it last got
        self.last: str = ""

    async def watch(self) -> None:
        for edge in cycle(self.edges):
            try:
                if await self._watch_on(edge):
                    self.over = True
                    return
            except EDGE_GONE:
                pass  # the edge died under the socket: on to the next one

    async def _watch_on(self, edge: Edge) -> bool:
        """Watch through ``edge`` until the run ends (True) or the socket closes (False)."""
        path = f"/api/games/{self.game}/sessions/{self.session_id}/spectate-token-public"
        body = {"viewerId": self.viewer_id} if self.viewer_id else None
        async with httpx.AsyncClient(base_url=edge.url, timeout=60) as http:
            answer = await http.post(path, json=body)
        if answer.status_code == 409 and answer.json()["code"] == "SESSION_ENDED":
            return True
        # Kafka away (503), or the edge's view not yet showing a run opened on Kafka (404):
        # ask again, as a viewer would.
        if answer.status_code in (503, 404):
            await asyncio.sleep(float(answer.headers.get("Retry-After", "0.5")))
            return False
        assert answer.status_code == 200, answer.text
        token = answer.json()
        self.viewer_id = token["viewerId"]
        self.on = edge.url
        async with connect(token["wsUrl"]) as ws:
            await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
            async for text in ws:
                message = json.loads(text)
                self.last = message["t"]
                if message["t"] == "frame":
                    self.frames.append((time.time(), message["tick"]))
                elif message["t"] == "end":
                    return True
                elif message["t"] == "error":
                    return message["code"] == "SESSION_ENDED"
        return False

    def resumed_at(self, dealt_at: float, tick: int) -> float | None:
        """When the first frame of ``tick`` or later arrived after ``dealt_at``, if it did."""
        return next((at for at, seen in self.frames if at > dealt_at and seen >= tick), None)

    def resumed(self, dealt_at: float, tick: int) -> bool:
        """Saw that frame, or the run's end (its last frames may have gone while it reconnected)."""
        return self.over or self.resumed_at(dealt_at, tick) is not None


async def play_through(clients: list[MoltClient], game: str, session_id: str) -> None:
    """Play the run with the reference bot through ``clients[0]``'s edge, then the next
    one's whenever an edge dies (``clients`` turned to start there), until it ends. The
    socket keeps its state (input seq) from edge to edge, as behind a load balancer."""
    policy = reference_policy(game, BOT_LEAD_TICKS)
    socket = clients[0].play(game, session_id)
    while True:
        socket.client = clients[0]
        try:
            async with socket:
                async for message in socket:
                    if message["t"] == "frame" and socket.ready_for_input():
                        action = policy(message["state"])
                        if action is not None:
                            await socket.send(action)
            return
        except EDGE_GONE:
            clients.append(clients.pop(0))
        except MoltSocketError as error:
            if error.code == "SESSION_ENDED":
                return  # the run ended while the bot was away
            if error.code != "KAFKA_UNAVAILABLE":
                raise
            await asyncio.sleep(0.5)  # Kafka away: connect again
        except MoltApiError as error:
            if error.code == "SESSION_ENDED":
                return
            if error.status != 503:
                raise
            await asyncio.sleep(0.5)


class Match:
    """Runs on every partition and on every edge, played and watched, a new one opened as
    soon as one ends (the bots' runs crash sooner or later on a loaded box); the figures
    of the faults dealt meanwhile."""

    def __init__(self, stack: Stack, edges: list[Edge]) -> None:
        self.stack = stack
        self.edges = edges
        self.writer = CommandWriter(stack.bootstrap)
        self.log = FrameLog(self.writer, stack.bootstrap, stack.partitions)
        self.driven: list[str] = []
        self.played: list[str] = []
        self.spectators: list[Spectator] = []
        self.keepers: list[asyncio.Task] = []
        self.tasks: list[asyncio.Task] = []  # the spectators'
        self.finishing = False

    async def __aenter__(self) -> Match:
        await self.writer.__aenter__()
        await self.log.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        for task in self.keepers + self.tasks:
            await cancel_and_wait(task)
        await self.log.stop()
        await self.writer.__aexit__()

    @property
    def sessions(self) -> list[str]:
        return self.driven + self.played

    async def begin(self) -> None:
        """Start the runs, their bots and spectators, and wait until every first run is going."""
        for partition in range(self.stack.partitions):
            self.keepers.append(asyncio.create_task(self._drive_runs(partition)))
        for e, edge in enumerate(self.edges):
            home = await MoltClient.register(edge.url, f"player-{e}")
            clients = [home, *(MoltClient(other.url, home.api_key) for other in self.edges if other is not edge)]
            self.keepers.append(asyncio.create_task(self._play_runs(clients, GAMES[e % 2])))
        first_runs = self.stack.partitions + len(self.edges)
        await wait_for(lambda: len(self.sessions) >= first_runs, FAULT_TIMEOUT_S, "the first runs did not open")
        await self.play_on(WARM_FRAMES)
        await wait_for(
            lambda: all(s.frames or s.over for s in self.spectators),
            FAULT_TIMEOUT_S,
            lambda: f"spectators without a frame: {[s.session_id for s in self.spectators if not s.frames]}",
        )

    def _opened(self, session_id: str, game: str, runs: list[str]) -> None:
        """A run opened: watch it from every edge (each spectator moving on as edges die)."""
        runs.append(session_id)
        for e in range(len(self.edges)):
            spectator = Spectator(self.edges[e:] + self.edges[:e], game, session_id)
            self.spectators.append(spectator)
            self.tasks.append(asyncio.create_task(spectator.watch()))

    async def _drive_runs(self, partition: int) -> None:
        """Runs on ``partition`` played straight on Kafka, one after the other."""
        n = 0
        while not self.finishing:
            [session_id] = session_ids_on([partition], 1, self.stack.partitions, "driven")
            game = GAMES[(partition + n) % 2]
            await self.writer.send(session_id, SessionOpened(game, "api", n, "agt_d", "driven", 5))
            await self.writer.send(session_id, PlayerConnected(f"conn-{session_id}"))
            self.log.drive(session_id, game, f"conn-{session_id}")
            self._opened(session_id, game, self.driven)
            await wait_for(lambda sid=session_id: self.finishing or self.log.ended(sid), math.inf, "")
            n += 1

    async def _play_runs(self, clients: list[MoltClient], game: str) -> None:
        """Runs an agent opens and plays through an edge, one after the other."""
        try:
            seed = 100
            while not self.finishing:
                session_id = await self._create(clients, game, seed)
                self._opened(session_id, game, self.played)
                await play_through(clients, game, session_id)
                seed += 1
        finally:
            for client in clients:
                await client.close()

    async def _create(self, clients: list[MoltClient], game: str, seed: int) -> str:
        """A new run, through the first edge that takes it (``clients`` turned to start there)."""
        while True:
            try:
                session = await clients[0].create_session(game, seed=seed)
                return str(session["sessionId"])
            except EDGE_GONE:
                clients.append(clients.pop(0))
            except MoltApiError as error:
                if error.status != 503:
                    raise
                await asyncio.sleep(0.5)  # Kafka away: the edge said when to ask again

    def live(self) -> list[str]:
        return [s for s in self.sessions if not self.log.ended(s)]

    def _raise_failure(self) -> None:
        """A bot, keeper or spectator that failed fails the test now, not at its end."""
        for task in self.keepers + self.tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()

    async def play_on(self, frames: int) -> None:
        """Wait until every session open now showed ``frames`` more frames (or ended)."""
        counts = {s: len(self.log.frames[s]) for s in self.sessions}

        def played_on() -> bool:
            self._raise_failure()
            return all(self.log.ended(s) or len(self.log.frames[s]) >= counts[s] + frames for s in counts)

        await wait_for(
            played_on,
            FAULT_TIMEOUT_S,
            lambda: f"sessions stopped ticking: { {s: len(self.log.frames[s]) - counts[s] for s in counts} }",
        )

    async def fault(self, name: str, deal: Callable[[], object]) -> dict:
        """Deal a fault and wait until every live session ticks and every spectator sees
        frames again; its figures."""
        await wait_for(self.live, FAULT_TIMEOUT_S, f"{name}: no run live to deal it on")
        live = self.live()
        read_before = len(self.log.produced)
        dealt_at = time.time()
        deal()

        def first() -> dict[str, tuple[float, int]]:
            self._raise_failure()
            return self.log.first_after(dealt_at, read_before)

        def ticking() -> bool:
            # Some session must have ticked since: runs that all ended say nothing of it.
            ticked = first()
            return bool(ticked) and all(s in ticked or self.log.ended(s) for s in live)

        def silent() -> str:
            stopped = [s for s in live if s not in first() and not self.log.ended(s)]
            return f"{name}: sessions never ticked again: " + ", ".join(
                f"{s} (last frame {[f['seq'] for f in self.log.frames[s][-1:]]})" for s in stopped
            )

        await wait_for(ticking, FAULT_TIMEOUT_S, silent)
        # The sessions live when the fault was dealt; if every one of them ended meanwhile,
        # the runs opened since show when ticking resumed.
        resumed = {s: f for s, f in first().items() if s in live} or first()
        watching = [s for s in self.spectators if s.session_id in resumed]

        def watched() -> bool:
            self._raise_failure()
            return all(s.resumed(dealt_at, resumed[s.session_id][1]) for s in watching)

        await wait_for(watched, FAULT_TIMEOUT_S, f"{name}: a spectator never saw frames again")
        ticks = [at - dealt_at for at, _ in resumed.values()]
        seen = [at - dealt_at for s in watching if (at := s.resumed_at(dealt_at, resumed[s.session_id][1])) is not None]
        figures = {
            "ticks_resumed_s": round(max(ticks), 2),
            "ticks_resumed_median_s": round(statistics.median(ticks), 2),
            "spectators_resumed_s": round(max(seen), 2),
            "spectators_resumed_median_s": round(statistics.median(seen), 2),
            "sessions": len(ticks),
            "spectators": len(seen),
        }
        print(f"\n{name}: {figures}")
        return figures

    async def finish(self) -> dict[str, dict]:
        """Open no more runs, end every live one, wait for each one's result and for every
        bot and spectator to see the end; the results by session."""
        self.finishing = True
        abandoned: set[str] = set()
        async with TopicReader(self.stack.bootstrap, SESSION_RESULTS.name, "RunResult", self.stack.partitions) as r:
            # A keeper may open one more run before it sees the flag: end that one too.
            while not all(task.done() for task in self.keepers):
                self._raise_failure()
                for session_id in self.live():
                    if session_id not in abandoned:
                        self.log.release(session_id)
                        await self.writer.send(session_id, SessionAbandoned("test over"))
                        abandoned.add(session_id)
                await asyncio.wait(self.keepers, timeout=0.5)
            self._raise_failure()
            published = await r.until(results_for(set(self.sessions)), FAULT_TIMEOUT_S)
        _, waiting = await asyncio.wait(self.tasks, timeout=FAULT_TIMEOUT_S)
        if waiting:
            stuck = [s for s, task in zip(self.spectators, self.tasks, strict=True) if task in waiting]
            described = await describe_topics(self.stack.bootstrap)
            leaderless = [
                f"{t['topic']}/{p['partition']}" for t in described for p in t["partitions"] if p["leader"] < 0
            ]
            raise TimeoutError(
                f"partitions short of replicas: {short_of(described)}; without a leader: {leaderless}; "
                f"at {time.time():.1f}, {len(stuck)} spectators never saw their run end: "
                + "; ".join(
                    f"{s.session_id} on {s.on} ({len(s.frames)} frames, last tick "
                    f"{s.frames[-1][1] if s.frames else None} at {s.frames[-1][0] if s.frames else 0:.1f}, "
                    f"last message {s.last!r}, run's last frame "
                    f"{[f['seq'] for f in self.log.frames[s.session_id][-1:]]}, ended {self.log.ended(s.session_id)})"
                    for s in stuck
                )
            )
        return {result["sessionId"]: result for result in published if result["sessionId"] in self.sessions}

    async def check_acknowledged_inputs(self, results: dict[str, dict]) -> None:
        """Every input Kafka acknowledged for a driven session before its run ended was applied."""
        for session_id in self.driven:
            result = results[session_id]
            offline = await offline_fold(self.stack.bootstrap, result)
            assert offline.results[0] == result, session_id
            last = result["commandOffsets"]["last"]
            acked = [seq for seq, offset in self.log.acked[session_id] if offset < last]
            assert offline.state.last_received_seq == max(acked, default=0), session_id
        assert any(self.log.acked.values()), "no input was acknowledged"


def replay_every_run(stack: Stack) -> str:
    """``molt replay --all`` on the stack's cluster: every run ever published there must match."""
    done = subprocess.run(
        molt_argv("replay", "--all"), env={**os.environ, **stack.env()}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-2000:]}"
    return done.stdout
