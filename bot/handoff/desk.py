"""The support desk seam: what the handoff service needs from a channel, and how channels deliver for it.

A channel (Telegram) implements `SupportDesk` and calls `HandoffService.attach_desk(desk)` at start-up.
The terminal uses `NoTopicsDesk` (no forum topics: the plain-message fallback).

Delivery contract for the Outbounds the service returns (read by every channel):

* `Outbound.copy_of` set → copy that message (Telegram `copyMessage`, never `forwardMessage`, so an
  agent's identity stays private) into `chat_id` / `thread_id`, honouring `reply_to` and `buttons`.
  `text` then holds a labelled plain-text version ("张三：你好") for channels that cannot copy — use it
  only when copying is impossible (e.g. the terminal, or `copy_of` from another channel).
* `Outbound.thread_id` → `message_thread_id` in the support forum; `reply_to` → reply parameters.
* `Outbound.document` → send it as a file (`/transcript`).
* `Outbound.meta["handoff_id"]` → after delivering, call `await service.on_delivered(outbound, ref)` with
  the `MessageRef` of the message that was sent (for every message of a split text, any will do). The
  service links support-chat message ids to the request, so an agent's reply to any of them reaches the
  right customer when there are no topics. Delivery failures need no callback.
* `kind="relay"` outbounds are the delivery of a held customer's message: while a person holds a chat the
  bot sends no other reply to it (the one-reply-per-message rule is met by the relay), and outbounds for
  other chats (the support group) are normal side effects.
* Timeouts: call `await service.sweep()` every ~30 s (e.g. PTB's JobQueue or an asyncio task) and deliver
  what it returns; without it, a timeout is noticed on the customer's next message.
* A customer who blocks the bot or leaves: `await service.customer_left(chat_id)` closes their request and
  returns the notice for the support chat (deliver it).
* Support-chat messages must all reach the core (role AGENT, not only those addressed to the bot), with
  `thread_id` for forum topics and `reply_to` for replies; service messages (pins, topic edits) are ignored.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SupportDesk(Protocol):
    """Channel operations in the support chat that plain Outbounds cannot express."""

    async def create_topic(self, title: str) -> str | None:
        """Create a forum topic named `title` in the support chat; its `message_thread_id` as a string,
        or None when the chat is not a forum or creation failed (the service then falls back to plain
        messages in the group). Must not raise."""
        ...


class NoTopicsDesk:
    """A desk without forum topics (the terminal, or a plain support group): always the fallback."""

    async def create_topic(self, title: str) -> str | None:
        return None
