"""Wallet sign-in (Sign-In with Ethereum): ``POST /api/auth/wallet/nonce`` and ``/verify``.

``/nonce`` hands out the exact message to sign; ``/verify`` checks the signed message
(``app.wallet.verify``), uses its nonce up (``app.nonceclaims``: once, across every edge)
and opens an access session: the access token in the body and in the HttpOnly cookie.
Either call may reach any edge. Collaborators come from ``app.state``: ``tokens``
(TokenIssuer), ``nonces`` (SignedNonces), ``nonce_claims`` (NonceClaims) and ``settings``.

Status of each wallet error code: a malformed request is 422; a well-formed sign-in
that is refused is 401, because the answer to all of them is to sign in again.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.access import set_access_cookie
from app.deps import Quota, Settings
from app.errors import INVALID, ApiError, documented, unavailable
from app.nonceclaims import NonceClaims
from app.nonces import SignedNonces
from app.timestamps import iso
from app.tokens import TokenIssuer
from app.wallet import (
    ADDRESS_PATTERN,
    MESSAGE_PATTERN,
    SIGNATURE_PATTERN,
    WalletError,
    build_message,
    checksum_address,
    verify,
)

router = APIRouter(prefix="/api/auth/wallet", tags=["auth"])

WALLET_ERROR_STATUS = {
    "INVALID_REQUEST": 422,
    "DOMAIN_MISMATCH": 401,
    "SIGNATURE_INVALID": 401,
    "NONCE_INVALID": 401,
    "NONCE_EXPIRED": 401,
}
# The server's message is well under 1 KiB; the bound keeps parsing cheap.
MAX_MESSAGE_CHARS = 2048


# The schema states every shape the server checks (app.wallet): a body of these shapes is
# answered 200 or 401, never 422.
class NonceRequest(BaseModel):
    address: str = Field(pattern=ADDRESS_PATTERN, description="0x and 40 hex digits, in any case")


class NonceIssued(BaseModel):
    message: str
    nonce: str
    expiresAt: str


class VerifyRequest(BaseModel):
    message: str = Field(
        max_length=MAX_MESSAGE_CHARS, pattern=MESSAGE_PATTERN, description="the message nonce gave, unchanged"
    )
    signature: str = Field(pattern=SIGNATURE_PATTERN, description="its EIP-191 signature: 0x and 130 hex digits")


class AccessGranted(BaseModel):
    accessToken: str
    address: str
    expiresAt: str


def _api_error(err: WalletError) -> ApiError:
    return ApiError(WALLET_ERROR_STATUS[err.code], err.code, err.message)


SIGN_INS_LIMITED = "RATE_LIMITED, with Retry-After: too many sign-in calls from this client address"


@router.post("/nonce", response_model=NonceIssued, responses=documented(_422=INVALID, _429=SIGN_INS_LIMITED))
async def issue_nonce(body: NonceRequest, request: Request, settings: Settings, quotas: Quota) -> NonceIssued:
    quotas.spend_by_client(quotas.sign_ins, request, "sign-in calls")
    nonces: SignedNonces = request.app.state.nonces
    try:
        address = checksum_address(body.address)
    except WalletError as err:
        raise _api_error(err) from None
    nonce = nonces.issue(address, time.time())
    message = build_message(
        settings.siwe_domain,
        settings.siwe_uri,
        settings.siwe_chain_id,
        address,
        nonce.value,
        nonce.issued_at,
        nonce.expires_at,
    )
    return NonceIssued(message=message, nonce=nonce.value, expiresAt=iso(nonce.expires_at))


@router.post(
    "/verify",
    response_model=AccessGranted,
    responses={
        **documented(
            _401="DOMAIN_MISMATCH, SIGNATURE_INVALID, NONCE_INVALID (not issued with this message, or used) "
            "or NONCE_EXPIRED",
            _422=INVALID,
            _429=SIGN_INS_LIMITED,
        ),
        **unavailable(),
    },
)
async def verify_signature(
    body: VerifyRequest, request: Request, response: Response, settings: Settings, quotas: Quota
) -> AccessGranted:
    quotas.spend_by_client(quotas.sign_ins, request, "sign-in calls")
    nonces: SignedNonces = request.app.state.nonces
    claims: NonceClaims = request.app.state.nonce_claims
    tokens: TokenIssuer = request.app.state.tokens
    now = time.time()
    try:
        signed = verify(body.message, body.signature, nonces, settings, now)
    except WalletError as err:
        raise _api_error(err) from None
    first = await claims.claim(signed.nonce, signed.expiration)  # KafkaUnavailable: a 503
    if not first:
        raise ApiError(401, "NONCE_INVALID", "this nonce was already used to sign in; request a new one")
    issued = tokens.issue_access(signed.address, settings.access_session_ttl_s, now)
    set_access_cookie(response, issued, settings)
    return AccessGranted(accessToken=issued.token, address=signed.address, expiresAt=issued.expires_at)
