"""`HandoffService`: the core's `HandoffGate` — people take over a customer's chat and hand it back.

The core calls `intercept(inbound)` before answering anything itself and `request(...)` for /human and
"could not answer twice". Everything else happens here: trigger phrases, relaying both ways while a person
holds the chat, claim/close/rating buttons, timeouts. Channels deliver the returned Outbounds following
the contract in `bot.handoff.desk`. The service keeps no state of its own beyond the store, so a restart
mid-handoff loses nothing. The service is composed of two parts it owns: `SupportTeam` (support-group
traffic: agents, commands, buttons) and the `Outbox` both use (configuration and Outbound builders).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Collection

from bot.domain.language import detect_language
from bot.domain.messages import Button, Inbound, MessageRef, Outbound, OutboundKind, Role
from bot.handoff import cards
from bot.handoff.desk import SupportDesk
from bot.handoff.outbox import ContextProvider, EventSink, HandoffConfig, OnClosed, Outbox
from bot.handoff.state import Event, Handoff, Status
from bot.handoff.store import HandoffStore
from bot.handoff.support import SupportTeam
from bot.handoff.triggers import TriggerSet
from bot.prompts import Messages


class HandoffService:
    """Implements `bot.domain.protocols.HandoffGate` over a `HandoffStore`.

    `config` is the shop's handoff configuration; `triggers` the phrase file; `on_closed` remembers the
    human exchange in the bot's memory; `context_provider` fills the agents' card; `events` receives
    outcomes for insights; `desk` (forum topics) may also be attached later by the channel that owns it."""

    def __init__(
        self,
        store: HandoffStore,
        messages: Messages,
        config: HandoffConfig,
        *,
        triggers: TriggerSet | None = None,
        desk: SupportDesk | None = None,
        on_closed: OnClosed | None = None,
        context_provider: ContextProvider | None = None,
        events: EventSink | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = Outbox(store, messages, config, desk=desk, events=events, clock=clock)
        self.team = SupportTeam(self.outbox, on_closed=on_closed)
        self.triggers = triggers
        self.context_provider = context_provider

    @property
    def store(self) -> HandoffStore:
        return self.outbox.store

    @property
    def messages(self) -> Messages:
        return self.outbox.messages

    @property
    def config(self) -> HandoffConfig:
        return self.outbox.config

    def attach_desk(self, desk: SupportDesk) -> None:
        """The channel hands over its desk (forum topics) once it is running."""
        self.outbox.desk = desk

    def detect_trigger(self, text: str) -> str | None:
        """The configured trigger reason for `text` (the core calls this before answering), else None."""
        return self.triggers.detect(text) if self.triggers is not None else None

    async def agent_command(self, inbound: Inbound) -> list[Outbound]:
        """/claim /close /queue /transcript (registered on the core's command registry for agents)."""
        return await self.team.agent_command(inbound)

    # --- HandoffGate --------------------------------------------------------------------------------
    async def intercept(self, inbound: Inbound) -> list[Outbound] | None:
        """Handoff traffic → its outbounds; None when the core should answer normally."""
        in_customer_group = inbound.is_group and not self.outbox.is_support_chat(inbound.chat_id)
        if inbound.callback_data and inbound.callback_data.startswith("h:"):
            if in_customer_group and not await self._requester(inbound):
                # another member pressing the requester's note/rating button: told so, nothing else happens
                return [self.outbox.not_yours(inbound)]
            return await self.team.handle_callback(inbound)
        if self.outbox.is_support_chat(inbound.chat_id):
            if inbound.callback_data:
                return None  # another feature's button on its card (e.g. approve an after-sales request)
            return await self.team.handle_support(inbound)
        handoff = (
            None
            if inbound.handoff_open is False  # the channel knows: no lookup
            else await self.outbox.db(self.outbox.store.open_for_chat, inbound.chat_id)
        )
        if handoff is not None and in_customer_group and inbound.user_id != handoff.user_id:
            # A handoff opened in a group belongs to the member who asked: the others are neither relayed
            # to the agents nor able to close it ("取消人工"); the bot answers them as usual.
            return None
        if handoff is not None and handoff.status == Status.WAITING and self._expired(handoff):
            return await self._time_out_on_message(handoff, inbound)
        if handoff is not None and handoff.held:
            return await self._held_customer(handoff, inbound)
        if handoff is not None and handoff.note_pending and not inbound.command and not inbound.callback_data:
            await self.outbox.db(self.outbox.store.update, handoff.id, note_pending=False)
            return [
                *self._relay_customer(handoff, inbound, note=True),
                self.outbox.reply(handoff, "handoff_note_sent"),
            ]
        if (
            inbound.callback_data
            or inbound.command
            or inbound.role == Role.AGENT
            or not self.outbox.config.detect_triggers
        ):
            return None
        reason = self.detect_trigger(inbound.text)
        if reason is None:
            return None
        context = await self.context_provider(inbound) if self.context_provider else {}
        return await self.request(inbound, reason, context)

    async def request(self, inbound: Inbound, reason: str, context: dict[str, object]) -> list[Outbound]:
        """Open a request: tell the customer, put the card in the support chat (own topic if possible)."""
        lang = str(context.get("language") or detect_language(inbound.text, inbound.language_hint))
        lang = "en" if lang == "en" else "zh"
        support_chat = self.outbox.support_chat_for(inbound.channel)
        if support_chat is None:
            return [
                Outbound(chat_id=inbound.chat_id, text=self.outbox.messages.get("handoff_unavailable", lang))
            ]
        existing = await self.outbox.db(self.outbox.store.open_for_chat, inbound.chat_id)
        if existing is not None:
            return [self._already(existing, inbound)]
        now = self.outbox.clock()
        draft = Handoff(
            id=uuid.uuid4().hex[:12],
            chat_id=inbound.chat_id,
            user_id=inbound.user_id,
            channel=inbound.channel,
            reason=reason,
            user_name=str(context.get("user_name") or inbound.user_name),
            language=lang,
            summary=str(context.get("summary") or ""),
            support_chat_id=support_chat,
            created_at=now,
        )
        handoff: Handoff = await self.outbox.db(self.outbox.store.create, draft)
        if handoff.id != draft.id:  # a concurrent request won
            return [self._already(handoff, inbound)]
        title = self.outbox.messages.get(
            "handoff_topic_title",
            self.outbox.support_language,
            name=cards.display_name(handoff),
            reason=cards.reason_label(self.outbox.messages, reason, self.outbox.support_language),
            id=handoff.short_id,
        )
        thread_id = await self.outbox.create_topic(title[:128])
        if thread_id:
            updated = await self.outbox.db(self.outbox.store.update, handoff.id, thread_id=thread_id)
            handoff = updated or handoff
        await self.outbox.record(handoff, "system", f"request: {reason}", "")
        await self.outbox.event(handoff, "handoff", reason)
        if inbound.text and not inbound.command:
            await self.outbox.record(handoff, "customer", inbound.text, cards.display_name(handoff), inbound)
        card = cards.card_text(
            self.outbox.messages, handoff, context, self.outbox.support_language, topic=bool(thread_id)
        )
        wait = await self.expected_wait_minutes()
        key = "handoff_requested_wait" if wait else "handoff_requested"
        if reason == "complaint":  # "客服怎么这么慢", "我要投诉": an apology before the hand-over
            key = key.replace("handoff_requested", "handoff_requested_sorry")
        told = self.outbox.reply(handoff, key, minutes=wait)
        return [
            told,
            self.outbox.to_support(
                handoff,
                card,
                cards.card_buttons(self.outbox.messages, handoff, self.outbox.support_language)
                + cards.extra_buttons(context),
                part="card",
            ),
        ]

    # --- delivery feedback and timeouts -------------------------------------------------------------
    async def on_delivered(self, outbound: Outbound, ref: MessageRef) -> None:
        """A channel delivered a handoff outbound: link support-chat messages to the request (replies)."""
        handoff_id = outbound.meta.get("handoff_id")
        if not handoff_id or not self.outbox.is_support_chat(ref.chat_id):
            return
        await self.outbox.db(self.outbox.store.link_message, handoff_id, ref.chat_id, ref.message_id)
        if outbound.meta.get("part") == "card":
            handoff = await self.outbox.db(self.outbox.store.get, handoff_id)
            if handoff is not None and handoff.card_message_id is None:
                await self.outbox.db(self.outbox.store.update, handoff_id, card_message_id=ref.message_id)

    async def sweep(self, channels: Collection[str] | None = None) -> list[Outbound]:
        """Time out waiting requests nobody claimed; channels call this periodically and deliver.
        `channels` limits the sweep to requests from those channels (a process sweeps only what it can
        deliver: the web server its visitors', the Telegram bot all)."""
        out: list[Outbound] = []
        for handoff in await self.outbox.db(self.outbox.store.list_open):
            if channels is not None and handoff.channel not in channels:
                continue
            if handoff.status == Status.WAITING and self._expired(handoff):
                out += await self._time_out(handoff, kind="notice")
        return out

    async def customer_left(self, chat_id: str) -> list[Outbound]:
        """The customer left or blocked the bot (a channel event): close and tell the team, nobody else."""
        handoff = await self.outbox.db(self.outbox.store.open_for_chat, chat_id)
        if handoff is None:
            return []
        out = await self.team.finish(handoff, Event.LEAVE, by="customer")
        return [o for o in out if o.chat_id != chat_id]

    async def expected_wait_minutes(self) -> int:
        """Median minutes from request to claim over recent requests; 0 when unknown."""
        waits = await self.outbox.db(self.outbox.store.recent_claim_waits, 20)
        return max(1, round(statistics.median(waits) / 60)) if waits else 0

    async def open_count(self) -> int:
        """Open requests (for /stats)."""
        return len(await self.outbox.db(self.outbox.store.list_open))

    def _expired(self, handoff: Handoff) -> bool:
        return self.outbox.clock() - handoff.created_at >= self.outbox.config.claim_timeout_s

    async def _time_out(self, handoff: Handoff, kind: OutboundKind) -> list[Outbound]:
        timed = await self.outbox.db(self.outbox.store.transition, handoff.id, Event.TIMEOUT)
        if timed is None:  # claimed or timed out by someone else meanwhile
            return []
        await self.outbox.record(timed, "system", "timed out", "")
        minutes = max(1, round(self.outbox.config.claim_timeout_s / 60))
        note = Button(
            self.outbox.messages.get("handoff_leave_note_button", timed.language), data=f"h:note:{timed.id}"
        )
        customer = self.outbox.to_customer(
            timed, self.outbox.messages.get("handoff_timeout_customer", timed.language), (note,), kind=kind
        )
        support = self.outbox.to_support(
            timed,
            self.outbox.messages.get(
                "handoff_timeout_support", self.outbox.support_language, id=timed.short_id, minutes=minutes
            ),
        )
        return [customer, support]

    async def _time_out_on_message(self, handoff: Handoff, inbound: Inbound) -> list[Outbound] | None:
        """The customer wrote after the claim timeout: their message still reaches the team, the timeout
        notice is the reply, and the bot answers again from the next message on."""
        out = await self._time_out(handoff, kind="reply")
        if not out:
            current = await self.outbox.db(self.outbox.store.get, handoff.id)
            return await self.intercept(inbound) if current and current.status != Status.WAITING else []
        return [*self._relay_customer(handoff, inbound), *out]

    # --- the customer's side ------------------------------------------------------------------------
    async def _held_customer(self, handoff: Handoff, inbound: Inbound) -> list[Outbound] | None:
        if self.triggers is not None and self.triggers.is_leave(inbound.text):
            return await self.team.finish(
                handoff, Event.LEAVE, by="customer", name=cards.display_name(handoff)
            )
        if inbound.command == "human":
            return [self._already(handoff, inbound)]
        if inbound.command:
            return None  # commands go to the bot
        if inbound.callback_data:
            # Every press gets an answer: an example question would make the bot talk over the agent, so it
            # gets "you are with a person"; any other button (product details, a card's after-sales button
            # a customer must not press, a stale one) is the core's to answer.
            return [self._already(handoff, inbound)] if inbound.callback_data.startswith("q:") else None
        await self.outbox.record(handoff, "customer", inbound.text, cards.display_name(handoff), inbound)
        relayed = self._relay_customer(handoff, inbound)
        if handoff.status == Status.WAITING:
            # nobody has joined yet: the customer is told their words reached the team (every message gets
            # one reply — a silent relay reads as being ignored, above all in the terminal with no agent)
            return [*relayed, self.outbox.reply(handoff, "handoff_relayed_waiting")]
        return relayed

    def _relay_customer(self, handoff: Handoff, inbound: Inbound, note: bool = False) -> list[Outbound]:
        """Copy the customer's message (text, photo, file) into the request's topic or under its card."""
        text = inbound.text or self.outbox.messages.get(
            "handoff_attachment_label",
            self.outbox.support_language,
            kind=inbound.attachment.kind if inbound.attachment else "other",
        )
        key = "handoff_note_label" if note else "handoff_relay_label"
        label = self.outbox.messages.get(
            key, self.outbox.support_language, name=cards.display_name(handoff), text=text
        )
        return [self.outbox.to_support(handoff, label, kind="relay", copy_of=inbound.ref)]

    async def _requester(self, inbound: Inbound) -> bool:
        """Is this group member the one whose handoff the chat holds (or is there none)?"""
        handoff = await self.outbox.db(self.outbox.store.latest_for_chat, inbound.chat_id)
        return handoff is None or handoff.user_id == inbound.user_id

    def _already(self, handoff: Handoff, inbound: Inbound) -> Outbound:
        key = {Status.WAITING: "handoff_already_waiting", Status.CLAIMED: "handoff_already_claimed"}.get(
            handoff.status, "handoff_still_open"
        )
        buttons: tuple[Button, ...] = ()
        if handoff.status == Status.TIMED_OUT:
            buttons = (
                Button(
                    self.outbox.messages.get("handoff_leave_note_button", handoff.language),
                    data=f"h:note:{handoff.id}",
                ),
            )
        return Outbound(
            chat_id=inbound.chat_id,
            text=self.outbox.messages.get(key, handoff.language),
            buttons=buttons,
            meta={"handoff_id": handoff.id},
        )
