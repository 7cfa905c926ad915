"""Deliver the core's `Outbound`s for web chats: store them in the `WebHistory` and wake their sockets.

Outbounds for web chats (`web:<visitor>`, and `web:console`, the console's support desk) are stored in the
widget's wire format and pushed to every open socket of that chat; handoff outbounds are reported back to
the service (`on_delivered`) with the stored message's id, as the desk contract in `bot.handoff.desk`
asks. Outbounds for other channels' chats (an agent in the console answering a Telegram customer) go to
`elsewhere` when the process can reach that channel, else they are logged as undeliverable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from bot.channels.signing import CallbackSigner
from bot.channels.web.config import WEB_CHAT_PREFIX
from bot.channels.web.history import WebHistory, WebMessage
from bot.channels.web.hub import WebHub
from bot.channels.web.wire import outbound_payload, speaker
from bot.domain.messages import ERASED, MessageRef, Outbound

log = logging.getLogger(__name__)


class DeliveryFeedback(Protocol):
    """The handoff service's delivery hook (see `bot.handoff.desk`)."""

    async def on_delivered(self, outbound: Outbound, ref: MessageRef) -> None: ...


class OutboundSink(Protocol):
    """Another channel's delivery, for outbounds whose chat is not a web chat."""

    async def deliver(self, outbounds: Sequence[Outbound]) -> None: ...


def is_web_chat(chat_id: str) -> bool:
    return chat_id.startswith(WEB_CHAT_PREFIX)


class WebDelivery:
    def __init__(
        self,
        history: WebHistory,
        hub: WebHub,
        signer: CallbackSigner,
        handoff: DeliveryFeedback | None = None,
        elsewhere: OutboundSink | None = None,
    ) -> None:
        self.history = history
        self.hub = hub
        self.signer = signer
        self.handoff = handoff
        self.elsewhere = elsewhere

    async def deliver(self, outbounds: Sequence[Outbound]) -> list[WebMessage]:
        """Store and push the web ones (in order); hand the rest to `elsewhere`. Never raises for one bad
        outbound: the others are still delivered."""
        stored: list[WebMessage] = []
        foreign: list[Outbound] = []
        for outbound in outbounds:
            if not is_web_chat(outbound.chat_id):
                foreign.append(outbound)
                continue
            try:
                stored.append(await self._store(outbound))
            except Exception:
                log.exception("could not deliver a %s to %s", outbound.kind, outbound.chat_id)
        if foreign:
            if self.elsewhere is None:
                log.warning(
                    "no channel here reaches %s; %d outbounds dropped",
                    sorted({o.chat_id for o in foreign}),
                    len(foreign),
                )
            else:
                await self.elsewhere.deliver(foreign)
        return stored

    async def _store(self, outbound: Outbound) -> WebMessage:
        if outbound.meta.get(ERASED) == "chat":  # /forget: the widget's log of the chat goes too
            await asyncio.to_thread(self.history.forget, outbound.chat_id)
        payload = outbound_payload(outbound, self.signer)
        handoff_id = outbound.meta.get("handoff_id")
        row = await asyncio.to_thread(
            self.history.append, outbound.chat_id, speaker(outbound), payload, handoff_id
        )
        self.hub.poke(outbound.chat_id)
        if handoff_id and self.handoff is not None:
            await self.handoff.on_delivered(
                outbound, MessageRef(outbound.chat_id, str(row.id), outbound.thread_id)
            )
        return row
