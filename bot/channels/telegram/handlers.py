"""The Telegram front end: translate an update, let the core decide, deliver what it says.

Handlers stay thin (DESIGN habit 1): no retrieval, LLM or store calls here. The channel adds only
what is Telegram's business: group addressing, verified buttons, per-user rate limiting, /ingest
document download, and the streaming progress. Building and running the Application is in
`telegram_app.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.callbacks import CallbackSigner
from bot.channels.telegram.cards import reply_rows
from bot.channels.telegram.delivery import Delivered, TelegramDelivery
from bot.channels.telegram.inbound import ChatPolicy, callback_inbound, message_inbound
from bot.channels.telegram.probe import ReplyProbe
from bot.channels.telegram.progress import TYPING_AFTER_S, TelegramProgress
from bot.channels.telegram.replicas import current_admission, handoff_known_closed
from bot.channels.telegram.steps import plan
from bot.channels.telegram.watermark import MessageIdWatermark
from bot.coordination.ledger import note_sent
from bot.coordination.ratelimit import RateDecision, RateLimiter
from bot.coordination.reply_journal import ReplyJournal
from bot.coordination.sql import offload
from bot.domain import telemetry
from bot.domain.language import detect_language
from bot.domain.messages import ERASED, Attachment, Inbound, MessageRef, Outbound, Role
from bot.domain.protocols import ConversationCore
from bot.handoff.desk import SupportDesk
from bot.prompts import Messages

log = logging.getLogger(__name__)
INGEST_COMMAND = "ingest"


@dataclass(frozen=True)
class TelegramConfig:
    """The typed slice of settings the channel needs (the CLI fills it from `Settings`)."""

    token: str
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    staff_ids: frozenset[int] = frozenset()
    support_chat_id: int | None = None
    typing_after_s: float = TYPING_AFTER_S  # replies ready sooner show no typing indicator
    fault_kill_after_send: bool = False  # crash tests only: SIGKILL right after the first message is sent

    def __post_init__(self) -> None:  # PTB wants no trailing slash
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        object.__setattr__(self, "base_file_url", self.base_file_url.rstrip("/"))


def _answering(outbound: Outbound, inbound: Inbound) -> Outbound:
    """In a group, the reply quotes the message it answers (several people may be asking at once)."""
    if (
        outbound.chat_id != inbound.chat_id
        or outbound.kind != "reply"
        or outbound.reply_to
        or outbound.copy_of
    ):
        return outbound
    return dataclasses.replace(outbound, reply_to=inbound.ref)


class HandoffHooks(Protocol):
    """What the channel calls on the handoff service (see the delivery contract in `bot.handoff.desk`)."""

    def attach_desk(self, desk: SupportDesk) -> None: ...

    async def on_delivered(self, outbound: Outbound, ref: MessageRef) -> None: ...

    async def sweep(self) -> list[Outbound]: ...


class TelegramChannel:
    """Handlers for messages and button presses, bound to one conversation core."""

    def __init__(
        self,
        core: ConversationCore,
        config: TelegramConfig,
        messages: Messages,
        limiter: RateLimiter | None = None,
        handoff: HandoffHooks | None = None,
        journal: ReplyJournal | None = None,
    ) -> None:
        self.core = core
        self.handoff = handoff
        self.config = config
        self.messages = messages
        self.limiter = limiter
        self.policy = ChatPolicy(config.staff_ids, config.support_chat_id)
        self.journal = journal  # replies per update: none lost, none repeated
        self.signer = CallbackSigner(config.token)
        self.watermark = MessageIdWatermark()  # message id floors of replies in doubt

    def delivery(self, bot: Bot) -> TelegramDelivery:
        """A delivery that feeds this channel's message id watermark."""
        return TelegramDelivery(
            bot, self.signer, self.watermark, kill_after_send=self.config.fault_kill_after_send
        )

    def _floor(self, outbound: Outbound) -> int | None:
        try:
            return self.watermark.floor(int(outbound.chat_id)) or None
        except ValueError:
            return None

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        message = update.effective_message
        if message is not None:
            self.watermark.see(message.chat.id, message.message_id)
        inbound = message_inbound(update, self.policy, bot.username, bot.id)
        if inbound is None:
            return
        if inbound.command == INGEST_COMMAND and inbound.role is Role.STAFF and update.message is not None:
            inbound = await self._with_document(inbound, update.message)
        delivery = self.delivery(bot)
        if not await self._admitted(inbound, delivery):
            return
        if handoff_known_closed():  # learnt with the update's admission: handoff needs no lookup
            inbound = dataclasses.replace(inbound, handoff_open=False)
        progress = self._progress(bot, inbound)
        await self._answer_once(update.update_id, inbound, progress, delivery, bot)

    async def on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A customer blocked the bot (or left the private chat): a pending handoff for them is closed."""
        change = update.my_chat_member
        if change is None or change.chat.type != change.chat.PRIVATE:
            return
        if change.new_chat_member.status in ("kicked", "left"):
            await self._customer_left(context.bot, str(change.chat.id))

    async def _customer_left(self, bot: Bot, chat_id: str) -> None:
        customer_left = getattr(self.handoff, "customer_left", None)
        if customer_left is None:
            return
        outbounds = [o for o in await customer_left(chat_id) if o.chat_id != chat_id]
        await self.report(await self.delivery(bot).deliver(outbounds))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every press is answered (answerCallbackQuery); forged or stale data gets a polite notice."""
        query = update.callback_query
        if query is None:
            return
        inbound = callback_inbound(update, self.policy, self.signer)
        lang = detect_language("", query.from_user.language_code)
        if inbound is None or inbound.callback_data is None:
            log.info("refused forged or stale button data from user %s", query.from_user.id)
            await self._answer(query, self.messages.get("telegram_button_stale", lang))
            return
        delivery = self.delivery(context.bot)
        verdict = await self._verdict(inbound)
        if verdict is not RateDecision.ALLOW:
            notice = (
                self.messages.get("telegram_rate_limited", lang) if verdict is RateDecision.WARN else None
            )
            await self._answer(query, notice)
            return
        await self._answer(query, None)  # stop the client's spinner before the (maybe slow) reply
        progress = self._progress(context.bot, inbound)
        await self._answer_once(update.update_id, inbound, progress, delivery, context.bot)

    async def _answer_once(
        self,
        update_id: int,
        inbound: Inbound,
        progress: TelegramProgress,
        delivery: TelegramDelivery,
        bot: Bot,
    ) -> None:
        """The core's replies to one update, never lost and never doubled across a crash: with a reply
        journal, replies are journaled before the first send and counted after each, and an update taken over
        from a dead replica resumes from the journal (the core does not run again, replies already confirmed
        are not repeated).

        A reply whose send had started but was not confirmed when the replica died is in doubt: Telegram may
        or may not have it. It is resolved, not guessed: `ReplyProbe` looks for it above the message id floor
        journaled with the send (identical edits answer "not modified" only for that very message) and
        delivery resumes after what Telegram has. What no edit can compare (an image, a document, a copy) is
        sent again: a lost answer is worse than a repeated one. `bench/load.py --kill-runs N` measures both."""
        journal = self.journal
        # A fresh claim (its update was never seen before) has nothing journaled: no need to ask.
        admitted = current_admission()
        completes = admitted is not None  # the update gate marks the update done right after this
        looked_up = journal is not None and not (admitted is not None and admitted.fresh)
        pending = await journal.pending_async(update_id) if looked_up and journal is not None else None
        skip = 0
        if pending is not None:
            outbounds, done, started, after_id = pending
            if started > done and journal is not None:  # the process died mid-send
                done, skip = await self._resolve_doubt(
                    update_id, inbound, outbounds, done, started, after_id, delivery, journal
                )
            log.warning(
                "update %s resumed from the reply journal: %d of %d sent", update_id, done, len(outbounds)
            )
        else:
            # what the core writes rides along with the journal's record: one round trip for both
            async with journal.deferring() if journal is not None else contextlib.nullcontext():
                outbounds, done = await self.core.handle(inbound, progress), 0
                if inbound.is_group and inbound.role is not Role.AGENT:
                    outbounds = [_answering(outbound, inbound) for outbound in outbounds]
                if journal is not None and any(o.meta.get(ERASED) == "chat" for o in outbounds):
                    await offload(journal.forget_chat, inbound.chat_id)  # /forget: journaled replies go too
                if journal is not None:  # the record also marks the first send as started, with its floor
                    floor = self._floor(outbounds[0]) if outbounds else None
                    await journal.record_async(
                        update_id, outbounds, sending=1 if outbounds else 0, after_id=floor
                    )
        first = done + 1 if pending is None else 0  # the send already marked started by the record

        # Journal writes are awaited on the loop, not queued behind other coordination calls: the gap
        # between a send and its record is the window in which a crash leaves a reply in doubt. The last reply's
        # "delivered" is the update's completion itself when the update gate completes it right after
        # (a done update is never resumed), so a one-reply answer costs one journal write, not three.
        last = len(outbounds)

        async def starting(number: int) -> None:
            if journal is not None and done + number != first:
                await journal.sending_async(
                    update_id, done + number, self._floor(outbounds[done + number - 1])
                )

        async def sent(number: int) -> None:
            if journal is not None and not (completes and done + number == last):
                await journal.delivered_async(update_id, done + number)

        delivered = await delivery.deliver(outbounds[done:], progress, sent, starting, skip_first=skip)
        mine = [int(r.message_id) for d in delivered for r in d.refs if r.chat_id == inbound.chat_id]
        if mine:  # stored with the update's completion: the floor of the chat's next reply in doubt
            note_sent(max(mine))
        await self.report(delivered, bot)

    async def _resolve_doubt(
        self,
        update_id: int,
        inbound: Inbound,
        outbounds: Sequence[Outbound],
        done: int,
        started: int,
        after_id: int | None,
        delivery: TelegramDelivery,
        journal: ReplyJournal,
    ) -> tuple[int, int]:
        """The `started`-th reply was being sent when its replica died: ask Telegram how much of it arrived.
        Returns (replies delivered, messages of the next reply already delivered)."""
        doubtful = outbounds[started - 1]
        floor = after_id or 0
        if inbound.ref is not None and inbound.ref.chat_id == doubtful.chat_id:
            floor = max(floor, int(inbound.ref.message_id))  # the reply comes after the message it answers
        if doubtful.chat_id == inbound.chat_id:  # above every reply of the chat's earlier updates, too
            chat_key = f"telegram:{inbound.chat_id}"
            floor = max(floor, await offload(journal.chat_floor, update_id, chat_key))
        found = await ReplyProbe(delivery).delivered_steps(doubtful, floor)
        steps = len(plan(doubtful, delivery.keyboard(reply_rows(doubtful))))
        if found and found >= steps:
            telemetry.count("reply_in_doubt", outcome="delivered")
            log.warning("update %s: reply %d in doubt was delivered (found by probe)", update_id, started)
            await offload(journal.delivered, update_id, started)
            return started, 0
        telemetry.count("reply_in_doubt", outcome="partial" if found else "resent")
        log.warning(
            "update %s: reply %d in doubt: %d of %d messages found; sending the rest",
            update_id,
            started,
            found,
            steps,
        )
        return done, found

    def _progress(self, bot: Bot, inbound: Inbound) -> TelegramProgress:
        thread = int(inbound.thread_id) if inbound.thread_id else None
        reply_to = (
            int(inbound.ref.message_id)
            if inbound.is_group and inbound.ref and not inbound.callback_data
            else None
        )
        return TelegramProgress(
            bot,
            int(inbound.chat_id),
            private=not inbound.is_group,
            thread_id=thread,
            reply_to=reply_to,
            typing_after_s=self.config.typing_after_s,
        )

    async def report(self, delivered: Sequence[Delivered], bot: Bot | None = None) -> None:
        """Tell handoff where its messages landed (so agents' replies to them reach the right customer)
        and which customers can no longer be reached (they blocked the bot)."""
        if self.handoff is None:
            return
        for item in delivered:
            if item.outbound.meta.get("handoff_id") and item.refs:
                await self.handoff.on_delivered(item.outbound, item.refs[0])
        blocked = {item.outbound.chat_id for item in delivered if item.blocked}
        if bot is not None:
            for chat_id in sorted(blocked):
                await self._customer_left(bot, chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A bug in a handler: log it with the update id (PTB would otherwise swallow it)."""
        update_id = update.update_id if isinstance(update, Update) else None
        telemetry.count("error", where="telegram")
        log.error("unhandled error for update %s", update_id, exc_info=context.error)

    def rate_key(self, update: Update) -> str | None:
        """The rate-limit key of a customer's message or button press in a private chat (decided when a
        replica admits the update, in the same round trip as its claim); None for everything else, which
        `_verdict` asks the limiter about itself if it needs to."""
        chat, user = update.effective_chat, update.effective_user
        if self.limiter is None or chat is None or user is None or chat.type != chat.PRIVATE:
            return None
        if update.message is None and update.callback_query is None:
            return None
        if self.policy.role(chat, user.id) is not Role.CUSTOMER:
            return None
        return f"telegram:{user.id}"

    async def _verdict(self, inbound: Inbound) -> RateDecision:
        if self.limiter is None or inbound.role is not Role.CUSTOMER:
            return RateDecision.ALLOW
        verdict = (
            await self.limiter.check(f"telegram:{inbound.user_id}")
        ).decision  # the limiter counts hits
        if verdict is not RateDecision.ALLOW:
            log.info("rate limited a user (%s)", verdict)
        return verdict

    async def _admitted(self, inbound: Inbound, delivery: TelegramDelivery) -> bool:
        """Rate limiting: the first limited message gets the friendly notice as its reply, later ones none."""
        verdict = await self._verdict(inbound)
        if verdict is RateDecision.WARN:
            lang = detect_language(inbound.text, inbound.language_hint)
            notice = Outbound(
                chat_id=inbound.chat_id,
                text=self.messages.get("telegram_rate_limited", lang),
                thread_id=inbound.thread_id,
                kind="notice",
            )
            await delivery.deliver([notice])
        return verdict is RateDecision.ALLOW

    async def _with_document(self, inbound: Inbound, message: Message) -> Inbound:
        """/ingest: download the attached (or replied-to) document into `document_bytes`."""
        source = message if message.document else message.reply_to_message
        document = source.document if source is not None else None
        if document is None:
            return inbound
        try:
            file = await document.get_file()
            content = bytes(await file.download_as_bytearray())
        except TelegramError as exc:  # the command then reports "no document" politely
            log.warning("could not download %s for /ingest: %s", document.file_name, exc)
            return inbound
        attachment = Attachment(
            "document", document.file_id, document.file_name or "", document.mime_type or ""
        )
        return dataclasses.replace(inbound, attachment=attachment, document_bytes=content)

    @staticmethod
    async def _answer(query: object, text: str | None) -> None:
        try:
            await query.answer(text=text)  # type: ignore[attr-defined]
        except TelegramError as exc:  # too old, or already answered: nothing left to do
            log.info("answerCallbackQuery failed: %s", exc)
