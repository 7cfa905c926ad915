"""`HandoffService`: the core's `HandoffGate` — people take over a customer's chat and hand it back.

The core calls `intercept(inbound)` before answering anything itself and `request(...)` for /human and
"could not answer twice". Everything else happens here: trigger phrases, relaying both ways while a person
holds the chat, claim/close/rating buttons, timeouts. Channels deliver the returned Outbounds following
the contract in `bot.handoff.desk`. The service keeps no state of its own beyond the store, so a restart
mid-handoff loses nothing. Support-group traffic (agents, commands) is handled in `bot.handoff.support`,
configuration and Outbound builders live in `bot.handoff.base`.
"""

from __future__ import annotations

import statistics
import uuid

from bot.domain.language import detect_language
from bot.domain.messages import Button, Inbound, MessageRef, Outbound, Role
from bot.handoff import cards
from bot.handoff.state import Event, Handoff, Status
from bot.handoff.support import SupportSide


class HandoffService(SupportSide):
    """Implements `bot.domain.protocols.HandoffGate` over a `HandoffStore`."""

    # --- HandoffGate --------------------------------------------------------------------------------
    async def intercept(self, inbound: Inbound) -> list[Outbound] | None:
        """Handoff traffic → its outbounds; None when the core should answer normally."""
        if inbound.callback_data and inbound.callback_data.startswith("h:"):
            return await self.handle_callback(inbound)
        if self.is_support_chat(inbound.chat_id):
            return await self.handle_support(inbound)
        handoff = await self._db(self.store.open_for_chat, inbound.chat_id)
        if handoff is not None and handoff.status == Status.WAITING and self._expired(handoff):
            return await self._time_out_on_message(handoff, inbound)
        if handoff is not None and handoff.held:
            return await self._held_customer(handoff, inbound)
        if handoff is not None and handoff.note_pending and not inbound.command and not inbound.callback_data:
            await self._db(self.store.update, handoff.id, note_pending=False)
            return [
                *self._relay_customer(handoff, inbound, note=True),
                self._reply(handoff, "handoff_note_sent"),
            ]
        if inbound.callback_data or inbound.command or inbound.role == Role.AGENT or not self.detect_triggers:
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
        support_chat = self.support_chat_for(inbound.channel)
        if support_chat is None:
            return [Outbound(chat_id=inbound.chat_id, text=self.messages.get("handoff_unavailable", lang))]
        existing = await self._db(self.store.open_for_chat, inbound.chat_id)
        if existing is not None:
            return [self._already(existing, inbound)]
        now = self.clock()
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
        handoff: Handoff = await self._db(self.store.create, draft)
        if handoff.id != draft.id:  # a concurrent request won
            return [self._already(handoff, inbound)]
        title = self.messages.get(
            "handoff_topic_title",
            self.support_language,
            name=cards.display_name(handoff),
            reason=cards.reason_label(self.messages, reason, self.support_language),
            id=handoff.short_id,
        )
        thread_id = await self._create_topic(title[:128])
        if thread_id:
            handoff = await self._db(self.store.update, handoff.id, thread_id=thread_id) or handoff
        await self._record(handoff, "system", f"request: {reason}", "")
        await self._event(handoff, "handoff", reason)
        if inbound.text and not inbound.command:
            await self._record(handoff, "customer", inbound.text, cards.display_name(handoff), inbound)
        card = cards.card_text(self.messages, handoff, context, self.support_language, topic=bool(thread_id))
        wait = await self.expected_wait_minutes()
        told = self._reply(handoff, "handoff_requested_wait" if wait else "handoff_requested", minutes=wait)
        return [
            told,
            self._to_support(
                handoff, card, cards.card_buttons(self.messages, handoff, self.support_language), part="card"
            ),
        ]

    # --- delivery feedback and timeouts -------------------------------------------------------------
    async def on_delivered(self, outbound: Outbound, ref: MessageRef) -> None:
        """A channel delivered a handoff outbound: link support-chat messages to the request (replies)."""
        handoff_id = outbound.meta.get("handoff_id")
        if not handoff_id or not self.is_support_chat(ref.chat_id):
            return
        await self._db(self.store.link_message, handoff_id, ref.chat_id, ref.message_id)
        if outbound.meta.get("part") == "card":
            handoff = await self._db(self.store.get, handoff_id)
            if handoff is not None and handoff.card_message_id is None:
                await self._db(self.store.update, handoff_id, card_message_id=ref.message_id)

    async def sweep(self) -> list[Outbound]:
        """Time out waiting requests nobody claimed; channels call this periodically and deliver."""
        out: list[Outbound] = []
        for handoff in await self._db(self.store.list_open):
            if handoff.status == Status.WAITING and self._expired(handoff):
                out += await self._time_out(handoff, kind="notice")
        return out

    async def customer_left(self, chat_id: str) -> list[Outbound]:
        """The customer left or blocked the bot (a channel event): close and tell the team, nobody else."""
        handoff = await self._db(self.store.open_for_chat, chat_id)
        if handoff is None:
            return []
        out = await self.finish(handoff, Event.LEAVE, by="customer")
        return [o for o in out if o.chat_id != chat_id]

    async def expected_wait_minutes(self) -> int:
        """Median minutes from request to claim over recent requests; 0 when unknown."""
        waits = await self._db(self.store.recent_claim_waits, 20)
        return max(1, round(statistics.median(waits) / 60)) if waits else 0

    async def open_count(self) -> int:
        """Open requests (for /stats)."""
        return len(await self._db(self.store.list_open))

    def _expired(self, handoff: Handoff) -> bool:
        return self.clock() - handoff.created_at >= self.claim_timeout_s

    async def _time_out(self, handoff: Handoff, kind: str) -> list[Outbound]:
        timed = await self._db(self.store.transition, handoff.id, Event.TIMEOUT)
        if timed is None:  # claimed or timed out by someone else meanwhile
            return []
        await self._record(timed, "system", "timed out", "")
        minutes = max(1, round(self.claim_timeout_s / 60))
        note = Button(
            self.messages.get("handoff_leave_note_button", timed.language), data=f"h:note:{timed.id}"
        )
        customer = self._to_customer(
            timed, self.messages.get("handoff_timeout_customer", timed.language), (note,), kind=kind
        )
        support = self._to_support(
            timed,
            self.messages.get(
                "handoff_timeout_support", self.support_language, id=timed.short_id, minutes=minutes
            ),
        )
        return [customer, support]

    async def _time_out_on_message(self, handoff: Handoff, inbound: Inbound) -> list[Outbound]:
        """The customer wrote after the claim timeout: their message still reaches the team, the timeout
        notice is the reply, and the bot answers again from the next message on."""
        out = await self._time_out(handoff, kind="reply")
        if not out:
            current = await self._db(self.store.get, handoff.id)
            return await self.intercept(inbound) if current and current.status != Status.WAITING else []
        return [*self._relay_customer(handoff, inbound), *out]

    # --- the customer's side ------------------------------------------------------------------------
    async def _held_customer(self, handoff: Handoff, inbound: Inbound) -> list[Outbound] | None:
        if self.triggers is not None and self.triggers.is_leave(inbound.text):
            return await self.finish(handoff, Event.LEAVE, by="customer", name=cards.display_name(handoff))
        if inbound.command == "human":
            return [self._already(handoff, inbound)]
        if inbound.command or inbound.callback_data:
            return None if inbound.command else []  # commands go to the bot; stray buttons stay quiet
        await self._record(handoff, "customer", inbound.text, cards.display_name(handoff), inbound)
        return self._relay_customer(handoff, inbound)

    def _relay_customer(self, handoff: Handoff, inbound: Inbound, note: bool = False) -> list[Outbound]:
        """Copy the customer's message (text, photo, file) into the request's topic or under its card."""
        text = inbound.text or self.messages.get(
            "handoff_attachment_label",
            self.support_language,
            kind=inbound.attachment.kind if inbound.attachment else "other",
        )
        key = "handoff_note_label" if note else "handoff_relay_label"
        label = self.messages.get(key, self.support_language, name=cards.display_name(handoff), text=text)
        return [self._to_support(handoff, label, kind="relay", copy_of=inbound.ref)]

    def _already(self, handoff: Handoff, inbound: Inbound) -> Outbound:
        key = {Status.WAITING: "handoff_already_waiting", Status.CLAIMED: "handoff_already_claimed"}.get(
            handoff.status, "handoff_still_open"
        )
        buttons: tuple[Button, ...] = ()
        if handoff.status == Status.TIMED_OUT:
            buttons = (
                Button(
                    self.messages.get("handoff_leave_note_button", handoff.language),
                    data=f"h:note:{handoff.id}",
                ),
            )
        return Outbound(
            chat_id=inbound.chat_id,
            text=self.messages.get(key, handoff.language),
            buttons=buttons,
            meta={"handoff_id": handoff.id},
        )
