"""Broker outages during live play: writes fail fast, readiness tells, everything heals.

A broker of this module's own, a real worker and edge per test, players and spectators
on live runs; then the broker is paused (SIGSTOP) for 30 s, or killed (-9) and restarted
on the same data. While it is away: a write answers 503 KAFKA_UNAVAILABLE with
Retry-After within the edge's bound, the edge's and the worker's /readyz answer within 1
s and say not ready, sockets stay open, and the edge, the worker and its clock each use
under 10% of a core (measured from /proc). Once it is back: ready again, frames resume
on the same sockets, the runs end and replay equal, and every input Kafka acknowledged
is in the log. Asked to stop while the broker is gone, the worker and the edge are gone
within 10 s. The figures are printed (``-s``).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from infra.localkafka import LocalKafka, free_ports
from infra.settings import KafkaSettings
from molt.sdk import MoltClient
from molt.stack import Edge, Stack, Worker
from schemas.records import InputReceived
from streams.sim.bots import reference_policy
from tests.molt.test_replay import molt, run_records

pytestmark = pytest.mark.integration

GAME = "flappy-bots"
OUTAGE_S = 30.0
KAFKA_WAIT_S = 5.0
# The bound on a process's CPU while the broker is away, in cores.
CPU_BOUND = 0.10
READYZ_BOUND_S = 1.0
STOP_BOUND_S = 10.0
# Generous: after a restart the worker resumes folding only once Faust's consumer has
# rejoined (it took from ~20 s to over 90 s here).
RECOVERY_TIMEOUT_S = 180.0
PLAYERS = 2
POLICY = reference_policy(GAME)


@dataclass
class Broker:
    kafka: LocalKafka

    @property
    def pid(self) -> int:
        pid = self.kafka.pid()
        assert pid is not None
        return pid

    def signal(self, sig: signal.Signals) -> None:
        os.killpg(self.pid, sig)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    if KafkaSettings().is_external:
        pytest.skip("pauses and kills its own broker")
    root = tmp_path_factory.mktemp("outage-kafka")
    port, controller_port = free_ports(2)
    settings = KafkaSettings().model_copy(
        update={"port": port, "controller_port": controller_port, "data_dir": root / "data", "log_dir": root / "logs"}
    )
    kafka = LocalKafka(settings)
    kafka.start()
    try:
        yield Broker(kafka)
    finally:
        pid = kafka.pid()
        if pid is not None:
            os.killpg(pid, signal.SIGCONT)  # a paused broker cannot stop
        kafka.stop()


@pytest.fixture
def outage_stack(broker: Broker, topic_partitions: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A worker of its own per test: one that an outage left wedged cannot spoil the next."""
    stack = Stack(broker.kafka.bootstrap, tmp_path_factory.mktemp("outage-stack"), topic_partitions)
    try:
        stack.start_worker("worker-1")
        yield stack
    finally:
        stack.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


class CpuMeter:
    """CPU used by named processes over a window, in cores."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.started = time.monotonic()

    def cores(self) -> dict[str, float]:
        elapsed = time.monotonic() - self.started
        return {name: (cpu_seconds(pid) - self.start[name]) / elapsed for name, pid in self.pids.items()}


@dataclass
class Player:
    """A player who flaps by the reference policy, and flaps once at a time while told to."""

    session_id: str
    ws: ClientConnection
    seq: int = 0
    last_tick: int = 0
    applied: int = 0  # the highest lastInputSeq a frame reported: in the log
    refused: set[int] = field(default_factory=set)  # inputs answered KAFKA_UNAVAILABLE
    given: set[int] = field(default_factory=set)  # inputs the edge took (no error in its bound)
    frame: asyncio.Event = field(default_factory=asyncio.Event)
    errors: asyncio.Queue = field(default_factory=asyncio.Queue)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    steering: bool = True

    async def send(self) -> int:
        self.seq += 1
        await self.ws.send(json.dumps({"t": "input", "seq": self.seq, "action": "flap"}))
        return self.seq

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["t"] == "frame":
                self.last_tick = message["tick"]
                self.applied = max(self.applied, message["lastInputSeq"])
                self.frame.set()
                if self.steering and message["lastInputSeq"] >= self.seq and POLICY(message["state"]):
                    await self.send()
            elif message["t"] == "error":
                assert message["code"] == "KAFKA_UNAVAILABLE", message
                await self.errors.put(message)
            elif message["t"] == "end":
                self.ended.set()
                return

    async def flap_through_outage(self) -> None:
        """One input at a time: refused within the edge's bound, or taken by Kafka."""
        seq = await self.send()
        try:
            await asyncio.wait_for(self.errors.get(), KAFKA_WAIT_S + 5)
            self.refused.add(seq)
        except TimeoutError:
            self.given.add(seq)


