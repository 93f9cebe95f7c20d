"""HTTP request bodies capped before they are read: 413 ``BODY_TOO_LARGE``.

A declared ``Content-Length`` over the cap is answered at once, nothing of the body read.
A body without one (chunked) is counted as it arrives; the chunk that passes the cap
raises the 413 as an ``HTTPException`` from ``receive``, which FastAPI lets through its
body parsing and ``app.errors`` renders. Nothing past the cap is ever buffered.

A plain ASGI middleware that only wraps ``receive``.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CODE = "BODY_TOO_LARGE"


def _too_large(max_bytes: int) -> str:
    return f"the request body must be at most {max_bytes} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse({"code": CODE, "message": _too_large(self.max_bytes)}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, _too_large(self.max_bytes))
            return message

        await self.app(scope, counted, send)
