"""Building command logs for fold tests: a tiny log writer with offsets and a clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.records import CommandBody, SessionCommand, SessionOpened, Tick
from streams.sessions.fold import Effects
from streams.sessions.partition import PartitionFold

PERIOD_MS = 33


@dataclass
class Log:
    """An in-memory partition log; ``now_ms`` advances one tick period per tick."""

    partition: int = 0
    now_ms: int = 1_000_000
    tick_no: int = 10_000
    records: list[tuple[int, SessionCommand]] = field(default_factory=list)
    seq: dict[str, int] = field(default_factory=dict)

    def add(self, session_id: str, body: CommandBody, producer: str = "edge-a") -> tuple[int, SessionCommand]:
        key = f"{producer}/{session_id}"
        self.seq[key] = self.seq.get(key, 0) + 1
        command = SessionCommand(session_id, 1, producer, self.seq[key], self.now_ms, body)
        self.records.append((len(self.records), command))
        return self.records[-1]

    def tick(self) -> tuple[int, SessionCommand]:
        self.tick_no += 1
        self.now_ms += PERIOD_MS
        return self.add("", Tick(self.partition, self.tick_no, self.now_ms * 1000), producer="worker")

    def wait_ms(self, ms: int) -> None:
        self.now_ms += ms


def opened(
    game: str = "flappy-bots", mode: str = "api", seed: int = 7, spectators_max: int = 3, **policy: int
) -> SessionOpened:
    return SessionOpened(game, mode, seed, "agt_1", "bot", spectators_max, **policy)


@dataclass
class Folder:
    """A PartitionFold fed record by record, with everything it asked to publish."""

    fold: PartitionFold = field(default_factory=lambda: PartitionFold(0))
    effects: Effects = field(default_factory=Effects)

    def feed(self, *records: tuple[int, SessionCommand]) -> Folder:
        for offset, command in records:
            self.fold.apply(command, offset, self.effects)
        return self

    def decisions(self) -> list[dict]:
        return self.effects.decisions
