"""Request dependencies, as ``Annotated`` aliases the routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from app.bus import EdgeBus
from app.errors import game_not_found, unauthenticated
from app.identity import Agent, AgentDirectory
from molt.settings import EdgeSettings
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES


def _bus(request: Request) -> EdgeBus:
    return request.app.state.bus


def _settings(request: Request) -> EdgeSettings:
    return request.app.state.settings


def _directory(request: Request) -> AgentDirectory:
    return request.app.state.agents


def _engine(slug: str) -> GameEngine:
    engine = ENGINES.get(slug)
    if engine is None:
        raise game_not_found(slug)
    return engine


def _agent(
    directory: Annotated[AgentDirectory, Depends(_directory)],
    authorization: Annotated[str | None, Header()] = None,
) -> Agent:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise unauthenticated()
    agent = directory.lookup(key.strip())
    if agent is None:
        raise unauthenticated("unknown API key")
    return agent


Bus = Annotated[EdgeBus, Depends(_bus)]
Settings = Annotated[EdgeSettings, Depends(_settings)]
Directory = Annotated[AgentDirectory, Depends(_directory)]
Engine = Annotated[GameEngine, Depends(_engine)]
CurrentAgent = Annotated[Agent, Depends(_agent)]
