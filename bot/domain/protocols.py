"""The bot's seams as small protocols: the conversation core a channel talks to, and the handoff gate.

Store protocols (ConversationStore, HandoffStore) live beside their implementations.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.domain.messages import Inbound, Outbound, ReplyProgress


@runtime_checkable
class ConversationCore(Protocol):
    """What every front end talks to: one inbound in, the outbounds to deliver out (never raises)."""

    async def handle(self, inbound: Inbound, progress: ReplyProgress | None = None) -> list[Outbound]: ...


@runtime_checkable
class HandoffGate(Protocol):
    """The human-handoff hook the core consults before answering anything itself."""

    async def intercept(self, inbound: Inbound) -> list[Outbound] | None:
        """Handle messages that belong to handoff (held chats, support-group traffic, claim/close/rating);
        None when the core should answer normally."""
        ...

    async def request(self, inbound: Inbound, reason: str, context: dict[str, object]) -> list[Outbound]:
        """Open a handoff for the inbound's chat (`reason`: "requested", "unanswered", "complaint", a topic);
        `context` carries the summary, recent turns and products discussed for the agents' card."""
        ...
