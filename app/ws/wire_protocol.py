"""uvicorn's WebSocket protocol, handing each socket's transport to the fan-out (``app.ws.wire``),
with permessage-deflate for the fan-out's shared streams (``app.ws.deflate``).

Kept apart from ``app.ws.wire`` so that reading frames (``app.ws.fanout``, the benchmarks)
does not import uvicorn.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.server import ServerProtocol

from app.ws.deflate import SharedStreamDeflateFactory
from app.ws.wire import WIRE_EXTENSION, FrameWire


class WireWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, with a ``FrameWire`` in each socket's scope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.ws_per_message_deflate:
            # The same negotiation as uvicorn's, but no compressor per socket: see app.ws.deflate.
            self.conn = ServerProtocol(
                extensions=[SharedStreamDeflateFactory()], max_size=self.config.ws_max_size, logger=self.conn.logger
            )

    async def run_asgi(self) -> None:
        extensions: dict[str, Any] = self.scope["extensions"]
        extensions[WIRE_EXTENSION] = FrameWire(self)
        await super().run_asgi()
