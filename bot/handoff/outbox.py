"""How the handoff service addresses people: its configuration, and the Outbounds, transcript lines and
events both of its sides (the customer's gate and the support team) produce.

`Outbox` builds the messages to the customer and to the request's place in the support chat (its forum
topic, or a reply under its card when there are no topics), records transcript entries and insights events,
and runs blocking store calls off the event loop. `HandoffService` and `SupportTeam` each hold the same
`Outbox` (composition, not inheritance).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bot.domain import telemetry
from bot.domain.messages import Button, Inbound, MessageRef, Outbound, OutboundKind
from bot.handoff.desk import NoTopicsDesk, SupportDesk
from bot.handoff.state import Handoff, TranscriptEntry
from bot.handoff.store import HandoffStore
from bot.prompts import Messages

log = logging.getLogger(__name__)
T = TypeVar("T")

OnClosed = Callable[[str, str, str], Awaitable[None]]  # (customer chat id, summary of the exchange, user id)
ContextProvider = Callable[[Inbound], Awaitable[dict[str, object]]]


class EventSink(Protocol):
    """Where handoff outcomes go for insights (`bot.insights.recorder.TurnRecorder` fits); never raises."""

    def event(self, *, channel: str, chat_id: str, kind: str, value: str) -> None: ...


TERMINAL_SUPPORT_CHAT = "terminal:support"
WEB_SUPPORT_CHAT = "web:console"  # the staff console is the desk for the web widget's visitors


def support_chats_for(telegram_support_chat_id: int | None) -> dict[str, str]:
    """Channel → support chat. Telegram requests go to `XIAOER_SUPPORT_CHAT_ID` (none configured = no human
    support on Telegram); the terminal always has its local support chat, so `:as agent` trials work offline;
    web visitors' requests go to the staff console (`xiaoer web`, /console/)."""
    chats = {"terminal": TERMINAL_SUPPORT_CHAT, "web": WEB_SUPPORT_CHAT}
    if telegram_support_chat_id is not None:
        chats["telegram"] = str(telegram_support_chat_id)
    return chats


@dataclass(frozen=True)
class HandoffConfig:
    """What a shop configures about handoff (typed values from the settings, passed by `bot.wiring`).

    `support_chats` maps a channel to its support chat ("*" = any channel): Telegram's group and the
    terminal's "terminal:support". `claim_timeout_s` is in seconds. `detect_triggers` stays False when the
    core runs the trigger phrases itself (it has the conversation's context)."""

    support_chats: Mapping[str, str] = field(default_factory=dict)
    claim_timeout_s: float = 300.0
    support_language: str = "zh"
    reveal_agent_names: bool = False
    detect_triggers: bool = False


