"""The ops HTTP endpoint: /metrics (Prometheus), /healthz (alive) and /readyz (dependencies reachable).

Why tornado: it is already in the image (python-telegram-bot's webhook server runs on it) and it serves
on the bot's own asyncio loop, so readiness checks are plain coroutines. It listens on its own port
(`XIAOER_METRICS_PORT`), separate from the webhook, so the reverse proxy never exposes it to Telegram.
"""

from __future__ import annotations

import json
import socket

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.ops import metrics
from bot.ops.health import HealthChecks, liveness


class _MetricsHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        body, content_type = metrics.render()
        self.set_header("Content-Type", content_type)
        self.write(body)


class _HealthzHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(liveness()))


class _ReadyzHandler(tornado.web.RequestHandler):
    def initialize(self, checks: HealthChecks) -> None:
        self.checks = checks

    async def get(self) -> None:
        ready, body = await self.checks.readiness()
        self.set_status(200 if ready else 503)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(body, ensure_ascii=False))


class OpsServer:
    """`server = OpsServer(checks, port=9090); await server.start(); … await server.stop()` on the bot's loop."""

    def __init__(self, checks: HealthChecks, *, host: str = "127.0.0.1", port: int = 9090) -> None:
        self.checks = checks
        self.host = host
        self.port = port
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self) -> int:
        """Bind and serve; returns the bound port (useful with port 0)."""
        app = tornado.web.Application(
            [
                (r"/metrics", _MetricsHandler),
                (r"/healthz", _HealthzHandler),
                (r"/readyz", _ReadyzHandler, {"checks": self.checks}),
            ]
        )
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sockets = tornado.netutil.bind_sockets(self.port, address=self.host, family=family)
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
