"""uvicorn's WebSocket protocol, handing each socket's transport to the fan-out (``app.ws.wire``).

Kept apart from ``app.ws.wire`` so that reading frames (``app.ws.fanout``, the benchmarks)
does not import uvicorn.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.ws.wire import WIRE_EXTENSION, FrameWire


class WireWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, with a ``FrameWire`` in each socket's scope."""

    async def run_asgi(self) -> None:
        extensions: dict[str, Any] = self.scope["extensions"]
        extensions[WIRE_EXTENSION] = FrameWire(self)
        await super().run_asgi()