class Outbox:
    """Outbound builders, transcript and event recording shared by both sides of the handoff service."""

    def __init__(
        self,
        store: HandoffStore,
        messages: Messages,
        config: HandoffConfig,
        *,
        desk: SupportDesk | None = None,
        events: EventSink | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.messages = messages
        self.config = config
        self.desk: SupportDesk = desk or NoTopicsDesk()
        self.events = events  # insights: "handoff" (value = reason) and "rating" (value = 1..5)
        self.clock = clock

    # --- addressing ---------------------------------------------------------------------------------
    def support_chat_for(self, channel: str) -> str | None:
        """Where requests from `channel` go; None = no human support configured for it."""
        chats = self.config.support_chats
        return chats.get(channel) or chats.get("*")

    def is_support_chat(self, chat_id: str) -> bool:
        return chat_id in self.config.support_chats.values()

    @property
    def support_language(self) -> str:
        return self.config.support_language

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Blocking store calls run off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    # --- outbounds ----------------------------------------------------------------------------------
    def reply(self, handoff: Handoff, key: str, **values: object) -> Outbound:
        """The customer's one reply for this message, in the request's language."""
        return self.to_customer(handoff, self.messages.get(key, handoff.language, **values), kind="reply")

    def to_customer(
        self,
        handoff: Handoff,
        text: str,
        buttons: tuple[Button, ...] = (),
        *,
        kind: OutboundKind = "notice",
        copy_of: MessageRef | None = None,
    ) -> Outbound:
        return Outbound(
            chat_id=handoff.chat_id,
            text=text,
            buttons=buttons,
            kind=kind,
            copy_of=copy_of,
            meta={"handoff_id": handoff.id, "to": "customer", "customer_user_id": handoff.user_id},
        )

    def to_support(
        self,
        handoff: Handoff,
        text: str,
        buttons: tuple[Button, ...] = (),
        *,
        kind: OutboundKind = "notice",
        copy_of: MessageRef | None = None,
        part: str = "",
    ) -> Outbound:
        """To the request's topic; without topics, as a reply under the request card."""
        reply_to = None
        if handoff.thread_id is None and handoff.card_message_id is not None:
            reply_to = MessageRef(handoff.support_chat_id, handoff.card_message_id)
        meta = {"handoff_id": handoff.id, **({"part": part} if part else {})}
        return Outbound(
            chat_id=handoff.support_chat_id,
            text=text,
            buttons=buttons,
            thread_id=handoff.thread_id,
            reply_to=reply_to,
            copy_of=copy_of,
            kind=kind,
            meta=meta,
        )

    def support_text(self, key: str, **values: object) -> str:
        return self.messages.get(key, self.config.support_language, **values)

    def notice(self, inbound: Inbound | None, handoff: Handoff, key: str, **values: object) -> Outbound:
        """A support-side answer: into the requester's chat (topic or reply), or the request's place."""
        text = self.support_text(key, **values)
        if inbound is None or inbound.chat_id == handoff.support_chat_id:
            return self.to_support(handoff, text)
        return Outbound(
            chat_id=inbound.chat_id, text=text, thread_id=inbound.thread_id, meta={"handoff_id": handoff.id}
        )

    def stale(self, inbound: Inbound) -> Outbound:
        """A button that no longer means anything (or is not this person's to press)."""
        lang = "en" if (inbound.language_hint or "").startswith("en") else "zh"
        return Outbound(chat_id=inbound.chat_id, text=self.messages.get("handoff_button_stale", lang))

    def not_yours(self, inbound: Inbound) -> Outbound:
        """Another group member pressed the requester's button: a reply to that member, nothing else."""
        lang = "en" if (inbound.language_hint or "").startswith("en") else "zh"
        return Outbound(
            chat_id=inbound.chat_id,
            text=self.messages.get("handoff_button_not_yours", lang),
            thread_id=inbound.thread_id,
            reply_to=inbound.ref,  # under the message whose button was pressed
        )

    # --- records ------------------------------------------------------------------------------------
    async def record(
        self, handoff: Handoff, who: str, text: str, author: str, inbound: Inbound | None = None
    ) -> None:
        """Append one line to the request's transcript (`who`: customer | agent | system)."""
        kind = inbound.attachment.kind if inbound is not None and inbound.attachment else ""
        entry = TranscriptEntry(handoff.id, who, text, self.clock(), author, kind)
        await self.db(self.store.add_message, entry)

    async def event(self, handoff: Handoff, kind: str, value: str) -> None:
        """Count a handoff outcome in metrics and, best-effort, in insights."""
        telemetry.count("handoff", event="opened" if kind == "handoff" else kind, reason=value)
        if self.events is None:
            return
        try:
            await self.db(
                self.events.event, channel=handoff.channel, chat_id=handoff.chat_id, kind=kind, value=value
            )
        except Exception:  # insights are best-effort; the handoff is not
            log.exception("could not record handoff event %s", kind)

    async def create_topic(self, title: str) -> str | None:
        """A forum topic for a new request, or None for the plain-message fallback (never raises)."""
        try:
            return await self.desk.create_topic(title)
        except Exception:  # a desk must not raise; if it does, the plain-message fallback still works
            log.exception("create_topic failed; falling back to plain messages")
            return None
