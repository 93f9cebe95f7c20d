"""The security headers on every HTTP response of the edge.

The page's scripts and styles are files under ``/static`` (no inline script or style,
no eval), so the Content-Security-Policy allows only this origin; the sockets are
same-origin too (``connect-src 'self'`` covers ws: and wss: of this host). The API's
JSON carries the same policy: it costs nothing and keeps any response from being framed
or from running anything. FastAPI's interactive docs (``/docs``, ``/redoc``) load their
code from a CDN with an inline bootstrap script: they get every header but the policy.
HSTS is sent outside development only (a development edge serves plain HTTP).

A plain ASGI middleware that only adds headers to ``http.response.start``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, development: bool) -> None:
        self.app = app
        self.headers = dict(COMMON) if development else {**COMMON, "Strict-Transport-Security": HSTS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_policy = not scope["path"].startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(self.headers)
                if with_policy:
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)
