"""Run the web app under uvicorn (the ASGI server), with proxy headers trusted only from known proxies."""

from __future__ import annotations

from typing import Any

import uvicorn

from bot.channels.web.config import WebConfig


def run_web(app: Any, host: str, port: int, *, forwarded_allow_ips: str, config: WebConfig) -> None:
    """Serve until SIGINT/SIGTERM. X-Forwarded-For/-Proto are believed only from `forwarded_allow_ips`
    (the reverse proxy), so per-IP limits see visitors' addresses, not the proxy's. WebSocket frames larger
    than `config.max_frame_bytes` close the connection before they are parsed."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        ws_max_size=config.max_frame_bytes,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        log_config=None,  # the process's logging (bot.ops.logs) applies
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