@dataclass
class Spectator:
    ws: ClientConnection
    last_tick: int = 0
    frame: asyncio.Event = field(default_factory=asyncio.Event)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    end: dict | None = None

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message["t"] == "frame":
                    self.last_tick = message["tick"]
                    self.frame.set()
                elif message["t"] == "end":
                    self.end = message["result"]
        finally:
            self.closed.set()

    async def next_frame_after(self, tick: int) -> None:
        while self.last_tick <= tick:
            self.frame.clear()
            await self.frame.wait()


async def authenticated(url: str, token: str) -> ClientConnection:
    ws = await connect(url)
    await ws.send(json.dumps({"t": "auth", "token": token}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert welcome["t"] == "welcome", welcome
    return ws


@asynccontextmanager
async def live_play(edge: Edge) -> AsyncIterator[tuple[MoltClient, list[Player], list[Spectator]]]:
    """Players on live runs, each watched by a spectator; all reading in the background.

    The spectators come first, while the runs wait for their players: a run is only a
    few seconds old when the outage begins, too young for the bot to have crashed.
    """
    client = await MoltClient.register(edge.url, "outage-bot")
    players, spectators, readers = [], [], []
    try:
        session_ids = [(await client.create_session(GAME))["sessionId"] for _ in range(PLAYERS)]
        async with httpx.AsyncClient(base_url=edge.url, timeout=60) as http:
            for session_id in session_ids:
                watch = (await http.post(f"/api/games/{GAME}/sessions/{session_id}/spectate-token-public")).json()
                spectators.append(Spectator(await authenticated(watch["wsUrl"], watch["token"])))
                readers.append(asyncio.create_task(spectators[-1].read()))
        for session_id in session_ids:
            play = await client.play_token(GAME, session_id)
            players.append(Player(session_id, await authenticated(play["wsUrl"], play["token"])))
            readers.append(asyncio.create_task(players[-1].read()))  # at once: the bird falls from now on
        for player, spectator in zip(players, spectators, strict=True):
            await asyncio.wait_for(player.frame.wait(), 30)
            await asyncio.wait_for(spectator.frame.wait(), 30)
        yield client, players, spectators
    finally:
        for task in readers:
            task.cancel()
        for socket in [p.ws for p in players] + [s.ws for s in spectators]:
            await socket.close()
        await client.close()


async def readyz(http: httpx.AsyncClient, path: str) -> tuple[int, float]:
    started = time.monotonic()
    status = (await http.get(path)).status_code
    return status, time.monotonic() - started


async def until_ready(http: httpx.AsyncClient, want: int, timeout: float, path: str = "/readyz") -> float:
    """Seconds until ``path`` (the edge's /readyz, or the worker's) answers ``want``; every
    answer came within the bound."""
    started = time.monotonic()
    while True:
        status, took = await readyz(http, path)
        assert took < READYZ_BOUND_S, f"/readyz took {took:.2f} s"
        if status == want:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"{path} never answered {want}"
        await asyncio.sleep(0.2)  # polling an HTTP status: there is no event to await


async def through_outage(
    stack: Stack, worker: Worker, edge: Edge, broker: Broker, away: signal.Signals, back
) -> dict[str, float]:
    """Live play through one outage; returns the figures."""
    figures: dict[str, float] = {}
    async with (
        live_play(edge) as (client, players, spectators),
        httpx.AsyncClient(base_url=edge.url, timeout=60) as http,
    ):
        clocks = children(worker.process.pid)
        meter_pids = {"edge": edge.process.pid, "worker": worker.process.pid}
        meter_pids |= {f"worker child {pid}": pid for pid in clocks}
        broker.signal(away)
        try:
            gone = time.monotonic()

            started = time.monotonic()
            refused = await http.post(
                f"/api/games/{GAME}/sessions",
                json={"mode": "api"},
                headers={"Authorization": f"Bearer {client.api_key}"},
            )
            figures["time to 503 (s)"] = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            assert refused.json()["code"] == "KAFKA_UNAVAILABLE"
            assert int(refused.headers["Retry-After"]) >= 1
            assert figures["time to 503 (s)"] < KAFKA_WAIT_S + 5

            figures["time to not ready (s)"] = await until_ready(http, 503, 30)
            figures["worker: time to not ready (s)"] = await until_ready(http, 503, 30, f"{worker.url}/readyz/")
            meter = CpuMeter(meter_pids)  # from here the processes have noticed
            for player in players:
                player.steering = False
            await asyncio.gather(*(player.flap_through_outage() for player in players))
            await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - gone)))  # the outage's length itself
            cores = meter.cores()
            figures |= {f"cpu {name} (cores)": value for name, value in cores.items()}
            closed = [(s.ws.close_code, s.last_tick, s.end) for s in spectators if s.closed.is_set()]
            assert not closed, f"spectators' sockets closed during the outage: {closed}"
            ticks = {id(s): s.last_tick for s in spectators}
        finally:  # the broker comes back whatever failed
            await asyncio.to_thread(back)
        returned = time.monotonic()
        figures["time to ready (s)"] = await until_ready(http, 200, RECOVERY_TIMEOUT_S)
        figures["worker: time to ready (s)"] = await until_ready(http, 200, RECOVERY_TIMEOUT_S, f"{worker.url}/readyz/")
        await asyncio.wait_for(
            asyncio.gather(*(s.next_frame_after(ticks[id(s)]) for s in spectators)), RECOVERY_TIMEOUT_S
        )
        figures["time to frames on the same sockets (s)"] = time.monotonic() - returned
        created = await client.create_session(GAME)  # writes are taken again
        assert created["status"] in ("waiting", "live")
        for name, value in cores.items():  # asserted after recovery, so a failure leaves the stack whole
            assert value < CPU_BOUND, f"{name} used {value:.1%} of a core while the broker was away"

        # The players let their birds fall: every run ends, on the same sockets.
        await asyncio.wait_for(asyncio.gather(*(player.ended.wait() for player in players)), RECOVERY_TIMEOUT_S)
        for player in players:
            results, commands, _ = await run_records(stack, player.session_id)
            logged = {c.value.body.inputSeq for c in commands if type(c.value.body) is InputReceived}
            acknowledged = set(range(1, player.applied + 1)) | player.given
            assert acknowledged <= logged, f"acknowledged inputs missing: {sorted(acknowledged - logged)}"
            assert results[0].value["ticks"] > 0
    done = await asyncio.to_thread(molt, stack, "replay", "--all")
    assert done.returncode == 0, done.stdout + done.stderr
    return figures


