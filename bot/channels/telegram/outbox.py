"""Send Outbounds to Telegram chats from a process that does not run the bot (the web console).

An agent in the console who claims, answers or closes a Telegram customer's request produces Outbounds
for Telegram chats (the customer, the support group's topic). This delivers them with the same
`TelegramDelivery` as the bot (signed buttons, HTML escaping, flood control) and reports handoff messages
back to the service, as the desk contract in `bot.handoff.desk` asks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from telegram import Bot

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.delivery import TelegramDelivery
from bot.channels.telegram.handlers import TelegramConfig
from bot.channels.telegram.transport import AiohttpRequest
from bot.channels.telegram.watermark import MessageIdWatermark
from bot.domain.messages import MessageRef, Outbound

log = logging.getLogger(__name__)


class DeliveryFeedback(Protocol):
    """The handoff service's delivery hook (see `bot.handoff.desk`)."""

    async def on_delivered(self, outbound: Outbound, ref: MessageRef) -> None: ...


class TelegramOutbox:
    """`await outbox.deliver(outbounds)`: one Bot API client, initialised on first use."""

    def __init__(self, config: TelegramConfig, handoff: DeliveryFeedback | None = None) -> None:
        self.bot = Bot(
            config.token,
            base_url=config.base_url,
            base_file_url=config.base_file_url,
            request=AiohttpRequest(4),
        )
        self.signer = CallbackSigner(config.token)
        self.watermark = MessageIdWatermark()  # the floors of this process's sends in doubt
        self.handoff = handoff
        self._lock = asyncio.Lock()
        self._ready = False

    async def deliver(self, outbounds: Sequence[Outbound]) -> None:
        async with self._lock:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
        delivered = await TelegramDelivery(self.bot, self.signer, self.watermark).deliver(outbounds)
        if self.handoff is None:
            return
        for item in delivered:
            if item.outbound.meta.get("handoff_id") and item.refs:
                await self.handoff.on_delivered(item.outbound, item.refs[0])

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()
            self._ready = False
