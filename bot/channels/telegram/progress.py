"""Show a reply while it is being prepared: a typing indicator, then the streamed draft.

Private chats use Bot API 10's `sendMessageDraft` (the client renders the partial text natively).
Groups have no drafts, so the first draft becomes a placeholder message that later drafts edit; the
final reply then replaces the placeholder (see `TelegramDelivery`). Both are throttled: Telegram
rate-limits edits, and a draft every token would be wasted traffic. Failures here never break a reply.

The typing indicator is only for replies that keep the customer waiting: asked for early, it is sent once
`typing_after_s` (default 1 s) have passed since the message arrived and the reply is still not out
(`finish()`, called by the delivery, cancels it) — a reply ready sooner costs one Bot API call, not two.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable

from telegram import Bot, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.channels.telegram.format import TEXT_LIMIT, truncate
from bot.channels.telegram.transport import call

log = logging.getLogger(__name__)

TYPING_EVERY_S = 4.0  # the indicator lasts ~5 s on clients
TYPING_AFTER_S = 1.0  # a reply ready within a second is just sent, without a typing indicator


class TelegramProgress:
    """The `ReplyProgress` the channel hands to `core.handle` for one inbound message."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        private: bool,
        thread_id: int | None = None,
        reply_to: int | None = None,
        draft_interval_s: float = 0.5,
        edit_interval_s: float = 1.0,
        typing_after_s: float = TYPING_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.private = private
        self.thread_id = thread_id
        self.reply_to = reply_to  # groups: the placeholder quotes the message being answered
        self.interval_s = draft_interval_s if private else edit_interval_s
        self.placeholder_id: int | None = None  # groups: the message the drafts were shown in
        self._clock = clock
        self._draft_id = secrets.randbelow(2**31 - 2) + 1
        self._last_draft = float("-inf")
        self._last_typing = float("-inf")
        self._last_text = ""
        self._drafts_broken = False
        self.typing_after_s = typing_after_s
        self._started = clock()
        self._finished = False
        self._typing_later: asyncio.TimerHandle | None = None
        self._typing_task: asyncio.Task[None] | None = None

    async def typing(self) -> None:
        """Show the indicator now if the reply has taken `typing_after_s` already, else at that moment
        unless the reply is out by then."""
        if self._finished:
            return
        wait = self.typing_after_s - (self._clock() - self._started)
        if wait > 0:
            if self._typing_later is None:
                self._typing_later = asyncio.get_running_loop().call_later(wait, self._typing_due)
            return
        await self._send_typing()

    def _typing_due(self) -> None:
        if not self._finished:
            self._typing_task = asyncio.ensure_future(self._send_typing())

    def finish(self) -> None:
        """The reply is being delivered: no typing indicator from now on."""
        self._finished = True
        if self._typing_later is not None:
            self._typing_later.cancel()

    async def _send_typing(self) -> None:
        now = self._clock()
        if now - self._last_typing < TYPING_EVERY_S:
            return
        self._last_typing = now
        try:
            await call(
                self.bot,
                "sendChatAction",
                {"chat_id": self.chat_id, "action": ChatAction.TYPING, "message_thread_id": self.thread_id},
            )
        except TelegramError as exc:
            log.debug("typing indicator failed in %s: %s", self.chat_id, exc)

    async def draft(self, text: str) -> None:
        text = truncate(text.strip(), TEXT_LIMIT)
        now = self._clock()
        if (
            not text
            or text == self._last_text
            or self._drafts_broken
            or now - self._last_draft < self.interval_s
        ):
            return
        self._last_draft, self._last_text = now, text
        try:
            if self.private:
                await call(
                    self.bot,
                    "sendMessageDraft",
                    {
                        "chat_id": self.chat_id,
                        "draft_id": self._draft_id,
                        "text": text,
                        "message_thread_id": self.thread_id,
                    },
                )
            elif self.placeholder_id is None:
                reply = (
                    ReplyParameters(self.reply_to, allow_sending_without_reply=True)
                    if self.reply_to
                    else None
                )
                message = await self.bot.send_message(
                    self.chat_id, text, message_thread_id=self.thread_id, reply_parameters=reply
                )
                self.placeholder_id = message.message_id
            else:
                await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.placeholder_id)
        except TelegramError as exc:  # streaming is a nicety: the final reply is still sent normally
            log.info("draft failed in %s, streaming off for this reply: %s", self.chat_id, exc)
            self._drafts_broken = True
