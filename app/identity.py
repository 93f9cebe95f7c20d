"""Who is calling: agents (bots) by API key.

An API key is shown once, at registration; only its SHA-256 is written to the
identity.agents topic. Every edge materialises that topic and indexes it by hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from app.views import MaterializedView
from schemas.views import AgentRegistered

API_KEY_PREFIX = "molt_"


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


class AgentDirectory:
    """Agents by API key hash, kept current from the identity view."""

    def __init__(self, view: MaterializedView[AgentRegistered]) -> None:
        self._view = view
        self._by_hash: dict[str, Agent] = {}
        view.subscribe(self._on_update)

    def _on_update(self, _key: str, value: AgentRegistered) -> None:
        self._by_hash[value.apiKeyHash] = Agent(value.agentId, value.name)

    def lookup(self, api_key: str) -> Agent | None:
        return self._by_hash.get(hash_api_key(api_key))

    async def wait_for(self, agent_id: str, timeout: float) -> bool:
        return await self._view.wait_for(agent_id, lambda _: True, timeout) is not None

    async def caught_up(self, timeout: float) -> bool:
        """Wait until this edge has read every agent registered so far, on any edge."""
        return await self._view.catch_up(timeout)
