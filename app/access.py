"""The wallet access session on a request: the cookie that carries it, and who the caller is.

A browser holds its access token in the HttpOnly ``molt_access`` cookie; other clients
send it as ``Authorization: Bearer <accessToken>``. ``optional_wallet`` never fails:
an absent, expired or forged access token means "no wallet", and the route that needs
one answers 401 through ``required_wallet``. An agent's API key (``molt_...``) in the
bearer slot is not a wallet either, whatever cookie comes with it.

Reads the edge's ``TokenIssuer`` from ``app.state.tokens``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from app.errors import unauthenticated
from app.identity import API_KEY_PREFIX
from app.tokens import IssuedToken, TokenError, TokenIssuer
from infra.settings import EdgeSettings

COOKIE = "molt_access"


def set_access_cookie(response: Response, issued: IssuedToken, settings: EdgeSettings) -> None:
    response.set_cookie(
        COOKIE,
        issued.token,
        max_age=issued.expires_in,
        path="/",
        httponly=True,
        samesite="lax",
        # Plain-HTTP localhost development would otherwise never send the cookie back.
        secure=not settings.development,
    )


def _address(tokens: TokenIssuer, token: str) -> str | None:
    try:
        return tokens.verify_access(token)
    except TokenError:
        return None


async def optional_wallet(request: Request) -> str | None:
    """The checksummed address of the caller's access session, if it has a valid one.

    ``async`` so FastAPI calls it on the loop, not in its thread pool (see ``app.deps``).
    """
    tokens: TokenIssuer = request.app.state.tokens
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        if credential.startswith(API_KEY_PREFIX):
            return None
        address = _address(tokens, credential)
        if address is not None:
            return address
    cookie = request.cookies.get(COOKIE)
    return _address(tokens, cookie) if cookie else None


async def required_wallet(address: Annotated[str | None, Depends(optional_wallet)]) -> str:
    if address is None:
        raise unauthenticated("a wallet access session is required; sign in with your wallet")
    return address
