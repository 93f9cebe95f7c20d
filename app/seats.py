"""The edge's side of spectator seats: ask the session's owner, await its answer.

The edge never decides a seat: it appends ``SeatRequested`` (a token is asked for) or
``SeatOccupied`` (a socket authenticated with a seat's token) to the session's log and
waits for the ``SeatDecision`` the owning worker publishes on the reply topic, keyed by
request id. Every edge follows that topic, so an answer reaches the edge that asked
whichever worker gave it. Every decision also feeds this edge's count of each client
address's seats (``app.clientseats``) and ``on_decision`` (the sockets a newer one
replaced are closed from it), so every edge keeps both from the same log.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka.structs import ConsumerRecord
from starlette.requests import HTTPConnection

from app.clientaddress import ClientAddresses
from app.clientseats import ClientSeats
from app.topicfollower import TopicFollower
from schemas.codec import Codec
from schemas.records import Flow, SeatOccupied, SeatRequested
from schemas.views import SeatDecision

SendCommand = Callable[[str, int, object], Awaitable[None]]


class SeatTimeout(Exception):
    """No owner answered in time (no worker running, or a rebalance under way)."""


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks for a seat: the viewer, its client address, and the seats that address
    holds in other sessions (``app.clientseats``)."""

    viewer_id: str
    client_key: str
    seats_elsewhere: int

    @property
    def flow(self) -> Flow:
        # Anonymous viewer ids are the public flow's; the others are wallets.
        return "public" if self.viewer_id.startswith("anon_") else "authenticated"


class SeatBroker:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partitions: int,
        codec: Codec,
        addresses: ClientAddresses,
        on_decision: Callable[[SeatDecision], None],
    ) -> None:
        self._codec = codec
        self.addresses = addresses
        self.client_seats = ClientSeats()
        self._on_any = on_decision
        self._waiting: dict[str, asyncio.Future] = {}
        self.follower = TopicFollower(bootstrap, topic, partitions, self._on_decision)

    def asker(self, connection: HTTPConnection, viewer_id: str, session_id: str) -> Asker:
        """The viewer asking over ``connection`` (a request or a socket), for a seat in ``session_id``."""
        client_key = self.addresses.of(connection)
        return Asker(viewer_id, client_key, self.client_seats.elsewhere(client_key, session_id))

    def held(self) -> dict[str, int]:
        """Seat requests awaiting their decision, and client addresses holding seats."""
        return {"seats.waiting": len(self._waiting), "seats.clients": len(self.client_seats)}

    def _on_decision(self, record: ConsumerRecord) -> None:
        decision = SeatDecision.from_datum(self._codec.decode("SeatDecision", record.value))
        self.client_seats.on_decision(decision)
        self._on_any(decision)
        future = self._waiting.get(decision.requestId)
        if future is not None and not future.done():
            future.set_result(decision)

    async def request(
        self,
        send_command: SendCommand,
        session_id: str,
        engine_version: int,
        asker: Asker,
        timeout: float,
    ) -> SeatDecision:
        """Ask for a seat for a token; returns the owner's decision."""
        request_id = "req_" + secrets.token_hex(10)
        body = SeatRequested(request_id, asker.viewer_id, asker.flow, asker.client_key, asker.seats_elsewhere)
        return await self._ask(send_command, session_id, engine_version, request_id, body, timeout)

    async def occupy(
        self,
        send_command: SendCommand,
        session_id: str,
        engine_version: int,
        lease_id: str,
        connection_id: str,
        asker: Asker,
        timeout: float,
    ) -> SeatDecision:
        """Ask to seat a socket on its token's seat (or re-seat its viewer); returns the decision."""
        request_id = "occ_" + secrets.token_hex(10)
        body = SeatOccupied(
            lease_id, connection_id, request_id, asker.viewer_id, asker.flow, asker.client_key, asker.seats_elsewhere
        )
        return await self._ask(send_command, session_id, engine_version, request_id, body, timeout)

    async def _ask(
        self,
        send_command: SendCommand,
        session_id: str,
        engine_version: int,
        request_id: str,
        body: SeatRequested | SeatOccupied,
        timeout: float,
    ) -> SeatDecision:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            await send_command(session_id, engine_version, body)
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise SeatTimeout(f"no seat decision for {session_id} within {timeout:.0f}s") from None
        finally:
            del self._waiting[request_id]
