"""Benchmark clients written for Node.js, in OS processes of their own, each driven over its stdio.

The Node twin of ``molt.bench.childpool``: each child runs ``node <script>`` from the
Colyseus peer and serves its commands with ``peers/colyseus/src/obey.js``: a JSON array
a line on its stdin (the name first), one JSON answer a line on its stdout, ``{"ok":
value}`` or ``{"error": message}``, which is raised here as ``ProcessFailed``.
``("exit",)`` ends it. A child's stderr goes to a log file beside the run's other logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any, Self

from molt.bench.colyseus import PROJECT, node
from molt.processes import ProcessFailed, log_tail

# Answers carry every patch a window noted: far beyond asyncio's default line limit.
LINE_LIMIT = 1 << 30
EXIT_TIMEOUT_S = 10.0


class NodePool:
    def __init__(self, processes: int, script: str, log_dir: Path) -> None:
        self.processes = processes
        self.script = str(PROJECT / "src" / script)
        self.logs = [log_dir / f"{Path(script).stem}-{n}.log" for n in range(processes)]
        self.children: list[asyncio.subprocess.Process] = []

    async def __aenter__(self) -> Self:
        for log_path in self.logs:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("ab") as log:
                self.children.append(
                    await asyncio.create_subprocess_exec(
                        node(), self.script, cwd=PROJECT, limit=LINE_LIMIT,
                        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log,
                    )
                )  # fmt: skip
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.gather(*(self._end(child) for child in self.children))

    @property
    def pids(self) -> list[int]:
        return [child.pid for child in self.children]

    async def ask_each(self, *command: Any) -> list:
        """Send ``command`` to every child; their answers, in order."""
        return await self.ask_all([command] * len(self.children))

    async def ask_all(self, commands: list[tuple]) -> list:
        """Send the n-th command to the n-th child; their answers, in order."""
        return await asyncio.gather(*(self._ask(n, command) for n, command in enumerate(commands)))

    async def _ask(self, n: int, command: tuple) -> Any:
        child = self.children[n]
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write((json.dumps(command) + "\n").encode())
        await child.stdin.drain()
        line = await child.stdout.readline()
        if not line:
            raise ProcessFailed(f"{self.script} child {n} exited; log {self.logs[n]}:\n{log_tail(self.logs[n])}")
        answer = json.loads(line)
        if "error" in answer:
            raise ProcessFailed(f"{self.script} child {n}: {answer['error']}")
        return answer["ok"]

    async def _end(self, child: asyncio.subprocess.Process) -> None:
        assert child.stdin is not None
        with contextlib.suppress(ConnectionError):
            child.stdin.write(b'["exit"]\n')
            await child.stdin.drain()
            child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), EXIT_TIMEOUT_S)
        except TimeoutError:
            child.kill()
            await child.wait()
