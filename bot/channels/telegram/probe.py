"""Resolve a reply in doubt: did Telegram get the message whose send started before the replica died?

The Bot API has no idempotent send, but it has an idempotent *edit*: `editMessageText` with exactly the text,
keyboard and link preview a message already has answers 400 "Bad Request:
message is not modified: specified new message content and reply markup are exactly the same as a current
content and reply markup of the message". So the journal keeps what was about to be sent and the highest
message id known before the send (`bot.channels.telegram.watermark`), and the replica that takes the update
over asks, for each id above that floor in turn, to "edit" it into the planned message:

- "message is not modified" — that message exists, is the bot's and is the reply: it was delivered;
- "message to edit not found" — no message with that id in this chat (not yet sent; another chat's id in the
  shared account counter; deleted);
- "message can't be edited" / "there is no text in the message to edit" — someone else's message, or a
  photo or file: not ours.

A planned message is looked for among the next `PROBE_SPAN` ids; the first one not found is where delivery
resumes, so nothing is sent twice and nothing is lost. Images, documents and copies have no content an edit
can compare: one of those in doubt is sent again (at-least-once), as is everything after a probe that failed
for another reason (network, flood control). An edit that *succeeds* changed a bot message that was not the
reply — only possible when another bot message of the chat lies between the floor and the reply (an agent's
relay sent at the same moment); it is logged as an error and counted (`reply_probe_overwrote`), and the reply,
now visible there, counts as delivered. The probe goes as the send did: one thin JSON call (`bot.channels.telegram.transport.call`).
Sources: Bot API `editMessageText`; error texts
as the official server returns them (tdlib/telegram-bot-api issues #400 and #624).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram.cards import reply_rows
from bot.channels.telegram.format import escape
from bot.channels.telegram.steps import Step, plan
from bot.channels.telegram.transport import Json, call, flood_safe
from bot.domain import telemetry
from bot.domain.messages import Button, Outbound


class Sender(Protocol):
    """What a probe needs of `bot.channels.telegram.delivery.TelegramDelivery` (which uses the probe)."""

    bot: Bot

    def keyboard(self, rows: Sequence[Sequence[Button]]) -> Json | None: ...

    def saw(self, chat_id: int, message_id: int) -> int: ...


log = logging.getLogger(__name__)
PROBE_SPAN = 40  # ids looked at above the floor for each planned message (one editMessage* call each)
NOT_MODIFIED = "message is not modified"
NOT_FOUND = "message to edit not found"


class Probe(StrEnum):
    """What Telegram said to an identical edit of one message id."""

    OURS = "ours"  # not modified: the planned message is there
    OTHER = "other"  # not found, not ours, another kind: look further
    OVERWROTE = "overwrote"  # the edit succeeded: a different bot message was there


async def _edit(bot: Bot, parameters: Json) -> Probe:
    """One identical edit (under flood control, waited out once: `flood_safe`); a failure that is no answer
    about the message (network, a long flood wait, …) raises."""
    try:
        await flood_safe(call, bot, "editMessageText", parameters)  # flood control: wait, ask again
    except BadRequest as exc:
        text = str(exc).lower()
        if NOT_MODIFIED in text:
            return Probe.OURS
        return Probe.OTHER  # not found / can't be edited / no text or caption / …
    return Probe.OVERWROTE


async def find_sent(bot: Bot, step: Step, chat_id: int, floor: int, span: int = PROBE_SPAN) -> int | None:
    """The id of the message that is `step` (a text step, as `TelegramDelivery.deliver_one` sends it) among
    the `span` message ids above `floor` in `chat_id`, else None (not there: it was not delivered, or lies
    further up). Each id costs one `editMessageText` call with the very JSON of the send. Raises
    `TelegramError` when a probe got no answer about the message (network, flood control): whether it was
    delivered is then still unknown. An edit that succeeded (another bot message of the chat was there) is
    counted (`reply_probe_overwrote`), logged as an error and returned as the hit: the reply is visible there."""
    parameters: Json = {
        "chat_id": chat_id,
        "text": escape(step.chunk),
        "parse_mode": ParseMode.HTML,
        "reply_markup": step.markup,
        "link_preview_options": step.preview,
    }
    for message_id in range(floor + 1, floor + 1 + span):
        outcome = await _edit(bot, {**parameters, "message_id": message_id})
        if outcome is Probe.OTHER:
            continue
        if outcome is Probe.OVERWROTE:
            telemetry.count("reply_probe_overwrote", channel="telegram")
            log.error(
                "reply probe overwrote bot message %s in chat %s (it was not the reply in doubt)",
                message_id,
                chat_id,
            )
        return message_id
    return None


class ReplyProbe:
    """Finds how much of one Outbound Telegram already has (see the module docstring)."""

    def __init__(self, delivery: Sender, span: int = PROBE_SPAN) -> None:
        self.delivery = delivery
        self.bot: Bot = delivery.bot
        self.span = span

    async def delivered_steps(self, outbound: Outbound, floor: int) -> int:
        """How many of `outbound`'s planned messages Telegram has, looking above message id `floor` (the
        highest id known in the chat before the send began). 0 when `floor` is unknown (≤ 0), the outbound
        is a copy, or its first message can't be probed (an image, a document: no text an edit compares)."""
        if floor <= 0 or outbound.copy_of is not None:
            return 0
        chat_id = int(outbound.chat_id)
        steps = plan(outbound, self.delivery.keyboard(reply_rows(outbound)))
        found, position = 0, floor
        for step in steps:
            if step.kind != "text":
                break
            try:
                hit = await find_sent(self.bot, step, chat_id, position, self.span)
            except TelegramError as exc:
                log.info("reply probe failed: %s", exc)
                return found
            if hit is None:
                break
            found, position = found + 1, hit
            self.delivery.saw(chat_id, hit)
        return found
