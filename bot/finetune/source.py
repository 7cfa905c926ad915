"""What the fine-tuning export reads: conversations, chats an agent handled, and copy staff kept.

`TrafficSource` is the seam: `SqlTrafficSource` (`bot/finetune/store_sql.py`) reads the shared database the
bot writes (conversation memory, handoffs and their transcripts, kept copy); `InMemoryTrafficSource` holds
plain values for tests. One contract test runs over both. Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Line:
    """One message: `role` is "customer", "bot" or "agent"."""

    role: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Conversation:
    """Everything the customer and the bot said in one chat, oldest first."""

    chat_id: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class HandledChat:
    """A chat handed to a person: when, how it was rated, and the customer/agent exchange."""

    chat_id: str
    created_at: datetime
    closed_at: datetime | None
    rating: int | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class KeptCopyRecord:
    """A copy variant staff kept with `/keep`, and the product facts it was written from."""

    copy_id: str
    platform: str
    tone: str
    facts: str
    title: str
    text: str
    bullets: tuple[str, ...]
    kept_at: datetime


class TrafficSource(Protocol):
    def conversations(self, since: datetime, until: datetime) -> list[Conversation]:
        """Chats with at least one line in [since, until), each with all its lines in that window."""
        ...

    def handled_chats(self, since: datetime, until: datetime) -> list[HandledChat]:
        """Handoffs created in [since, until)."""
        ...

    def kept_copies(self, since: datetime, until: datetime) -> list[KeptCopyRecord]: ...


class InMemoryTrafficSource:
    def __init__(
        self,
        conversations: list[Conversation] | None = None,
        handled: list[HandledChat] | None = None,
        copies: list[KeptCopyRecord] | None = None,
    ) -> None:
        self._conversations = conversations or []
        self._handled = handled or []
        self._copies = copies or []

    def conversations(self, since: datetime, until: datetime) -> list[Conversation]:
        out = []
        for conversation in self._conversations:
            lines = tuple(line for line in conversation.lines if since <= line.at < until)
            if lines:
                out.append(Conversation(conversation.chat_id, lines))
        return sorted(out, key=lambda c: c.chat_id)

    def handled_chats(self, since: datetime, until: datetime) -> list[HandledChat]:
        return sorted((h for h in self._handled if since <= h.created_at < until), key=lambda h: h.created_at)

    def kept_copies(self, since: datetime, until: datetime) -> list[KeptCopyRecord]:
        return sorted((c for c in self._copies if since <= c.kept_at < until), key=lambda c: c.kept_at)
