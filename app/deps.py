"""Request dependencies, as ``Annotated`` aliases the routes declare.

Every dependency is ``async def`` though none awaits: FastAPI runs a plain ``def``
dependency in its thread pool, a hand-off to another thread and back for each one,
on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from app.access import optional_wallet, required_wallet
from app.bus import EdgeBus
from app.errors import game_not_found, unauthenticated
from app.identity import API_KEY_PREFIX, Agent, AgentDirectory
from app.quotas import Quotas
from app.tokens import TokenIssuer
from app.ws.fanout import Fanout
from infra.settings import EdgeSettings
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES


async def _bus(request: Request) -> EdgeBus:
    return request.app.state.bus


async def _fanout(request: Request) -> Fanout:
    return request.app.state.fanout


async def _settings(request: Request) -> EdgeSettings:
    return request.app.state.settings


async def _directory(request: Request) -> AgentDirectory:
    return request.app.state.agents


async def _engine(slug: str) -> GameEngine:
    engine = ENGINES.get(slug)
    if engine is None:
        raise game_not_found(slug)
    return engine


async def _tokens(request: Request) -> TokenIssuer:
    return request.app.state.tokens


async def _quotas(request: Request) -> Quotas:
    return request.app.state.quotas


async def _principal(
    directory: Annotated[AgentDirectory, Depends(_directory)],
    wallet: Annotated[str | None, Depends(optional_wallet)],
    settings: Annotated[EdgeSettings, Depends(_settings)],
    authorization: Annotated[str | None, Header()] = None,
) -> Agent:
    """The caller: an agent by API key, or a person by wallet access session."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.lower() == "bearer" and key.startswith(API_KEY_PREFIX):
        agent = directory.lookup(key)
        if agent is None and await directory.caught_up(settings.view_wait_s):
            # The key may have been registered on another edge a moment ago.
            agent = directory.lookup(key)
        if agent is None:
            raise unauthenticated("unknown API key")
        return agent
    if wallet is not None:
        return Agent(agent_id=wallet, name=f"{wallet[:6]}…{wallet[-4:]}")
    raise unauthenticated()


Bus = Annotated[EdgeBus, Depends(_bus)]
Frames = Annotated[Fanout, Depends(_fanout)]
Settings = Annotated[EdgeSettings, Depends(_settings)]
Directory = Annotated[AgentDirectory, Depends(_directory)]
Engine = Annotated[GameEngine, Depends(_engine)]
Principal = Annotated[Agent, Depends(_principal)]
Tokens = Annotated[TokenIssuer, Depends(_tokens)]
Quota = Annotated[Quotas, Depends(_quotas)]
Wallet = Annotated[str, Depends(required_wallet)]
