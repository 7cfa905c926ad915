"""Every message of a web chat, as the widget shows it: the `WebHistory` seam and its in-memory version.

It is the web channel's delivery medium: the widget is sent what lands here (in id order), so a reload
shows the conversation again, several tabs of one visitor stay in step, and a reply written by another
process (an agent in the console of another replica) reaches the visitor's socket by polling `since`.
Payloads are the widget's wire format (`bot.channels.web.wire`), already escaped of nothing: the widget
renders them as text. The SQL implementation is `bot.channels.web.history_sql.SqlWebHistory`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

Who = Literal["visitor", "bot", "agent", "system"]


@dataclass(frozen=True)
class WebMessage:
    """One stored message: `id` grows with time across all chats; `payload` is the widget's JSON object."""

    id: int
    chat_id: str
    who: Who
    payload: dict[str, Any] = field(default_factory=dict)
    handoff_id: str | None = None
    at: float = 0.0

    def frame(self) -> dict[str, Any]:
        """The `message` frame the widget receives."""
        return {"type": "message", "id": self.id, "who": self.who, "at": self.at, **self.payload}


@runtime_checkable
class WebHistory(Protocol):
    """Append-only message log per chat; every method is safe to call from several threads."""

    def append(
        self, chat_id: str, who: Who, payload: dict[str, Any], handoff_id: str | None = None
    ) -> WebMessage:
        """Store one message; returns it with its new id (greater than every earlier id)."""
        ...

    def recent(self, chat_id: str, limit: int = 50) -> list[WebMessage]:
        """The chat's last `limit` messages, oldest first."""
        ...

    def since(self, chat_ids: Collection[str], after_id: int, limit: int = 500) -> list[WebMessage]:
        """Messages of these chats with id > `after_id`, oldest first."""
        ...

    def chats_since(self, after_id: int) -> tuple[int, set[str]]:
        """(the latest id, the chats that got messages after `after_id`): one cheap poll for new messages."""
        ...

    def for_handoff(self, handoff_id: str) -> list[WebMessage]:
        """Every message delivered for one handoff request (the console's view of a web request)."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete messages stored before `before` (the retention window, `XIAOER_RETENTION_DAYS`);
        returns how many. Ids of the messages kept do not change."""
        ...

    def forget(self, chat_id: str) -> int:
        """Delete every message of one chat (the visitor's /forget); returns how many."""
        ...


class InMemoryWebHistory:
    """A list-backed log for tests and a single process."""

    def __init__(self, clock: Any = time.time) -> None:
        self._lock = threading.Lock()
        self._rows: list[WebMessage] = []
        self._last_id = 0
        self._clock = clock

    def append(
        self, chat_id: str, who: Who, payload: dict[str, Any], handoff_id: str | None = None
    ) -> WebMessage:
        with self._lock:
            self._last_id += 1
            row = WebMessage(self._last_id, chat_id, who, dict(payload), handoff_id, self._clock())
            self._rows.append(row)
            return row

    def recent(self, chat_id: str, limit: int = 50) -> list[WebMessage]:
        with self._lock:
            rows = [r for r in self._rows if r.chat_id == chat_id]
        return rows[-limit:] if limit > 0 else []

    def since(self, chat_ids: Collection[str], after_id: int, limit: int = 500) -> list[WebMessage]:
        wanted = set(chat_ids)
        with self._lock:
            rows = [r for r in self._rows if r.id > after_id and r.chat_id in wanted]
        return rows[:limit]

    def chats_since(self, after_id: int) -> tuple[int, set[str]]:
        with self._lock:
            return self._last_id, {r.chat_id for r in self._rows if r.id > after_id}

    def for_handoff(self, handoff_id: str) -> list[WebMessage]:
        with self._lock:
            return [r for r in self._rows if r.handoff_id == handoff_id]

    def purge(self, before: datetime) -> int:
        return self._drop(lambda r: r.at < before.timestamp())

    def forget(self, chat_id: str) -> int:
        return self._drop(lambda r: r.chat_id == chat_id)

    def _drop(self, doomed: Any) -> int:
        with self._lock:
            kept = [r for r in self._rows if not doomed(r)]
            removed = len(self._rows) - len(kept)
            self._rows = kept
        return removed
