"""Single use of a sign-in nonce across every edge, decided by the log.

To use a nonce an edge appends ``NonceClaimed`` (nonce, a fresh claim id, the nonce's
expiry) to identity.nonce-claims, keyed by the nonce, and reads the topic back. Every
claim of one nonce lands in one partition, in one order that every edge reads alike:
the first claim in that order wins, every later one loses. So when two edges verify the
same nonce at once, exactly one signs in, and no edge needs to know the others.

An edge learns the outcome of its claim when it reads that claim back: by then it has
read every earlier claim of the partition. It reads from its start minus the nonce TTL
(and a margin for clocks): a claim of any nonce still usable is at or after that point.
A nonce's first claim is remembered until no claim of it can still be waiting for its
outcome: its expiry, plus the longest a claim waits (it was made before the expiry).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiokafka.structs import ConsumerRecord

from app.kafkawait import KafkaUnavailable, retry_after
from app.topicfollower import TopicFollower
from schemas.codec import Codec
from schemas.topics import NONCE_CLAIMS
from schemas.views import NonceClaimed

# How far the clocks of edges may disagree (claims are found by their record time).
CLOCK_MARGIN_S = 60.0

Publish = Callable[[str, str, str, dict], Awaitable[None]]


class FirstClaims:
    """The first claim seen of each nonce; time is passed in."""

    def __init__(self, keep_s: float) -> None:
        self._keep_s = keep_s
        # nonce -> when it may be forgotten; in arrival order, which is close to that
        # order (one TTL for all): the sweep stops at the first one still needed.
        self._forget_at: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._forget_at)

    def first(self, claim: NonceClaimed, now: float) -> bool:
        """Whether ``claim`` is the first of its nonce; call in log order."""
        while self._forget_at and next(iter(self._forget_at.values())) <= now:
            self._forget_at.popitem(last=False)
        if claim.nonce in self._forget_at:
            return False
        forget_at = claim.expiresAtMs / 1000 + self._keep_s
        if forget_at > now:  # else nobody can be waiting on this nonce any more
            self._forget_at[claim.nonce] = forget_at
        return True


class NonceClaims:
    def __init__(
        self, bootstrap: str, partitions: int, codec: Codec, publish: Publish, ttl_s: float, wait_s: float
    ) -> None:
        self._codec = codec
        self._publish = publish
        self._wait_s = wait_s
        self._first = FirstClaims(keep_s=wait_s)
        self._waiting: dict[str, asyncio.Future[bool]] = {}
        since_ms = int((time.time() - ttl_s - CLOCK_MARGIN_S) * 1000)
        self.follower = TopicFollower(bootstrap, NONCE_CLAIMS.name, partitions, self._on_claim, since_ms)

    def _on_claim(self, record: ConsumerRecord) -> None:
        claim = NonceClaimed.from_datum(self._codec.decode(NONCE_CLAIMS.value_schema, record.value))
        won = self._first.first(claim, time.time())
        future = self._waiting.get(claim.claimId)
        if future is not None and not future.done():
            future.set_result(won)

    async def claim(self, nonce: str, expires_at: float) -> bool:
        """Use ``nonce`` up: True if this claim is its first on any edge.

        ``KafkaUnavailable`` when the claim was not acknowledged and read back within the
        wait (Kafka unreachable or slow): the outcome is unknown.
        """
        claim_id = secrets.token_hex(10)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[claim_id] = future
        datum = {"nonce": nonce, "claimId": claim_id, "expiresAtMs": int(expires_at * 1000)}
        try:
            async with asyncio.timeout(self._wait_s):
                await self._publish(NONCE_CLAIMS.name, NONCE_CLAIMS.value_schema, nonce, datum)
                return await future
        except TimeoutError:
            message = f"the claim of a nonce was not read back within {self._wait_s:.0f}s; retry later"
            raise KafkaUnavailable(message, retry_after(1)) from None
        finally:
            del self._waiting[claim_id]
