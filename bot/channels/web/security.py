"""The web channel's browser-facing defences: allowed origins, security headers with a strict CSP.

* Origins: the widget's WebSocket handshake (and CORS for its config request) is accepted only from the
  configured shop sites (`XIAOER_WEB_ORIGINS`) and the server's own origin (demo page, console).
* One client address holds at most `WebConfig.ip_sockets` widget sockets at a time in one process
  (`SocketQuota`), so nobody can pin the server's memory and file descriptors with idle sockets.
* Every HTTP response carries a Content-Security-Policy without 'unsafe-inline' (no inline script or
  style anywhere: the pages load /widget.js, /console/static/*), `nosniff`, no referrer to other sites, and — except for
  the widget's own assets, which other sites load — no framing.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSET_PATHS = frozenset({"/widget.js", "/widget.css"})


def own_origin(scheme: str, host: str) -> str:
    """The origin this server is reached at (ws/wss map onto http/https)."""
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return f"{scheme}://{host}".rstrip("/").lower()


def origin_allowed(origin: str | None, own: str, allowed: Iterable[str]) -> bool:
    """Browsers always send Origin on WebSocket handshakes; a missing one is refused too."""
    if not origin:
        return False
    origin = origin.rstrip("/").lower()
    return origin == own or origin in {a.lower() for a in allowed}


def content_security_policy(host: str) -> str:
    """Scripts, styles and sockets from this server only; product images from any https/http host."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' https: http: data:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


class SecurityHeaders:
    """Pure ASGI middleware (works under streaming responses) adding the headers above to HTTP responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        asset = scope.get("path") in ASSET_PATHS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                extra = [
                    (b"content-security-policy", content_security_policy(host).encode("latin-1")),
                    (b"x-content-type-options", b"nosniff"),
                    (
                        b"referrer-policy",
                        b"same-origin",
                    ),  # no-referrer would make Origin "null" on our own forms
                ]
                if asset:  # other sites load the widget's script and style
                    extra.append((b"cross-origin-resource-policy", b"cross-origin"))
                else:
                    extra.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, with_headers)


class SocketQuota:
    """Open widget sockets per client address in this process: `acquire` before accepting one (False =
    refuse it), `release` when it closes. Plain counting on the event loop thread (no awaits inside)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a socket quota needs limit >= 1")
        self.limit = limit
        self._open: dict[str, int] = {}

    def acquire(self, address: str) -> bool:
        held = self._open.get(address, 0)
        if held >= self.limit:
            return False
        self._open[address] = held + 1
        return True

    def release(self, address: str) -> None:
        held = self._open.get(address, 0) - 1
        if held > 0:
            self._open[address] = held
        else:
            self._open.pop(address, None)
