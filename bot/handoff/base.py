"""What every part of the handoff service shares: its configuration and how it addresses people.

`HandoffBase` holds the store, strings, support chats and hooks, and builds the Outbounds: to the customer,
and to the request's place in the support chat (its forum topic, or a reply under its card when there are
no topics). `SupportSide` (agents) and `HandoffService` (the gate) build on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from bot.domain.messages import Button, Inbound, MessageRef, Outbound
from bot.handoff.desk import NoTopicsDesk, SupportDesk
from bot.handoff.state import Handoff, TranscriptEntry
from bot.handoff.store import HandoffStore
from bot.handoff.triggers import TriggerSet
from bot.ops import metrics
from bot.prompts import Messages

log = logging.getLogger(__name__)

OnClosed = Callable[[str, str, str], Awaitable[None]]  # (customer chat id, summary of the exchange, user id)
ContextProvider = Callable[[Inbound], Awaitable[dict[str, object]]]


class EventSink(Protocol):
    """Where handoff outcomes go for insights (`bot.insights.recorder.TurnRecorder` fits); never raises."""

    def event(self, *, channel: str, chat_id: str, kind: str, value: str) -> None: ...


class HandoffBase:
    """Configuration, wiring hooks and Outbound builders of the handoff service."""

    def __init__(
        self,
        store: HandoffStore,
        *,
        messages: Messages,
        support_chat_id: str | None = None,
        support_chats: Mapping[str, str] | None = None,
        triggers: TriggerSet | None = None,
        detect_triggers: bool = False,
        claim_timeout_s: float = 300.0,
        desk: SupportDesk | None = None,
        support_language: str = "zh",
        reveal_agent_names: bool = False,
        on_closed: OnClosed | None = None,
        context_provider: ContextProvider | None = None,
        events: EventSink | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.messages = messages
        # channel → its support chat ("*" = any channel): Telegram's group and the terminal's "terminal:support"
        self.support_chats = dict(support_chats or {})
        if support_chat_id is not None:
            self.support_chats.setdefault("*", support_chat_id)
        self.triggers = triggers
        self.detect_triggers = (
            detect_triggers  # False when the core runs the triggers itself (it has the context)
        )
        self.claim_timeout_s = claim_timeout_s
        self.desk: SupportDesk = desk or NoTopicsDesk()
        self.support_language = support_language
        self.reveal_agent_names = reveal_agent_names
        self.on_closed = on_closed
        self.context_provider = context_provider
        self.events = events  # insights: "handoff" (value = reason) and "rating" (value = 1..5)
        self.clock = clock

    # --- wiring -------------------------------------------------------------------------------------
    def attach_desk(self, desk: SupportDesk) -> None:
        """The channel hands over its desk (forum topics) once it is running."""
        self.desk = desk

    def support_chat_for(self, channel: str) -> str | None:
        """Where requests from `channel` go; None = no human support configured for it."""
        return self.support_chats.get(channel) or self.support_chats.get("*")

    def is_support_chat(self, chat_id: str) -> bool:
        return chat_id in self.support_chats.values()

    def detect_trigger(self, text: str) -> str | None:
        """The configured trigger reason for `text` (the core calls this before answering), else None."""
        return self.triggers.detect(text) if self.triggers is not None else None

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Blocking store calls run off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    # --- outbound helpers ---------------------------------------------------------------------------
    def _reply(self, handoff: Handoff, key: str, **values: object) -> Outbound:
        return self._to_customer(handoff, self.messages.get(key, handoff.language, **values), kind="reply")

    def _to_customer(
        self,
        handoff: Handoff,
        text: str,
        buttons: tuple[Button, ...] = (),
        *,
        kind: str = "notice",
        copy_of: MessageRef | None = None,
    ) -> Outbound:
        return Outbound(
            chat_id=handoff.chat_id,
            text=text,
            buttons=buttons,
            kind=kind,  # type: ignore[arg-type]
            copy_of=copy_of,
            meta={"handoff_id": handoff.id},
        )

    def _to_support(
        self,
        handoff: Handoff,
        text: str,
        buttons: tuple[Button, ...] = (),
        *,
        kind: str = "notice",
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
        )  # type: ignore[arg-type]

    async def _record(
        self, handoff: Handoff, who: str, text: str, author: str, inbound: Inbound | None = None
    ) -> None:
        kind = inbound.attachment.kind if inbound is not None and inbound.attachment else ""
        entry = TranscriptEntry(handoff.id, who, text, self.clock(), author, kind)
        await self._db(self.store.add_message, entry)

    async def _event(self, handoff: Handoff, kind: str, value: str) -> None:
        metrics.count("handoff", event="opened" if kind == "handoff" else kind, reason=value)
        if self.events is None:
            return
        try:
            await self._db(
                self.events.event, channel=handoff.channel, chat_id=handoff.chat_id, kind=kind, value=value
            )
        except Exception:  # insights are best-effort; the handoff is not
            log.exception("could not record handoff event %s", kind)

    async def _create_topic(self, title: str) -> str | None:
        try:
            return await self.desk.create_topic(title)
        except Exception:  # a desk must not raise; if it does, the plain-message fallback still works
            log.exception("create_topic failed; falling back to plain messages")
            return None
