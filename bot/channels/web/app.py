"""The ASGI app of `xiaoer web`: the demo page, the widget's assets, its WebSocket, and the console.

GET  /                  a demo shop page embedding the widget (one <script> line, like any site)
GET  /widget.js         the widget (plain JS, no build step); /widget.css its style
GET  /widget/config     the widget's UI strings in the visitor's language (CORS: allowed origins)
WS   /ws                the widget's socket (origin-checked, a few per address; see `bot.channels.web.widget`)
GET  /healthz           liveness
/console/…              the staff console (`bot.channels.web.console`), when accounts are configured
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bot.channels.web.config import WebConfig
from bot.channels.web.hub import WebHub
from bot.channels.web.security import SecurityHeaders, SocketQuota, origin_allowed, own_origin
from bot.channels.web.widget import WidgetEndpoint
from bot.domain.language import normalise_hint
from bot.prompts import Messages

log = logging.getLogger(__name__)
UI_KEYS = (
    "web_ui_title",
    "web_ui_open",
    "web_ui_close",
    "web_ui_placeholder",
    "web_ui_send",
    "web_ui_human",
    "web_ui_greeting",
    "web_ui_offline",
    "web_ui_typing",
    "web_ui_agent",
)
_STATIC = resources.files("bot.channels.web") / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _asset(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


def build_web_app(
    endpoint: WidgetEndpoint,
    hub: WebHub,
    config: WebConfig,
    strings: Messages,
    console: Any | None = None,
    periodic: Sequence[tuple[float, Callable[[], Awaitable[None]]]] = (),
) -> FastAPI:
    """The app; `console` is an APIRouter from `bot.channels.web.console` (None = no console);
    `periodic` jobs (every N seconds, e.g. the handoff timeout sweep) run for the app's lifetime."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(hub.poll_forever())]
        tasks += [loop.create_task(_every(seconds, job)) for seconds, job in periodic]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        max_body_size=config.max_body_bytes,  # 413 before a parser buffers more (uploads set their own)
    )
    app.add_middleware(
        CORSMiddleware, allow_origins=list(config.origins), allow_methods=["GET"], allow_credentials=False
    )
    app.add_middleware(SecurityHeaders)
    assets = {name: _asset(name) for name in ("widget.js", "widget.css", "index.html", "favicon.svg")}

    @app.get("/", response_class=HTMLResponse)
    async def demo_page() -> Response:
        return HTMLResponse(assets["index.html"])

    @app.get("/widget.js")
    async def widget_js() -> Response:
        return Response(
            assets["widget.js"], media_type=_TYPES[".js"], headers={"Cache-Control": "max-age=300"}
        )

    @app.get("/widget.css")
    async def widget_css() -> Response:
        return Response(
            assets["widget.css"], media_type=_TYPES[".css"], headers={"Cache-Control": "max-age=300"}
        )

    @app.get("/favicon.svg")
    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(assets["favicon.svg"], media_type="image/svg+xml")

    @app.get("/widget/config")
    async def widget_config(lang: str = Query("zh", max_length=16)) -> Response:
        language = normalise_hint(lang)
        ui = {key.removeprefix("web_ui_"): strings.get(key, language) for key in UI_KEYS}
        return JSONResponse({"lang": language, "strings": ui, "max_chars": config.max_chars})

    @app.get("/healthz")
    async def healthz() -> Response:
        return JSONResponse({"ok": True})

    quota = SocketQuota(config.ip_sockets)

    @app.websocket("/ws")
    async def widget_socket(websocket: WebSocket) -> None:
        host = websocket.headers.get("host", "")
        origin = websocket.headers.get("origin")
        if not origin_allowed(origin, own_origin(websocket.url.scheme, host), config.origins):
            log.info("refused a widget socket from origin %r", origin)
            await websocket.close(code=1008)
            return
        client_ip = websocket.client.host if websocket.client else "unknown"
        if not quota.acquire(client_ip):
            log.info("refused a widget socket: %s already holds %d", client_ip, config.ip_sockets)
            await websocket.close(code=1008)
            return
        try:
            await websocket.accept()
            lock = asyncio.Lock()

            async def send(frame: dict[str, Any]) -> None:
                async with lock:
                    await websocket.send_json(frame)

            with contextlib.suppress(WebSocketDisconnect, TimeoutError, RuntimeError):
                await endpoint.serve(websocket.receive_text, send, client_ip)
            with contextlib.suppress(RuntimeError):
                await websocket.close()
        finally:
            quota.release(client_ip)

    if console is not None:
        app.include_router(console, prefix="/console")
    return app


async def _every(seconds: float, job: Callable[[], Awaitable[None]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:  # a periodic job must not die with one failure (the database may be restarting)
            log.exception("periodic job %r failed", job)
