"""Build and run the PTB Application: concurrency with per-chat order, command menus, polling or webhook.

`concurrent_updates` uses `PerChatUpdateProcessor`: different chats run in parallel, updates of one
chat run one after the other *including delivery* (the core's own per-chat lock covers `handle`, but
two replies could still overtake each other on the way out). PTB's `stop()` waits for every update it
accepted, so a graceful shutdown (SIGINT/SIGTERM) loses none. In both modes every update is journaled in the
update ledger before Telegram is told it arrived (polling: before the next getUpdates confirms its offset;
webhook: before the 200), and its replies in the reply journal before they are sent: after a SIGKILL the
restarted process (or another replica) answers what was in flight, and sends nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.telegram.handlers import TelegramChannel, TelegramConfig
from bot.channels.telegram.replicas import ReplicaSafety
from bot.channels.telegram.transport import AiohttpRequest
from bot.channels.telegram.webhook import AiohttpUpdater
from bot.domain.errors import XiaoerError
from bot.domain.messages import Role

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
SWEEP_EVERY_S = 30.0
# Bot API connections per process (`AiohttpRequest`, bot/channels/telegram/transport.py). 12 carry ~120
# calls/s at Telegram's ~100 ms round trip — four times the ~30 messages/s Telegram lets a bot send —, and
# a call waits (up to BOT_API_POOL_WAIT_S) rather than fails.
BOT_API_CONNECTIONS = 12
BOT_API_POOL_WAIT_S = 10.0


class TelegramStartupError(XiaoerError):
    """The bot cannot start (bad token, API unreachable); the message is one line for the operator."""


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Run updates concurrently across chats, in arrival order within a chat (self-cleaning locks)."""

    def __init__(self, max_concurrent_updates: int = 512) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, users = self._locks.get(chat.id, (asyncio.Lock(), 0))
        self._locks[chat.id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[chat.id]
            if users <= 1:
                del self._locks[chat.id]
            else:
                self._locks[chat.id] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB waits for running updates before calling this."""


class TelegramDesk:
    """`SupportDesk` for handoff: one forum topic per customer in the support group."""

    def __init__(self, bot: Bot, support_chat_id: int) -> None:
        self.bot = bot
        self.support_chat_id = support_chat_id

    async def create_topic(self, title: str) -> str | None:
        try:
            topic = await self.bot.create_forum_topic(self.support_chat_id, name=title[:128] or "?")
        except TelegramError as exc:  # not a forum, or no right to manage topics: plain-message fallback
            log.info("no forum topic in the support chat: %s", exc)
            return None
        return str(topic.message_thread_id)


async def _sweep_forever(channel: TelegramChannel, bot: Bot) -> None:
    """Handoff timeouts are noticed even when the customer stays quiet."""
    while True:
        await asyncio.sleep(SWEEP_EVERY_S)
        try:
            outbounds = await channel.handoff.sweep()  # type: ignore[union-attr]
            await channel.report(await channel.delivery(bot).deliver(outbounds), bot)
        except Exception:  # a failing sweep must not end the loop; it is retried next round
            log.exception("handoff sweep failed")


async def _on_start(channel: TelegramChannel, application: Application) -> None:
    await publish_commands(channel, application)
    retention = getattr(getattr(channel.core, "runtime", None), "retention", None)
    if retention is not None:  # transcripts past XIAOER_RETENTION_DAYS go daily (wiring purged at start-up)
        application.bot_data["retention"] = asyncio.create_task(retention.run_daily())
    if channel.handoff is not None:
        if channel.config.support_chat_id is not None:
            channel.handoff.attach_desk(TelegramDesk(application.bot, channel.config.support_chat_id))
        application.bot_data["sweeper"] = asyncio.create_task(_sweep_forever(channel, application.bot))


def build_application(
    channel: TelegramChannel,
    *,
    request: BaseRequest | None = None,
    with_updater: bool = True,
    replicas: ReplicaSafety | None = None,
) -> Application:
    """The real PTB Application with the channel's handlers; `request` injects a transport (tests)."""
    config = channel.config
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(lambda app: _on_start(channel, app))
        .post_stop(_stop_sweeper)
        .post_shutdown(_close_core(channel))
    )
    if request is None:  # PTB's calls over aiohttp; getUpdates (polling) on a connection of its own
        request = AiohttpRequest(BOT_API_CONNECTIONS, pool_timeout=BOT_API_POOL_WAIT_S)
        builder = builder.request(request).get_updates_request(AiohttpRequest(1))
    else:
        builder = builder.request(request).get_updates_request(request)
    if not with_updater:
        builder = builder.updater(None)
    if replicas is not None:  # replicas share a database: exactly once, per-chat order across replicas
        builder = replicas.configure(builder)
        if channel.limiter is not None and channel.limiter is replicas.limiter:  # decided at admission
            replicas.rate_key = channel.rate_key
        replicas.memory_read = getattr(channel.core, "memory_read", None)  # read with the admission
    application = builder.build()
    if with_updater:  # the webhook on aiohttp (bot/channels/telegram/webhook.py); polling stays PTB's
        application.updater = AiohttpUpdater(application.bot, application.update_queue)
    if replicas is not None:
        replicas.attach(application.bot)
    application.add_handler(CallbackQueryHandler(channel.on_callback))
    application.add_handler(ChatMemberHandler(channel.on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, channel.on_message))
    application.add_error_handler(channel.on_error)
    return application


