"""Deliver the core's `Outbound`s as Bot API calls: text with its product cards, keyboards, copies, files.

Order within one Outbound: the text (split under 4,096 at line boundaries, HTML-escaped) whose last chunk
carries the keyboard and the product cards — the first product photo as a large link preview, one button
per product (`bot.channels.telegram.cards`), so a reply of text and cards is ONE message and one call —,
then images and the document. A failed API call is logged and the remaining Outbounds are still delivered:
a relay that fails must not eat the customer's reply.

A send that fails in transit (`TimedOut`, or another `NetworkError` that is not Telegram's answer) is tried
again, up to `SEND_ATTEMPTS` times with backoff (`retry_backoff_s`), and never doubled where Telegram lets us
know: a timed-out send may have been delivered with its answer lost, so before a text is sent again its
message is looked for above the message id floor taken before the first attempt (identical edits,
`bot.channels.telegram.probe.find_sent`); found, it counts as sent. A probe that got no answer either is a
failed attempt, not a reason to send blind. What no edit can compare (a photo, a document, a copy) and a text
with no known floor are sent again (at-least-once: a lost reply is worse than a repeated one;
`reply_in_doubt{outcome=resent}`). A reply still unsent after the attempts is counted `reply_lost` (a chat that
refuses the bot, `Forbidden`, is `reply_blocked`) and logged as an error. The window left: a send that timed out
while Telegram still held it, and was carried out only after the probe looked, is doubled (a stress script on
the loopback server, 50 chats at once and every 10th answer lost: doubled replies = sends that timed out).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.cards import reply_rows
from bot.channels.telegram.format import CALLBACK_DATA_LIMIT, escape
from bot.channels.telegram.probe import PROBE_SPAN, find_sent
from bot.channels.telegram.progress import TelegramProgress
from bot.channels.telegram.steps import Step, plan
from bot.channels.telegram.transport import Json, call, flood_safe
from bot.channels.telegram.watermark import MessageIdWatermark
from bot.domain import telemetry
from bot.domain.messages import Button, MessageRef, Outbound
from bot.privacy.redaction import redact

log = logging.getLogger(__name__)
HTML = ParseMode.HTML
SEND_ATTEMPTS = 3  # tries of one Bot API message that fails in transit (timeout, connection lost)
RETRY_BACKOFF_S = (0.5, 2.0)  # seconds before the 2nd and the 3rd try
MAX_PROBE_SPAN = 4 * PROBE_SPAN  # ids looked at for a text in doubt when the chat's ids moved on meanwhile
T = TypeVar("T")


def in_transit(exc: TelegramError) -> bool:
    """A failure on the way (`TimedOut`, connection refused/reset/closed, a 5xx from a proxy) rather than
    Telegram's answer about the request (`BadRequest`, `Forbidden`, `RetryAfter` …): the request may or may
    not have been carried out."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


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


