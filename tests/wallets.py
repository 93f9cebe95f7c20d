"""Signing in with a real Ethereum key, as a wallet would, for tests."""

from __future__ import annotations

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct


def sign(text: str, key: str) -> str:
    """An EIP-191 personal_sign signature of ``text``, as a wallet's provider returns it."""
    return "0x" + Account.sign_message(encode_defunct(text=text), private_key=key).signature.hex()


async def wallet_access_token(client: httpx.AsyncClient, key: str) -> str:
    """Run the whole Sign-In with Ethereum flow for ``key``; returns the access token."""
    address = Account.from_key(key).address
    nonce = await client.post("/api/auth/wallet/nonce", json={"address": address})
    assert nonce.status_code == 200, nonce.text
    message = nonce.json()["message"]
    verified = await client.post("/api/auth/wallet/verify", json={"message": message, "signature": sign(message, key)})
    assert verified.status_code == 200, verified.text
    return verified.json()["accessToken"]
