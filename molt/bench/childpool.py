"""Benchmark clients in OS processes of their own, each driven over a pipe.

A child runs ``target(pipe)``, which serves its commands with ``obey``: it reads
commands (tuples, the name first) and sends one answer to each; an exception sent as
the answer is raised here. ``("exit",)`` ends it, unanswered.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any


class ChildPool:
    def __init__(self, processes: int, target: Callable[[Connection], None], name: str) -> None:
        context = multiprocessing.get_context("spawn")  # no copy of the parent's event loop
        self.pipes: list[Connection] = []
        self.children: list[multiprocessing.process.BaseProcess] = []
        for n in range(processes):
            ours, theirs = context.Pipe()
            child = context.Process(target=target, args=(theirs,), name=f"{name}-{n}", daemon=True)
            child.start()
            theirs.close()
            self.pipes.append(ours)
            self.children.append(child)

    @property
    def pids(self) -> list[int]:
        return [child.pid for child in self.children if child.pid is not None]

    async def ask_each(self, command: tuple) -> list:
        """Send ``command`` to every child; their answers, in order."""
        return await self.ask_all([command] * len(self.pipes))

    async def ask_all(self, commands: list[tuple]) -> list:
        """Send the n-th command to the n-th child; their answers, in order."""
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        answers = await asyncio.gather(*(asyncio.to_thread(pipe.recv) for pipe in self.pipes))
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return answers

    async def aclose(self) -> None:
        for pipe, child in zip(self.pipes, self.children, strict=True):
            with contextlib.suppress(OSError):
                pipe.send(("exit",))
            await asyncio.to_thread(child.join, 10)
            if child.is_alive():
                child.kill()
                await asyncio.to_thread(child.join)
            pipe.close()


async def obey(pipe: Connection, handle: Callable[[str, list], Awaitable[Any]]) -> None:
    """In a child: answer each command with ``handle(name, arguments)`` until ``exit``."""
    while True:
        command, *payload = await asyncio.to_thread(pipe.recv)
        if command == "exit":
            return
        try:
            answer = await handle(command, payload)
        except Exception as exc:
            answer = exc
        pipe.send(answer)