async def _stop_sweeper(application: Application) -> None:
    for name in ("sweeper", "retention"):
        task = application.bot_data.pop(name, None)
        if task is not None:
            task.cancel()


def _close_core(channel: TelegramChannel) -> Any:
    async def post_shutdown(_: Application) -> None:
        """Release the core's stores and indexes once every accepted update has been answered."""
        if (aclose := getattr(channel.core, "aclose", None)) is not None:
            await aclose()
        elif (close := getattr(channel.core, "close", None)) is not None:
            await asyncio.to_thread(close)

    return post_shutdown


def _menu(channel: TelegramChannel, role: Role, lang: str) -> list[BotCommand]:
    registry = getattr(channel.core, "commands", None)
    if registry is None:
        return []
    return [
        BotCommand(command.name, command.description(lang)[:256] or command.name)
        for command in registry.for_role(role)
        if COMMAND_NAME.match(command.name)
    ]


async def publish_commands(channel: TelegramChannel, application: Application) -> None:
    """Command menus per scope: customers by default (zh, and en for English clients), staff per chat."""
    bot = application.bot
    scopes: list[tuple[Any, Role]] = [(BotCommandScopeDefault(), Role.CUSTOMER)]
    scopes += [(BotCommandScopeChat(staff_id), Role.STAFF) for staff_id in sorted(channel.config.staff_ids)]
    if channel.config.support_chat_id is not None:
        scopes.append((BotCommandScopeChat(channel.config.support_chat_id), Role.AGENT))
    for scope, role in scopes:
        for lang in ("zh", "en"):
            commands = _menu(channel, role, lang)
            if not commands:
                continue
            try:
                await bot.set_my_commands(commands, scope=scope, language_code="en" if lang == "en" else None)
            except TelegramError as exc:  # e.g. a staff id that never opened a chat with the bot
                log.warning("could not publish %s commands for %s: %s", role, scope.type, exc)


def _startup_error(exc: TelegramError, base_url: str) -> TelegramStartupError:
    if isinstance(exc, InvalidToken):
        # PTB's message repeats the token: never print it
        return TelegramStartupError(
            "Telegram rejected the bot token (401 Unauthorized); check TELEGRAM_BOT_TOKEN"
        )
    if isinstance(exc, NetworkError):
        return TelegramStartupError(f"cannot reach the Telegram Bot API at {base_url}: {exc.message}")
    return TelegramStartupError(f"the Telegram Bot API refused to start the bot: {exc.message}")


async def check_connection(config: TelegramConfig) -> str:
    """getMe before anything heavy is loaded: a bad token or an unreachable API fails in a second.

    Returns the bot's @username."""
    bot = Bot(
        config.token, base_url=config.base_url, base_file_url=config.base_file_url, request=AiohttpRequest()
    )
    try:
        async with bot:  # initialize() calls getMe
            return bot.username
    except TelegramError as exc:
        raise _startup_error(exc, config.base_url.split("/bot", 1)[0]) from exc


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port) that other processes may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def run(
    application: Application,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    secret_token: str | None = None,
    shared_port: bool = False,
) -> None:
    """Run until SIGINT/SIGTERM; start-up failures become one-line `TelegramStartupError`s.

    `shared_port`: the webhook listens on a socket bound with SO_REUSEPORT, so several worker processes
    of one container accept on the same port (the kernel spreads connections over them)."""
    try:
        if webhook_url:
            # PTB takes either an address to bind or a bound socket (its `unix` parameter), not both.
            where: dict[str, Any] = (
                {"unix": reuse_port_socket(listen, port)} if shared_port else {"listen": listen, "port": port}
            )
            application.run_webhook(
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url,
                secret_token=secret_token,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                **where,
            )
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    except (InvalidToken, NetworkError) as exc:
        raise _startup_error(exc, application.bot.base_url.split("/bot", 1)[0]) from exc
    except OSError as exc:  # e.g. the webhook port is taken
        raise TelegramStartupError(f"cannot start the webhook server on {listen}:{port}: {exc}") from exc
