"""The webhook's HTTP server on aiohttp, in place of python-telegram-bot's tornado one.

Why: every customer message enters through this request, and tornado's request machinery (routing,
handler objects, header maps, its own IOStream) was ~9 % of a replica's CPU under bench/load.py; aiohttp is
already the Bot API transport (bot/channels/telegram/transport.py) and parses HTTP in C. The behaviour is
PTB's (telegram/ext/_utils/webhookhandler.py, PTB 22.8): POST on the webhook path only; a body that is not
`application/json` or a missing/wrong `X-Telegram-Bot-Api-Secret-Token` → 403; a body that is not an update
→ 400 (Telegram does not retry a 4xx); an update the queue cannot take (e.g. the ledger's database is down)
→ 500, so Telegram delivers it again; else 200 once the update is in the queue. The raw body travels with
the update to the queue when it wants it (`put_raw`: the update ledger stores it as the update's JSON, no
re-serialisation). `AiohttpUpdater` is PTB's `Updater` with this server: `setWebhook`, polling, start/stop
and graceful shutdown (in-flight requests finish) stay PTB's.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import ssl
from pathlib import Path
from socket import socket
from typing import Any, Protocol

import orjson
from aiohttp import web
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot, Updater

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# How long a graceful shutdown waits for requests in flight (an update being written to the ledger).
SHUTDOWN_WAIT_S = 30.0


def _json_value(body: bytes, text: str) -> Any:
    """The update's JSON: orjson (a few times faster than `json.loads`), the standard library for what orjson
    refuses and it reads (NaN, a lone surrogate escape); JSONDecodeError (a ValueError) for neither."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(text)


class RawUpdateQueue(Protocol):
    """An update queue that keeps the update's JSON as received (the ledger's `LedgerUpdateQueue`)."""

    async def put_raw(self, update: Update, payload: str) -> None: ...


class WebhookServer:
    """aiohttp server for one webhook path; `serve_forever(ready)` starts it, `shutdown()` stops it after the
    requests in flight. Listens on `listen:port`, or on `unix` (a bound socket, e.g. SO_REUSEPORT, or a
    Unix socket path)."""

    def __init__(
        self,
        path: str,
        bot: Bot,
        update_queue: asyncio.Queue[object],
        *,
        secret_token: str | None = None,
        listen: str = "127.0.0.1",
        port: int = 80,
        unix: str | Path | socket | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.path = path if path.startswith("/") else f"/{path}"
        self.bot = bot
        self.queue = update_queue
        self.secret = secret_token.encode() if secret_token else None
        self.listen, self.port, self.unix, self.ssl_context = listen, port, unix, ssl_context
        self._runner: web.AppRunner | None = None

    async def serve_forever(self, ready: asyncio.Event | None = None) -> None:
        app = web.Application()
        app.router.add_post(self.path, self._post)
        if self.path != "/":
            app.router.add_post(self.path.rstrip("/") + "/", self._post)  # PTB accepts a trailing slash
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_WAIT_S)
        await runner.setup()
        site: web.BaseSite
        if isinstance(self.unix, socket):
            site = web.SockSite(runner, self.unix, ssl_context=self.ssl_context)
        elif self.unix:
            site = web.UnixSite(runner, str(self.unix), ssl_context=self.ssl_context)
        else:
            site = web.TCPSite(runner, self.listen, self.port, ssl_context=self.ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if ready is not None:
            ready.set()

    async def shutdown(self) -> None:
        """Stop listening, let the requests in flight finish (up to SHUTDOWN_WAIT_S), close."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.Response(status=403)
        if self.secret is not None:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, self.secret):
                log.debug("webhook request without the right secret token: refused")
                return web.Response(status=403, reason="Wrong or missing secret token")
        body = await request.read()
        try:
            payload = body.decode()
            update = Update.de_json(_json_value(body, payload), self.bot)
        except Exception:  # not JSON, or not an update: Telegram must not retry it
            log.error("webhook body is not a Telegram update (%d bytes): not processed", len(body))
            return web.Response(status=400, reason="Update could not be processed")
        if update is not None:
            if isinstance(self.bot, ExtBot):
                self.bot.insert_callback_data(update)
            put_raw = getattr(self.queue, "put_raw", None)
            try:
                await (put_raw(update, payload) if put_raw is not None else self.queue.put(update))
            except Exception:  # e.g. the ledger's database is away: 500, Telegram delivers it again
                log.exception("update %s could not be queued; Telegram will retry it", update.update_id)
                return web.Response(status=500)
        return web.Response(status=200)


class AiohttpUpdater(Updater):
    """PTB's `Updater` whose webhook server is `WebhookServer` (polling unchanged). Overrides PTB 22's
    private `_start_webhook`/`_stop_httpd` (same signatures since 20.x; tests/test_telegram_e2e.py runs
    the webhook end to end)."""

    __slots__ = ("_server",)

    def __init__(self, bot: Bot, update_queue: asyncio.Queue[object]) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self._server: WebhookServer | None = None

    async def _start_webhook(
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Any,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        drop_pending_updates: bool | None = None,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: str | Path | socket | None = None,
    ) -> None:
        url_path = url_path if url_path.startswith("/") else f"/{url_path}"
        ssl_context: ssl.SSLContext | None = None
        if cert is not None and key is not None:
            try:
                ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ssl_context.load_cert_chain(cert, key)
            except ssl.SSLError as exc:
                raise TelegramError("Invalid SSL Certificate") from exc
        self._server = WebhookServer(
            url_path,
            self.bot,
            self.update_queue,
            secret_token=secret_token,
            listen=listen,
            port=port,
            unix=unix,
            ssl_context=ssl_context,
        )
        if not webhook_url:
            protocol = "https" if ssl_context else "http"
            webhook_url = self._gen_webhook_url(
                protocol=protocol, listen=listen, port=port, url_path=url_path
            )
        await self._bootstrap(
            cert=Path(cert).read_bytes() if cert else None,
            max_retries=bootstrap_retries,
            drop_pending_updates=drop_pending_updates,
            webhook_url=webhook_url,
            allowed_updates=allowed_updates,
            ip_address=ip_address,
            max_connections=max_connections,
            secret_token=secret_token,
        )
        await self._server.serve_forever(ready=ready)

    async def _stop_httpd(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.shutdown()
