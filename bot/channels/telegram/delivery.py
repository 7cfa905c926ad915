"""Deliver the core's `Outbound`s as Bot API calls: text with its product cards, keyboards, copies, files.

Order within one Outbound: the text (split under 4,096 at line boundaries, HTML-escaped) whose last chunk
carries the keyboard and the product cards — the first product photo as a large link preview, one button
per product (`bot.channels.telegram.cards`), so a reply of text and cards is ONE message and one call —,
then images and the document. A failed API call is logged and the remaining Outbounds are still delivered:
a relay that fails must not eat the customer's reply.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dtm
import logging
import os
import signal
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.cards import cards_text, preview, reply_rows
from bot.channels.telegram.format import CALLBACK_DATA_LIMIT, escape, split_text
from bot.channels.telegram.progress import TelegramProgress
from bot.channels.telegram.transport import Json, call
from bot.channels.telegram.watermark import MessageIdWatermark
from bot.domain.messages import Button, MessageRef, Outbound
from bot.privacy.redaction import redact

log = logging.getLogger(__name__)
HTML = ParseMode.HTML
MAX_FLOOD_WAIT_S = 30.0  # longer flood waits are not worth holding the chat for: the call fails
T = TypeVar("T")


async def flood_safe(call: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """One Bot API call; under flood control (429 + retry_after) wait as told, once, and try again —
    a dropped reply would break "every customer message gets exactly one reply"."""
    try:
        return await call(*args, **kwargs)
    except RetryAfter as exc:
        with warnings.catch_warnings():  # PTB 22 warns that the type becomes timedelta in v23: accept both
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            retry_after = exc.retry_after
        wait = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else float(retry_after)
        if wait > MAX_FLOOD_WAIT_S:
            raise
        log.warning("flood control: waiting %.0f s before retrying", wait)
        await asyncio.sleep(wait)
        return await call(*args, **kwargs)


def private_in_group(outbound: Outbound, chat_id: int) -> Outbound:
    """A handoff message to a customer who asked from a group (Telegram group ids are negative) is seen by
    every member: it goes as text with personal data redacted (never a copy of the agent's message, which
    may carry a phone number or an address), addressed to the member who asked."""
    if chat_id >= 0 or outbound.meta.get("to") != "customer":
        return outbound
    text = redact(outbound.text) if outbound.text else ""
    return dataclasses.replace(outbound, text=text, copy_of=None if text else outbound.copy_of)


@dataclass(frozen=True)
class Delivered:
    """What one Outbound became: the messages it produced (for handoff's bookkeeping)."""

    outbound: Outbound
    refs: tuple[MessageRef, ...]
    blocked: bool = False  # the chat refused it (the user blocked the bot, or the bot was removed)


@dataclass(frozen=True)
class Step:
    """One Bot API message an Outbound becomes (in order): a text chunk (escaped at send time; the last one
    carries the keyboard and the cards' link preview), an image or a document."""

    kind: str  # "text" | "image" | "document"
    chunk: str = ""
    markup: Json | None = None  # reply_markup (Bot API JSON)
    first: bool = False
    preview: Json | None = None  # link_preview_options (Bot API JSON)
    file: tuple[str, bytes] | None = None


def plan(outbound: Outbound, markup: Json | None) -> list[Step]:
    """The messages `deliver_one` sends for an Outbound that is not a copy (or whose copy failed), in order —
    what a reply in doubt is probed for (`bot.channels.telegram.probe`)."""
    chunks = split_text(outbound.text or cards_text(outbound.cards))
    photo = preview(outbound.cards)
    last = len(chunks) - 1
    steps = [
        Step("text", chunk, markup if n == last else None, n == 0, photo if n == last else None)
        for n, chunk in enumerate(chunks)
    ]
    steps += [Step("image", file=image) for image in outbound.images]
    if outbound.document is not None:
        steps.append(Step("document", file=outbound.document))
    return steps


class TelegramDelivery:
    def __init__(
        self,
        bot: Bot,
        signer: CallbackSigner,
        watermark: MessageIdWatermark | None = None,
        *,
        kill_after_send: bool = False,
    ) -> None:
        self.bot = bot
        self.signer = signer
        self.watermark = watermark  # every id Telegram gives back raises the floor of a later reply in doubt
        self.kill_after_send = kill_after_send

    def keyboard(self, rows: Sequence[Sequence[Button]]) -> Json | None:
        """`reply_markup` (Bot API JSON): an inline keyboard, row by row, with signed callback data (each
        ≤ 64 bytes) and link buttons; None when no button is left."""
        keys = [[key for button in row if (key := self._key(button)) is not None] for row in rows]
        keys = [row for row in keys if row]
        return {"inline_keyboard": keys} if keys else None

    def _key(self, button: Button) -> Json | None:
        if button.url:
            return {"text": button.label, "url": button.url}
        if button.data:
            data = self.signer.sign(button.data)
            assert len(data.encode()) <= CALLBACK_DATA_LIMIT, data
            return {"text": button.label, "callback_data": data}
        return None

    def _markup(self, keyboard: Json | None) -> InlineKeyboardMarkup | None:
        """The keyboard as PTB's object, for the calls that go through PTB's methods (copies, edits)."""
        return InlineKeyboardMarkup.de_json(keyboard, self.bot) if keyboard else None

    async def deliver(
        self,
        outbounds: Sequence[Outbound],
        progress: TelegramProgress | None = None,
        on_each: Callable[[int], Awaitable[None]] | None = None,
        before_each: Callable[[int], Awaitable[None]] | None = None,
        skip_first: int = 0,
    ) -> list[Delivered]:
        """Send each Outbound in order; `before_each(n)` runs before the n-th (1-based) is sent and
        `on_each(n)` after it is done, sent or failed (the reply journal records both). `skip_first`: the
        first Outbound resumes after that many of its planned messages (found delivered by a probe)."""
        if progress is not None:
            progress.finish()  # the reply is here: no typing indicator any more
        delivered = []
        for number, outbound in enumerate(outbounds, 1):
            if before_each is not None:
                await before_each(number)
            refs: list[MessageRef] = []
            blocked = False
            try:
                refs = await self.deliver_one(outbound, progress, skip_first if number == 1 else 0)
            except ValueError:
                log.warning("not a Telegram chat id, outbound skipped: %r", outbound.chat_id)
            except TelegramError as exc:
                log.warning("delivery to %s failed (%s): %s", outbound.chat_id, outbound.kind, exc)
                blocked = isinstance(exc, Forbidden)
            delivered.append(Delivered(outbound, tuple(refs), blocked))
            if on_each is not None:
                await on_each(number)
        if progress is not None and progress.placeholder_id is not None:
            await self._drop_placeholder(progress)
        return delivered

    async def deliver_one(
        self, outbound: Outbound, progress: TelegramProgress | None = None, skip: int = 0
    ) -> list[MessageRef]:
        """Send one Outbound; `skip` > 0 resumes it after its first `skip` planned messages (they were found
        already delivered, see `plan`)."""
        chat_id = int(outbound.chat_id)
        outbound = private_in_group(outbound, chat_id)
        thread = int(outbound.thread_id) if outbound.thread_id else None
        where: dict[str, Any] = {"chat_id": chat_id, "message_thread_id": thread}
        sent: list[int] = []
        quoted = (
            int(outbound.reply_to.message_id)
            if outbound.reply_to is not None and outbound.reply_to.chat_id == outbound.chat_id
            else None
        )
        reply = None if quoted is None else {"message_id": quoted, "allow_sending_without_reply": True}
        markup = self.keyboard(reply_rows(outbound))
        if outbound.copy_of is not None and not skip:
            try:  # copy, never forward: an agent's identity stays private
                copied = await flood_safe(
                    self.bot.copy_message,
                    from_chat_id=int(outbound.copy_of.chat_id),
                    message_id=int(outbound.copy_of.message_id),
                    reply_markup=self._markup(markup),
                    reply_parameters=None
                    if quoted is None
                    else ReplyParameters(quoted, allow_sending_without_reply=True),
                    **where,
                )
                self.saw(chat_id, copied.message_id)
                return [MessageRef(str(chat_id), str(copied.message_id), outbound.thread_id)]
            except (BadRequest, ValueError) as exc:  # can't be copied (kind, other channel): labelled text
                if not outbound.text:
                    raise
                log.info("copy into %s failed (%s); sending its text", chat_id, exc)
        steps = plan(outbound, markup)
        for step in steps[skip:]:
            if step.kind == "text":
                if (
                    step.first
                    and progress is not None
                    and progress.placeholder_id
                    and progress.chat_id == chat_id
                ):
                    edited = await self._edit_placeholder(progress, step.chunk, step.markup, step.preview)
                    if edited is not None:
                        sent.append(self.saw(chat_id, edited))
                        continue
                message = await flood_safe(  # the hot path: one thin call, no PTB objects either way
                    call,
                    self.bot,
                    "sendMessage",
                    {
                        **where,
                        "text": escape(step.chunk),
                        "parse_mode": HTML,
                        "reply_markup": step.markup,
                        "reply_parameters": reply if step.first else None,
                        "link_preview_options": step.preview,
                    },
                )
                message_id = int(message["message_id"])
            elif step.kind == "image" and step.file is not None:
                name, data = step.file
                message_id = (
                    await flood_safe(self.bot.send_photo, photo=data, filename=name, **where)
                ).message_id
            elif step.file is not None:
                name, data = step.file
                message_id = (
                    await flood_safe(self.bot.send_document, document=data, filename=name, **where)
                ).message_id
            else:
                continue
            sent.append(self.saw(chat_id, message_id))
            self._fault_point(message_id)
        if not any(step.kind == "text" for step in steps) and markup is not None:
            log.warning("buttons without text for %s were not delivered", outbound.chat_id)
        return [MessageRef(str(chat_id), str(message_id), outbound.thread_id) for message_id in sent]

    def saw(self, chat_id: int, message_id: int) -> int:
        """Note a message id Telegram gave (the watermark's floor); returns it."""
        if self.watermark is not None:
            self.watermark.see(chat_id, message_id)
        return message_id

    def _fault_point(self, message_id: int) -> None:
        """Test hook (`XIAOER_FAULT_KILL_AFTER_SEND`, see `TelegramConfig.fault_kill_after_send`): SIGKILL this
        process right after Telegram accepted a message and before anything recorded it — the reply in
        doubt that `bot.channels.telegram.probe` must resolve."""
        if self.kill_after_send:
            log.warning("fault injection: SIGKILL after sending message %s", message_id)
            logging.shutdown()
            os.kill(os.getpid(), signal.SIGKILL)

    async def _edit_placeholder(
        self,
        progress: TelegramProgress,
        chunk: str,
        markup: Json | None,
        photo: Json | None,
    ) -> int | None:
        """Turn the group's streaming placeholder into the final first chunk (None: send normally)."""
        message_id, progress.placeholder_id = progress.placeholder_id, None
        try:
            await self.bot.edit_message_text(
                escape(chunk),
                chat_id=progress.chat_id,
                message_id=message_id,
                parse_mode=HTML,
                reply_markup=self._markup(markup),
                link_preview_options=LinkPreviewOptions(**photo) if photo else None,
            )
        except TelegramError as exc:
            if isinstance(exc, BadRequest) and "not modified" in str(exc).lower():  # draft == final text
                return message_id
            log.info("final edit of placeholder failed: %s", exc)
            progress.placeholder_id = message_id
            return None
        return message_id

    async def _drop_placeholder(self, progress: TelegramProgress) -> None:
        """A placeholder no final text replaced (e.g. the reply was only cards) would leave a stale draft."""
        if progress.placeholder_id is None:
            return
        try:
            await self.bot.delete_message(progress.chat_id, progress.placeholder_id)
        except TelegramError as exc:
            log.info("could not delete placeholder: %s", exc)
        progress.placeholder_id = None
