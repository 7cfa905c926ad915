"""The support team's side of a handoff: buttons, /claim /close /queue /transcript, and agent → customer relay.

Which request an agent means is found, in order, from: an id argument (`/claim 3f9a1c`), the forum topic
the message is in, the message it replies to (the card or any relayed message — the fallback when the
group has no topics), and — only for channels that cannot reply at all (no message refs, e.g. the
terminal) — the agent's single claimed request or the single open one. Agent chatter that matches no
request is never sent to a customer.
"""

from __future__ import annotations

import logging

from bot.domain import telemetry
from bot.domain.messages import Inbound, Outbound, Role
from bot.handoff import cards
from bot.handoff.outbox import OnClosed, Outbox
from bot.handoff.state import Event, Handoff, Status, TranscriptEntry
from bot.handoff.store import claim

log = logging.getLogger(__name__)
AGENT_COMMANDS = ("claim", "close", "queue", "transcript")
_AGENT_ROLES = frozenset({Role.AGENT, Role.STAFF})


class SupportTeam:
    """Everything agents do (the customer's side and the gate are `HandoffService`, which holds one)."""

    def __init__(self, outbox: Outbox, *, on_closed: OnClosed | None = None) -> None:
        self.outbox = outbox
        self.on_closed = on_closed  # remembers the human exchange in the bot's memory

    # --- entry points -------------------------------------------------------------------------------
    async def handle_support(self, inbound: Inbound) -> list[Outbound] | None:
        """Anything said in the support chat; None only for other commands (the core's registry has them)."""
        if inbound.command in AGENT_COMMANDS:
            return await self.agent_command(inbound)
        if inbound.command:
            return None
        if not inbound.text and (inbound.attachment is None or inbound.attachment.kind == "other"):
            return []  # service messages (pins, topic edits, joins) are nobody's words
        handoff = await self._resolve(inbound)
        if handoff is None:
            return []  # agents talking among themselves
        if handoff.status == Status.CLOSED:
            return [self.outbox.notice(inbound, handoff, "handoff_not_delivered_closed", id=handoff.short_id)]
        out: list[Outbound] = []
        if handoff.status != Status.CLAIMED:  # writing to an unclaimed request claims it
            out += await self._claim(handoff, inbound)
            handoff = await self.outbox.db(self.outbox.store.get, handoff.id) or handoff
        return [*out, await self._relay_agent(handoff, inbound)]

    async def agent_command(self, inbound: Inbound) -> list[Outbound]:
        """/claim /close /queue /transcript — also registered on the core's CommandRegistry (AGENT, STAFF)."""
        if inbound.command == "queue":
            handoffs = await self.outbox.db(self.outbox.store.list_open)
            text = cards.queue_text(
                self.outbox.messages, handoffs, self.outbox.support_language, now=self.outbox.clock()
            )
            return [Outbound(chat_id=inbound.chat_id, text=text, thread_id=inbound.thread_id)]
        handoff = await self._resolve(inbound, inbound.command_args)
        if handoff is None:
            text = self.outbox.messages.get(
                "handoff_not_found", self.outbox.support_language, example="3f9a1c"
            )
            return [Outbound(chat_id=inbound.chat_id, text=text, thread_id=inbound.thread_id)]
        if inbound.command == "claim":
            return await self._claim(handoff, inbound)
        if inbound.command == "close":
            return await self.finish(handoff, Event.CLOSE, by=_agent_name(inbound), requester=inbound)
        entries = await self.outbox.db(self.outbox.store.transcript, handoff.id)
        document = cards.transcript_document(
            self.outbox.messages, handoff, entries, self.outbox.support_language
        )
        return [
            Outbound(
                chat_id=inbound.chat_id,
                thread_id=inbound.thread_id,
                document=document,
                text=document[0],
                meta={"handoff_id": handoff.id},
            )
        ]

    async def handle_callback(self, inbound: Inbound) -> list[Outbound]:
        """h:claim:<id> h:close:<id> (agents), h:rate:<id>:<n> h:note:<id> (the customer); stale → polite."""
        parts = (inbound.callback_data or "").split(":")
        action, handoff_id = (parts[1], parts[2]) if len(parts) >= 3 else ("", "")
        handoff = await self.outbox.db(self.outbox.store.get, handoff_id) if handoff_id else None
        if handoff is None:
            return [self.outbox.stale(inbound)]
        if action in ("claim", "close") and inbound.role in _AGENT_ROLES:
            if action == "claim":
                return await self._claim(handoff, inbound)
            return await self.finish(handoff, Event.CLOSE, by=_agent_name(inbound), requester=inbound)
        if inbound.chat_id != handoff.chat_id:
            return [self.outbox.stale(inbound)]
        if action == "rate" and len(parts) == 4 and parts[3] in {"1", "2", "3", "4", "5"}:
            return await self._rate(handoff, int(parts[3]))
        if action == "note" and handoff.status == Status.TIMED_OUT:
            await self.outbox.db(self.outbox.store.update, handoff.id, note_pending=True)
            return [self.outbox.reply(handoff, "handoff_note_prompt")]
        return [self.outbox.stale(inbound)]

    # --- actions ------------------------------------------------------------------------------------
    async def _claim(self, handoff: Handoff, inbound: Inbound) -> list[Outbound]:
        name = _agent_name(inbound)
        result = await self.outbox.db(
            claim, self.outbox.store, handoff.id, inbound.user_id, name, self.outbox.clock()
        )
        current = result.handoff or handoff
        if not result.ok:
            key = {"taken": "handoff_taken", "mine": "handoff_already_yours"}.get(
                result.reason, "handoff_already_closed"
            )
            agent = current.agent_name if result.reason != "closed" else current.closed_by
            return [self.outbox.notice(inbound, current, key, id=current.short_id, agent=agent or "?")]
        await self.outbox.record(current, "system", f"claimed by {name}", name)
        if self.outbox.config.reveal_agent_names:
            joined = self.outbox.messages.get("handoff_agent_joined_named", current.language, agent=name)
        else:
            joined = self.outbox.messages.get("handoff_agent_joined", current.language)
        return [
            self.outbox.notice(inbound, current, "handoff_claimed_by", id=current.short_id, agent=name),
            self.outbox.to_customer(current, joined),
        ]

    async def finish(
        self, handoff: Handoff, event: Event, *, by: str, name: str = "", requester: Inbound | None = None
    ) -> list[Outbound]:
        """Close (agent) or leave (customer): hand the chat back, remember the exchange, ask for a rating."""
        done = await self.outbox.db(
            self.outbox.store.transition, handoff.id, event, closed_by=by, closed_at=self.outbox.clock()
        )
        if done is not None:
            telemetry.count("handoff", event=event.value, reason=handoff.reason)
        if done is None:
            current = await self.outbox.db(self.outbox.store.get, handoff.id) or handoff
            if requester is None:
                return [self.outbox.reply(current, "handoff_left_customer")]
            return [
                self.outbox.notice(
                    requester,
                    current,
                    "handoff_already_closed",
                    id=current.short_id,
                    agent=current.closed_by or "?",
                )
            ]
        await self.outbox.record(done, "system", f"{event.value} by {by}", by)
        await self._remember(done)
        if event == Event.LEAVE:
            return [
                self.outbox.reply(done, "handoff_left_customer"),
                self.outbox.to_support(
                    done,
                    self.outbox.messages.get(
                        "handoff_customer_left", self.outbox.support_language, id=done.short_id
                    ),
                ),
            ]
        support = (
            self.outbox.notice(requester, done, "handoff_closed_by", id=done.short_id, agent=by)
            if requester
            else self.outbox.to_support(
                done,
                self.outbox.messages.get(
                    "handoff_closed_by", self.outbox.support_language, id=done.short_id, agent=by
                ),
            )
        )
        if done.claimed_at is None:  # never picked up: no one to rate
            customer = self.outbox.to_customer(
                done, self.outbox.messages.get("handoff_closed_quiet", done.language)
            )
        else:
            customer = self.outbox.to_customer(
                done,
                self.outbox.messages.get("handoff_closed_customer", done.language),
                cards.rating_buttons(self.outbox.messages, done),
            )
        return [support, customer]

    async def _rate(self, handoff: Handoff, rating: int) -> list[Outbound]:
        if not await self.outbox.db(self.outbox.store.rate, handoff.id, rating):
            key = "handoff_rating_done" if handoff.status == Status.CLOSED else "handoff_button_stale"
            return [self.outbox.reply(handoff, key)]
        await self.outbox.record(handoff, "system", f"rated {rating}", "customer")
        await self.outbox.event(handoff, "rating", str(rating))
        return [
            self.outbox.reply(handoff, "handoff_rating_thanks", rating=rating),
            self.outbox.to_support(
                handoff,
                self.outbox.messages.get(
                    "handoff_rated", self.outbox.support_language, id=handoff.short_id, rating=rating
                ),
            ),
        ]

    async def _relay_agent(self, handoff: Handoff, inbound: Inbound) -> Outbound:
        """Copy (not forward) the agent's message to the customer; the agent stays anonymous unless configured."""
        name = _agent_name(inbound)
        await self.outbox.record(handoff, "agent", inbound.text, name, inbound)
        text = inbound.text or self.outbox.messages.get(
            "handoff_attachment_label",
            handoff.language,
            kind=inbound.attachment.kind if inbound.attachment else "other",
        )
        copy_of = inbound.ref
        if self.outbox.config.reveal_agent_names:
            text = self.outbox.messages.get("handoff_relay_label", handoff.language, name=name, text=text)
            copy_of = None if inbound.attachment is None else copy_of
        return self.outbox.to_customer(handoff, text, kind="relay", copy_of=copy_of)

    async def _remember(self, handoff: Handoff) -> None:
        if self.on_closed is None:
            return
        entries: list[TranscriptEntry] = await self.outbox.db(self.outbox.store.transcript, handoff.id)
        try:
            await self.on_closed(
                handoff.chat_id, cards.memory_summary(self.outbox.messages, handoff, entries), handoff.user_id
            )
        except Exception:  # memory is a nicety; the hand-back itself must not fail
            log.exception("on_closed hook failed for handoff %s", handoff.id)

    # --- helpers ------------------------------------------------------------------------------------
    async def _resolve(self, inbound: Inbound, args: str = "") -> Handoff | None:
        support = inbound.chat_id
        if args.split():
            return await self.outbox.db(self.outbox.store.find, args.split()[0])
        if inbound.thread_id:
            found = await self.outbox.db(self.outbox.store.by_thread, support, inbound.thread_id)
            if found is not None:
                return found
        if inbound.reply_to is not None:
            return await self.outbox.db(self.outbox.store.by_message, support, inbound.reply_to.message_id)
        if inbound.ref is None and inbound.chat_id in self.outbox.config.support_chats.values():
            open_ = [
                h for h in await self.outbox.db(self.outbox.store.list_open) if h.support_chat_id == support
            ]
            mine = [h for h in open_ if h.status == Status.CLAIMED and h.agent_id == inbound.user_id]
            candidates = mine or open_
            return candidates[0] if len(candidates) == 1 else None
        return None


def _agent_name(inbound: Inbound) -> str:
    return inbound.user_name or inbound.user_id
