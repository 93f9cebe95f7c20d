"""``check_batch``: runs of one partition checked from the encoded records they share,
in this process or in the replay's process pool, with the same outcome in the same order."""

from __future__ import annotations

import asyncio

from infra.aio import run_on_own_loop
from molt.runcheck import check_batch, replay_pool
from schemas.codec import Codec
from schemas.records import InputReceived, PlayerConnected, SessionAbandoned, encode_command
from streams.sessions.offline import fold_session
from tests.sessions.helpers import Log, opened

GAMES = {"run-a": ("flappy-bots", "flap"), "run-b": ("shellrunners", "jump"), "run-c": ("flappy-bots", "flap")}
TICKS = 60


def shared_log() -> Log:
    """Three runs interleaved on one partition, sharing its Ticks, each quit at the end
    unless it crashed before."""
    log = Log()
    for index, (session_id, (game, _)) in enumerate(GAMES.items()):
        log.add(session_id, opened(game=game, seed=index))
        log.add(session_id, PlayerConnected("c"))
    for tick in range(1, TICKS):
        for index, (session_id, (_, action)) in enumerate(GAMES.items()):
            if tick % (index + 3) == 0:
                log.add(session_id, InputReceived(tick, action, "c"))
        log.tick()
    for session_id in GAMES:
        log.add(session_id, SessionAbandoned("quit"))
    return log


def check_in_pool(*args: object) -> list:
    async def main() -> list:
        with replay_pool() as pool:
            return await asyncio.get_running_loop().run_in_executor(pool, check_batch, *args)

    return run_on_own_loop(main())


def test_a_batch_checks_every_frame_of_every_run_here_and_in_the_pool() -> None:
    log = shared_log()
    runs = {session_id: fold_session(session_id, 0, log.records) for session_id in GAMES}
    datums = [run.results for run in runs.values()]
    assert all(len(results) == 1 for results in datums) and datums[1][0]["ticks"] == TICKS - 1
    codec = Codec()
    commands = [(offset, encode_command(codec, command)) for offset, command in log.records]
    frames = {session_id: run.frames for session_id, run in runs.items()}
    tampered = {**frames, "run-b": [*frames["run-b"]]}
    tampered["run-b"][20] = {**frames["run-b"][20], "lastInputSeq": 999}

    for checks in (check_batch(datums, commands, frames), check_in_pool(datums, commands, frames)):
        assert [c.session_id for c in checks] == list(GAMES)
        assert all(c.matched for c in checks)
        assert [c.frames_published for c in checks] == [results[0]["ticks"] for results in datums]
    for checks in (check_batch(datums, commands, tampered), check_in_pool(datums, commands, tampered)):
        assert [c.matched for c in checks] == [True, False, True]
        assert checks[1].divergence.tick == frames["run-b"][20]["seq"] == 21
