"""What insights are computed from: one record per customer turn plus outcome events.

Records are written already pseudonymised and redacted (the recorder's caller does both); the store
just keeps them. SQL (`bot/insights/store_sql.py`: SQLite default, PostgreSQL for scale) and in-memory below,
one contract test over both.
`bot.insights.write_behind.WriteBehindInsights` batches the writes of either off the reply's path.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TurnRecord:
    """One customer message and what the bot did with it."""

    at: datetime
    channel: str
    user: str  # pseudonym
    chat: str  # pseudonym
    text: str  # redacted
    language: str
    intent: str
    keywords: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    skus: tuple[str, ...] = ()  # top SKUs returned
    answered: bool = True
    top_score: float | None = None
    matched: bool | None = None  # a product request: did a shown product match it? None: not a request


@dataclass(frozen=True)
class OutcomeEvent:
    """Something that happened to a conversation: a handoff (value = reason) or a rating (value = 1..5)."""

    at: datetime
    chat: str  # pseudonym
    kind: str  # "handoff" | "rating"
    value: str


class InsightsStore(Protocol):
    def record_turn(self, turn: TurnRecord) -> None: ...

    def record_turns(self, turns: Sequence[TurnRecord]) -> None:
        """Several turns at once (one statement in SQL), in order."""
        ...

    def record_event(self, event: OutcomeEvent) -> None: ...

    def turns(self, since: datetime, until: datetime) -> list[TurnRecord]: ...

    def events(self, since: datetime, until: datetime) -> list[OutcomeEvent]: ...

    def forget(self, user: str) -> int:
        """Delete the turns of one (pseudonymised) user and the events of their chats; rows removed."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete turns and events older than `before`; rows removed."""
        ...


class InMemoryInsightsStore:
    """For tests and one-off runs."""

    def __init__(self) -> None:
        self._turns: list[TurnRecord] = []
        self._events: list[OutcomeEvent] = []
        self._lock = threading.Lock()

    def record_turn(self, turn: TurnRecord) -> None:
        with self._lock:
            self._turns.append(turn)

    def record_turns(self, turns: Sequence[TurnRecord]) -> None:
        with self._lock:
            self._turns.extend(turns)

    def record_event(self, event: OutcomeEvent) -> None:
        with self._lock:
            self._events.append(event)

    def turns(self, since: datetime, until: datetime) -> list[TurnRecord]:
        with self._lock:
            return [t for t in self._turns if since <= t.at < until]

    def events(self, since: datetime, until: datetime) -> list[OutcomeEvent]:
        with self._lock:
            return [e for e in self._events if since <= e.at < until]

    def forget(self, user: str) -> int:
        with self._lock:
            chats = {t.chat for t in self._turns if t.user == user}
            before = len(self._turns) + len(self._events)
            self._turns = [t for t in self._turns if t.user != user]
            self._events = [e for e in self._events if e.chat not in chats]
            return before - len(self._turns) - len(self._events)

    def purge(self, before: datetime) -> int:
        with self._lock:
            count = len(self._turns) + len(self._events)
            self._turns = [t for t in self._turns if t.at >= before]
            self._events = [e for e in self._events if e.at >= before]
            return count - len(self._turns) - len(self._events)