class TelegramDelivery:
    def __init__(
        self,
        bot: Bot,
        signer: CallbackSigner,
        watermark: MessageIdWatermark | None = None,
        *,
        kill_after_send: bool = False,
        retry_backoff_s: Sequence[float] = RETRY_BACKOFF_S,
    ) -> None:
        """`watermark`: the process's message id floors (the channel's; None: this delivery keeps its own,
        so only its own sends set them). `retry_backoff_s`: seconds before each try after the first of a
        message that failed in transit (`SEND_ATTEMPTS` tries in all; the last value repeats)."""
        self.bot = bot
        self.signer = signer
        # every id Telegram gives back raises the floor of a later reply in doubt
        self.watermark = watermark if watermark is not None else MessageIdWatermark()
        self.kill_after_send = kill_after_send
        self.retry_backoff_s = tuple(retry_backoff_s) or (0.0,)

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
                blocked = isinstance(exc, Forbidden)
                # the reply (or its rest) did not reach the chat: counted, so no loss goes unseen
                telemetry.count("reply_blocked" if blocked else "reply_lost", channel="telegram")
                log.log(
                    logging.WARNING if blocked else logging.ERROR,
                    "delivery to %s failed (%s): %s",
                    outbound.chat_id,
                    outbound.kind,
                    exc,
                )
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
                copied = await self._retried(
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
                message_id = await self._send_text(
                    step,
                    chat_id,
                    {  # the hot path: one thin call, no PTB objects either way
                        **where,
                        "text": escape(step.chunk),
                        "parse_mode": HTML,
                        "reply_markup": step.markup,
                        "reply_parameters": reply if step.first else None,
                        "link_preview_options": step.preview,
                    },
                )
            elif step.kind == "image" and step.file is not None:
                name, data = step.file
                message_id = (
                    await self._retried(self.bot.send_photo, photo=data, filename=name, **where)
                ).message_id
            elif step.file is not None:
                name, data = step.file
                message_id = (
                    await self._retried(self.bot.send_document, document=data, filename=name, **where)
                ).message_id
            else:
                continue
            sent.append(self.saw(chat_id, message_id))
            self._fault_point(message_id)
        if not any(step.kind == "text" for step in steps) and markup is not None:
            log.warning("buttons without text for %s were not delivered", outbound.chat_id)
        return [MessageRef(str(chat_id), str(message_id), outbound.thread_id) for message_id in sent]

    def _backoff(self, attempt: int) -> float:
        """Seconds to wait before try number `attempt + 1` (1-based `attempt`: the tries made so far)."""
        return self.retry_backoff_s[min(attempt, len(self.retry_backoff_s)) - 1]

    async def _send_text(self, step: Step, chat_id: int, parameters: Json) -> int:
        """`sendMessage` of one text step → its message id; tried again after a failure in transit, and
        never sent twice when Telegram can tell: before another try, and after the last one failed, the message
        is looked for above the chat's message id floor taken before the first (`_in_doubt`). A probe without
        an answer is a failed try (sending blind could double the message). Raises the last `TelegramError`
        after `SEND_ATTEMPTS` tries, and at once what is Telegram's answer (`BadRequest`, `Forbidden`;
        `RetryAfter` is waited out once, `flood_safe`)."""
        floor = self.watermark.floor(chat_id)
        failure: TelegramError | None = None
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                if failure is not None:  # the last try may have reached Telegram: does it have the message?
                    found = await self._in_doubt(step, chat_id, floor)
                    if found is not None:
                        return found
                message = await flood_safe(call, self.bot, "sendMessage", parameters)
                return int(message["message_id"])
            except TelegramError as exc:
                if not in_transit(exc):
                    raise
                failure = exc
            if attempt < SEND_ATTEMPTS:
                wait = self._backoff(attempt)
                log.warning(
                    "send to %s failed in transit (%s), try %d of %d in %.1f s",
                    chat_id,
                    failure,
                    attempt + 1,
                    SEND_ATTEMPTS,
                    wait,
                )
                await asyncio.sleep(wait)
        try:  # the last send failed in transit: it may still have been delivered
            found = await self._in_doubt(step, chat_id, floor)
        except TelegramError as exc:
            log.warning("send to %s in doubt: the last probe failed too (%s)", chat_id, exc)
            found = None
        if found is not None:
            return found
        assert failure is not None
        raise failure

    async def _in_doubt(self, step: Step, chat_id: int, floor: int) -> int | None:
        """The id of `step`'s message if Telegram has it above `floor` (probed, `find_sent`); None when it was
        not found — or cannot be looked for (no floor known: it is then sent again, at-least-once)."""
        if floor <= 0:
            telemetry.count("reply_in_doubt", outcome="resent")
            return None
        # ids other chats took meanwhile (private chats share the account's counter) widen the span
        span = min(MAX_PROBE_SPAN, PROBE_SPAN + max(0, self.watermark.floor(chat_id) - floor))
        found = await find_sent(self.bot, step, chat_id, floor, span)
        if found is None:
            return None
        telemetry.count("reply_in_doubt", outcome="delivered")
        log.warning("send to %s in doubt was delivered (message %s)", chat_id, found)
        return found

    async def _retried(self, send: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """A send no edit can compare (a photo, a document, a copy), tried again after a failure in transit
        (`SEND_ATTEMPTS` tries with backoff): at-least-once, counted `reply_in_doubt{outcome=resent}`."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await flood_safe(send, *args, **kwargs)
            except TelegramError as exc:
                if not in_transit(exc) or attempt == SEND_ATTEMPTS:
                    raise
                telemetry.count("reply_in_doubt", outcome="resent")
                wait = self._backoff(attempt)
                log.warning(
                    "send failed in transit (%s), try %d of %d in %.1f s",
                    exc,
                    attempt + 1,
                    SEND_ATTEMPTS,
                    wait,
                )
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    def saw(self, chat_id: int, message_id: int) -> int:
        """Note a message id Telegram gave (the watermark's floor); returns it."""
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
        """Turn the group's streaming placeholder into the final first chunk (None: send normally). An edit is
        idempotent — Telegram answers "message is not modified" to one already made — so an edit that failed in
        transit is simply made again (`SEND_ATTEMPTS` tries): falling back to a new message after an edit that
        did land would show the reply twice."""
        message_id, progress.placeholder_id = progress.placeholder_id, None
        for attempt in range(1, SEND_ATTEMPTS + 1):
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
                if isinstance(exc, BadRequest) and "not modified" in str(exc).lower():  # draft == final, or
                    return message_id  # an earlier try landed
                if in_transit(exc) and attempt < SEND_ATTEMPTS:
                    await asyncio.sleep(self._backoff(attempt))
                    continue
                log.info("final edit of placeholder failed: %s", exc)
                progress.placeholder_id = message_id
                return None
            return message_id
        return None  # not reached: the last try returns

    async def _drop_placeholder(self, progress: TelegramProgress) -> None:
        """A placeholder no final text replaced (e.g. the reply was only cards) would leave a stale draft."""
        if progress.placeholder_id is None:
            return
        try:
            await self.bot.delete_message(progress.chat_id, progress.placeholder_id)
        except TelegramError as exc:
            log.info("could not delete placeholder: %s", exc)
        progress.placeholder_id = None
