"""Per-chat memory: turns, the last products shown, follow-up state, and per-user interest scores.

One protocol, two implementations (`SqlConversationStore` in `bot.conversation.store_sql` — SQLite by
default, PostgreSQL via `XIAOER_DATABASE_URL` — and the in-memory one below) and one contract test over
both. This module never imports the SQL one (whoever needs it imports it). Methods are synchronous
(callers run them off the event loop), except `load_async`/`commit_async`, the reply path's pair, which
the core awaits on the loop (the SQL store runs them on PostgreSQL's async pool, without a thread).

One customer message reads its memory once (`load`: state, recent turns, the user's interests) and writes
it once (`commit`: the new turns, the new state and, when they changed, the interests) — on PostgreSQL one
round trip each. The finer-grained methods serve commands, handoff and staff tools.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.conversation.dialogue_state import DialogueState
from bot.domain.clock import utcnow
from knowledge.script import HAN_CHAR

_CJK = HAN_CHAR
_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Turn:
    """One message in a chat: the customer's ('user') or the bot's/agent's ('assistant'/'agent')."""

    role: str
    text: str
    user_id: str = ""  # the customer this conversation belongs to
    skus: tuple[str, ...] = ()  # products shown with this turn
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class ChatState:
    """What follow-ups resolve against: the products last shown and the query that found them."""

    last_skus: tuple[str, ...] = ()
    last_query: str = ""
    last_filters: dict[str, str] = field(default_factory=dict)
    focus_sku: str = ""
    unanswered: int = 0  # consecutive messages the bot could not answer
    language: str = ""
    dialogue: DialogueState = field(default_factory=DialogueState)  # references, active search, script
    flow_users: tuple[str, ...] = ()  # members with a guided dialogue open (orders): only they consult it

    def to_json(self) -> dict[str, object]:
        return {
            "dialogue": self.dialogue.to_json(),
            "last_skus": list(self.last_skus),
            "last_query": self.last_query,
            "last_filters": self.last_filters,
            "focus_sku": self.focus_sku,
            "unanswered": self.unanswered,
            "language": self.language,
            **({"flow_users": list(self.flow_users)} if self.flow_users else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, object] | None) -> ChatState:
        if not data:
            return cls()
        return cls(
            last_skus=tuple(str(s) for s in _as_list(data.get("last_skus"))),
            last_query=str(data.get("last_query") or ""),
            last_filters={str(k): str(v) for k, v in _as_dict(data.get("last_filters")).items()},
            focus_sku=str(data.get("focus_sku") or ""),
            unanswered=int(data.get("unanswered") or 0),  # type: ignore[call-overload]
            language=str(data.get("language") or ""),
            dialogue=DialogueState.from_json(data.get("dialogue")),
            flow_users=tuple(str(u) for u in _as_list(data.get("flow_users"))),
        )


Interests = Mapping[str, tuple[float, datetime]]  # keyword → (score, when last updated)


@dataclass(frozen=True)
class ChatMemory:
    """What answering one message reads: the chat's follow-up state, its last turns (oldest first) and
    the user's interest scores."""

    state: ChatState = field(default_factory=ChatState)
    turns: tuple[Turn, ...] = ()
    interests: Interests = field(default_factory=dict)


def approx_tokens(text: str) -> int:
    """Token estimate without a tokenizer download: one per CJK character, ~1.3 per English word."""
    return len(_CJK.findall(text)) + round(1.3 * len(_WORD.findall(text))) + 1


def trim_to_budget(turns: Sequence[Turn], budget: int) -> list[Turn]:
    """The most recent turns whose estimated tokens fit in `budget` (oldest dropped first)."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns):
        cost = approx_tokens(turn.text)
        if used + cost > budget:
            break
        kept.append(turn)
        used += cost
    return list(reversed(kept))


@runtime_checkable
class ConversationStore(Protocol):
    def load(self, chat_id: str, user_id: str, limit: int = 40) -> ChatMemory:
        """The chat's state and last `limit` turns and `user_id`'s interests, read together."""
        ...

    def commit(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        """Append `turns`, save `state` (owned by `user_id`) and, when given, replace the user's interests
        with `interests` — all or nothing."""
        ...

    async def load_async(self, chat_id: str, user_id: str, limit: int = 40) -> ChatMemory:
        """`load`, awaited on the event loop."""
        ...

    async def commit_async(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        """`commit`, awaited on the event loop (it may be written together with the update's closing
        statement: see `bot.storage.aio.deferred_writes`)."""
        ...

    def append(self, chat_id: str, turn: Turn) -> None: ...

    def recent(self, chat_id: str, limit: int = 40) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        ...

    def state(self, chat_id: str) -> ChatState: ...

    def save_state(self, chat_id: str, state: ChatState, user_id: str = "") -> None: ...

    def reset(self, chat_id: str) -> None:
        """Forget this chat's context (turns and follow-up state); the user's profile stays."""
        ...

    def interests(self, user_id: str) -> dict[str, tuple[float, datetime]]:
        """keyword → (score, when last updated)."""
        ...

    def save_interests(self, user_id: str, scores: dict[str, tuple[float, datetime]]) -> None:
        """Replace the user's interest scores with `scores`."""
        ...

    def forget_user(self, user_id: str) -> int:
        """Delete everything about a user (turns, chat states, interests); returns rows removed."""
        ...

    def count_turns(self, since: datetime | None = None) -> int: ...

    def purge(self, before: datetime) -> int:
        """Delete conversation turns older than `before` (the retention window); returns turns removed."""
        ...


