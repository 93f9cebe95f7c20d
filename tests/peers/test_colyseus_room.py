"""The Colyseus peer's server (``peers/colyseus/src/server.js``) plays runs and refuses spectators' inputs.

A real server on a free loopback port and a real ``@colyseus/sdk`` client
(``src/probe.js``): a player flaps and sees each input reflected in the state's
``lastInputSeq``; a spectator sees the same run's patches, its input is refused, and a
second spectator finds the room full (``maxClients``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from molt.bench.colyseus import PROJECT, ColyseusServer, node

PROBE_TIMEOUT_S = 60
FLAPS = 5


def test_a_player_flaps_and_a_spectator_watches_without_playing(tmp_path: Path) -> None:
    with ColyseusServer(tmp_path / "colyseus.log") as server:
        done = subprocess.run(
            [node(), str(PROJECT / "src" / "probe.js"), server.url],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["lastInputSeq"] == FLAPS
    # One patch per tick, in order: the player saw the run advance tick by tick.
    ticks = seen["player"]
    assert len(ticks) > FLAPS and ticks == sorted(ticks) and ticks[-1] > ticks[0]
    assert len(set(ticks)) == len(ticks)
    # The spectator watched the same run, and could not play it.
    assert len(seen["spectator"]) > 1 and set(seen["spectator"]) & set(ticks)
    assert seen["spectatorError"]["code"] == "BAD_MESSAGE"
    # Colyseus locks a room once it holds maxClients.
    assert seen["fullRoom"] is not None and "locked" in seen["fullRoom"]
