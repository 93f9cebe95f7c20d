"""A small file naming a running local instance: its pid, when it started, where it listens.

The local broker's pid file and ``molt up``'s lock file hold one, so a second start can
say exactly what already runs instead of starting over it. A record is a claim, not a
proof: whoever reads it checks that the pid still runs (and is what it says) before
trusting it. An unreadable or half-written file reads as no record.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class InstanceRecord:
    pid: int
    addresses: dict[str, str]  # what it listens on, by name: {"kafka": "127.0.0.1:9092", ...}
    started_at: float = field(default_factory=time.time)  # Unix time

    def describe(self) -> str:
        """One line, e.g. ``pid 42 since 2025-01-31 12:00:05 (kafka 127.0.0.1:9092, ...)``."""
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started_at))
        where = ", ".join(f"{name} {address}" for name, address in self.addresses.items())
        return f"pid {self.pid} since {since} ({where})"

    def dumps(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @classmethod
    def loads(cls, text: str) -> InstanceRecord | None:
        try:
            fields = json.loads(text)
            return cls(int(fields["pid"]), dict(fields["addresses"]), float(fields["started_at"]))
        except (ValueError, KeyError, TypeError):
            return None

    @classmethod
    def read(cls, path: Path) -> InstanceRecord | None:
        try:
            return cls.loads(path.read_text())
        except FileNotFoundError:
            return None
