"""The edge's side of spectator seats: ask the session's owner, await its answer.

The edge never decides capacity: it appends ``SeatRequested`` to the session's log and
waits for the ``SeatDecision`` the owning worker publishes on the reply topic (keyed by
request id). Every edge follows that topic, so an answer reaches the edge that asked
whichever worker gave it.
"""

from __future__ import annotations

import asyncio
import secrets

from app.topicfollower import TopicFollower
from schemas.codec import Codec
from schemas.records import Flow, SeatRequested
from schemas.views import SeatDecision


class SeatTimeout(Exception):
    """No owner answered in time (no worker running, or a rebalance under way)."""


class SeatBroker:
    def __init__(self, bootstrap: str, topic: str, partitions: int, codec: Codec) -> None:
        self._codec = codec
        self._waiting: dict[str, asyncio.Future] = {}
        self.follower = TopicFollower(bootstrap, topic, partitions, self._on_decision)

    def _on_decision(self, value: bytes) -> None:
        decision = SeatDecision.from_datum(self._codec.decode("SeatDecision", value))
        future = self._waiting.get(decision.requestId)
        if future is not None and not future.done():
            future.set_result(decision)

    async def request(
        self, send_command, session_id: str, engine_version: int, viewer_id: str, flow: Flow, timeout: float
    ) -> SeatDecision:
        """Ask for a seat; returns the owner's decision."""
        request_id = "req_" + secrets.token_hex(10)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            await send_command(session_id, engine_version, SeatRequested(request_id, viewer_id, flow))
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise SeatTimeout(f"no seat decision for {session_id} within {timeout:.0f}s") from None
        finally:
            del self._waiting[request_id]