def report(what: str, figures: dict[str, float]) -> None:
    print(f"\n{what}:")
    for name, value in figures.items():
        print(f"  {name}: {value:.3f}")


def start_edge(stack: Stack, name: str) -> Edge:
    return stack.start_edge(name, {"MOLT_EDGE_KAFKA_WAIT_S": str(KAFKA_WAIT_S)})


async def stops_in_time(worker: Worker, edge: Edge, broker: Broker, figures: dict[str, float]) -> None:
    """Asked to stop while the broker is gone, the worker and the edge are gone within the bound."""
    broker.signal(signal.SIGKILL)
    try:
        for name, process in (("worker", worker.process), ("edge", edge.process)):
            started = time.monotonic()
            process.stop(timeout=60)
            figures[f"{name} stop with the broker gone (s)"] = time.monotonic() - started
    finally:
        await asyncio.to_thread(broker.kafka.start)  # as the fixture found it
    assert figures["worker stop with the broker gone (s)"] < STOP_BOUND_S
    assert figures["edge stop with the broker gone (s)"] < STOP_BOUND_S


async def test_a_broker_paused_30_s_during_live_play_then_gone_at_stop(outage_stack: Stack, broker: Broker) -> None:
    edge = start_edge(outage_stack, "edge-paused")
    worker = outage_stack.workers[0]
    figures = await through_outage(
        outage_stack, worker, edge, broker, signal.SIGSTOP, lambda: broker.signal(signal.SIGCONT)
    )
    try:
        await stops_in_time(worker, edge, broker, figures)
    finally:
        report("broker paused 30 s", figures)


async def test_a_broker_killed_and_restarted_during_live_play(outage_stack: Stack, broker: Broker) -> None:
    edge = start_edge(outage_stack, "edge-killed")
    figures = await through_outage(
        outage_stack, outage_stack.workers[0], edge, broker, signal.SIGKILL, broker.kafka.start
    )
    report("broker killed -9 and restarted", figures)