class InMemoryConversationStore:
    """Dict-backed store for tests and single-process trials."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._turns: dict[str, list[Turn]] = defaultdict(list)
        self._states: dict[str, tuple[str, ChatState]] = {}
        self._interests: dict[str, dict[str, tuple[float, datetime]]] = {}

    def load(self, chat_id: str, user_id: str, limit: int = 40) -> ChatMemory:
        with self._lock:
            return ChatMemory(
                self._states.get(chat_id, ("", ChatState()))[1],
                tuple(self._turns.get(chat_id, [])[-limit:]),
                dict(self._interests.get(user_id, {})),
            )

    def commit(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        with self._lock:
            self._turns[chat_id].extend(turns)
            owner = user_id or self._states.get(chat_id, ("", state))[0]
            self._states[chat_id] = (owner, replace(state))
            if interests is not None:
                self._interests[user_id] = dict(interests)

    async def load_async(self, chat_id: str, user_id: str, limit: int = 40) -> ChatMemory:
        return self.load(chat_id, user_id, limit)  # a dict lookup: no need to leave the loop

    async def commit_async(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        self.commit(chat_id, user_id, turns, state, interests)

    def append(self, chat_id: str, turn: Turn) -> None:
        with self._lock:
            self._turns[chat_id].append(turn)

    def recent(self, chat_id: str, limit: int = 40) -> list[Turn]:
        with self._lock:
            return list(self._turns.get(chat_id, [])[-limit:])

    def state(self, chat_id: str) -> ChatState:
        with self._lock:
            return self._states.get(chat_id, ("", ChatState()))[1]

    def save_state(self, chat_id: str, state: ChatState, user_id: str = "") -> None:
        with self._lock:
            self._states[chat_id] = (user_id, replace(state))

    def reset(self, chat_id: str) -> None:
        with self._lock:
            self._turns.pop(chat_id, None)
            self._states.pop(chat_id, None)

    def interests(self, user_id: str) -> dict[str, tuple[float, datetime]]:
        with self._lock:
            return dict(self._interests.get(user_id, {}))

    def save_interests(self, user_id: str, scores: dict[str, tuple[float, datetime]]) -> None:
        with self._lock:
            self._interests[user_id] = dict(scores)

    def forget_user(self, user_id: str) -> int:
        with self._lock:
            removed = len(self._interests.pop(user_id, {}))
            for chat_id in list(self._turns):
                before = len(self._turns[chat_id])
                self._turns[chat_id] = [t for t in self._turns[chat_id] if t.user_id != user_id]
                removed += before - len(self._turns[chat_id])
            for chat_id, (owner, _) in list(self._states.items()):
                if owner == user_id:
                    del self._states[chat_id]
                    removed += 1
            return removed

    def purge(self, before: datetime) -> int:
        with self._lock:
            removed = 0
            for chat_id, turns in list(self._turns.items()):
                kept = [t for t in turns if t.at >= before]
                removed += len(turns) - len(kept)
                self._turns[chat_id] = kept
            return removed

    def count_turns(self, since: datetime | None = None) -> int:
        with self._lock:
            return sum(1 for turns in self._turns.values() for t in turns if since is None or t.at >= since)


__all__ = [
    "ChatMemory",
    "ChatState",
    "ConversationStore",
    "InMemoryConversationStore",
    "Interests",
    "Turn",
    "approx_tokens",
    "trim_to_budget",
]


def _as_list(value: object) -> list[object]:
    """A JSON array from stored state, or empty (older or hand-edited rows)."""
    return list(value) if isinstance(value, list | tuple) else []


def _as_dict(value: object) -> dict[object, object]:
    """A JSON object from stored state, or empty."""
    return dict(value) if isinstance(value, dict) else {}
