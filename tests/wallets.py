"""Signing in with a real Ethereum key, as a wallet would, for tests."""

from __future__ import annotations

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct


def sign(text: str, key: str) -> str:
    """An EIP-191 personal_sign signature of ``text``, as a wallet's provider returns it."""
    return "0x" + Account.sign_message(encode_defunct(text=text), private_key=key).signature.hex()


async def signed_nonce_message(client: httpx.AsyncClient, key: str) -> dict[str, str]:
    """The body of a verify call: the message ``client``'s edge issued for ``key``'s address, signed."""
    nonce = await client.post("/api/auth/wallet/nonce", json={"address": Account.from_key(key).address})
    assert nonce.status_code == 200, nonce.text
    message = nonce.json()["message"]
    return {"message": message, "signature": sign(message, key)}


async def wallet_access_token(client: httpx.AsyncClient, key: str) -> str:
    """Run the whole Sign-In with Ethereum flow for ``key``; returns the access token."""
    verified = await client.post("/api/auth/wallet/verify", json=await signed_nonce_message(client, key))
    assert verified.status_code == 200, verified.text
    return verified.json()["accessToken"]
