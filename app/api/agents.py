"""Agent (bot) registration: ``POST /api/agents``."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.deps import Bus, Directory, Quota, Settings
from app.errors import INVALID, ApiError, documented, unavailable
from app.identity import hash_api_key, new_api_key
from infra.appender import now_ms
from schemas.topics import IDENTITY_AGENTS

router = APIRouter(prefix="/api/agents", tags=["agents"])


class AgentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w .\-]+$")


class AgentCreated(BaseModel):
    agentId: str
    name: str
    apiKey: str


@router.post(
    "",
    status_code=201,
    response_model=AgentCreated,
    responses={
        **documented(
            _422=INVALID,
            _429="RATE_LIMITED, with Retry-After: too many registrations from this client address",
        ),
        **unavailable("VIEW_LAGGING: recorded, not yet visible on this edge"),
    },
)
async def register_agent(
    body: AgentCreate, request: Request, bus: Bus, directory: Directory, settings: Settings, quotas: Quota
) -> AgentCreated:
    quotas.spend_by_client(quotas.registrations, request, "agent registrations")
    agent_id = "agt_" + secrets.token_hex(8)
    api_key = new_api_key()
    record = {
        "agentId": agent_id,
        "name": body.name,
        "apiKeyHash": hash_api_key(api_key),
        "createdAtMs": now_ms(),
    }
    await bus.publish(IDENTITY_AGENTS.name, IDENTITY_AGENTS.value_schema, agent_id, record)
    # Read-your-writes: the key works on this edge as soon as the answer arrives.
    if not await directory.wait_for(agent_id, settings.view_wait_s):
        raise ApiError(503, "VIEW_LAGGING", "the agent was recorded but is not visible yet; retry shortly")
    return AgentCreated(agentId=agent_id, name=body.name, apiKey=api_key)
