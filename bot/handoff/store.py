"""Where handoff requests, their transcripts and ratings live: the `HandoffStore` seam.

Two implementations follow the same contract (one test runs over both): `SqlHandoffStore`
(`bot.handoff.store_sql`, SQLite by default, PostgreSQL for several replicas) and `InMemoryHandoffStore`
below. The methods are synchronous (the service calls them through `asyncio.to_thread`). Every status
change goes through `transition`, which applies the state machine atomically: only one of several racing
claims wins, closing twice closes once.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Protocol, runtime_checkable

from bot.handoff.state import (
    OPEN,
    ClaimResult,
    Event,
    Handoff,
    Status,
    TranscriptEntry,
    sources,
    target,
)

# Fields `update` may change; status and its timestamps change only through `transition`.
MUTABLE_FIELDS = frozenset(
    {"thread_id", "card_message_id", "note_pending", "summary", "user_name", "language"}
)
# Extra fields a transition may set alongside the status.
TRANSITION_FIELDS = frozenset({"agent_id", "agent_name", "claimed_at", "closed_at", "closed_by"})


@runtime_checkable
class HandoffStore(Protocol):
    """Persistence of handoffs; every method is safe to call from several threads."""

    def create(self, handoff: Handoff) -> Handoff:
        """Store a new request; if the chat already has an open one, return that instead."""
        ...

    def get(self, handoff_id: str) -> Handoff | None: ...

    def find(self, id_or_prefix: str) -> Handoff | None:
        """By full id or an unambiguous prefix (agents type `/claim 3f9a1c`)."""
        ...

    def open_for_chat(self, chat_id: str) -> Handoff | None:
        """The customer's open request (waiting, claimed or timed out), if any."""
        ...

    def latest_for_chat(self, chat_id: str) -> Handoff | None: ...

    def by_thread(self, support_chat_id: str, thread_id: str) -> Handoff | None:
        """The newest request living in that forum topic."""
        ...

    def by_message(self, chat_id: str, message_id: str) -> Handoff | None:
        """The request a delivered support-chat message belongs to (reply-to routing)."""
        ...

    def link_message(self, handoff_id: str, chat_id: str, message_id: str) -> None: ...

    def update(self, handoff_id: str, **fields: object) -> Handoff | None:
        """Change descriptive fields (see MUTABLE_FIELDS); never the status."""
        ...

    def transition(self, handoff_id: str, event: Event, **fields: object) -> Handoff | None:
        """Apply `event` if the current status allows it (atomically); the new row, or None if not allowed."""
        ...

    def rate(self, handoff_id: str, rating: int) -> bool:
        """Store the customer's 1–5 rating of a closed request; the first rating wins."""
        ...

    def add_message(self, entry: TranscriptEntry) -> None: ...

    def transcript(self, handoff_id: str) -> list[TranscriptEntry]:
        """Every line, oldest first."""
        ...

    def list_open(self) -> list[Handoff]:
        """Open requests, oldest first (/queue)."""
        ...

    def purge_messages(self, before: float) -> int:
        """Delete transcript lines written before `before` (epoch seconds; the retention window)."""
        ...

    def recent_claim_waits(self, limit: int = 20) -> list[float]:
        """Seconds from request to claim of the most recent claimed requests (expected wait)."""
        ...

    def forget_user(self, channel: str, user_id: str) -> int:
        """Erase what one customer's handoffs hold about them (/forget): every transcript line (theirs, the
        agents' and the relayed copies' links) is deleted and their name and summary are blanked; the rows
        stay (status, timestamps, rating) for the desk's statistics. Returns lines + handoffs erased."""
        ...


def claim(store: HandoffStore, handoff_id: str, agent_id: str, agent_name: str, at: float) -> ClaimResult:
    """Claim atomically and explain a refusal ("taken" by someone else, "mine" already, "closed", "missing")."""
    won = store.transition(handoff_id, Event.CLAIM, agent_id=agent_id, agent_name=agent_name, claimed_at=at)
    if won is not None:
        return ClaimResult(True, won)
    current = store.get(handoff_id)
    if current is None:
        return ClaimResult(False, None, "missing")
    if current.status == Status.CLOSED:
        return ClaimResult(False, current, "closed")
    return ClaimResult(False, current, "mine" if current.agent_id == agent_id else "taken")


class InMemoryHandoffStore:
    """A dict-backed store for tests and the terminal; one lock makes transitions atomic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, Handoff] = {}
        self._messages: dict[str, list[TranscriptEntry]] = {}
        self._links: dict[tuple[str, str], str] = {}

    def create(self, handoff: Handoff) -> Handoff:
        with self._lock:
            for row in self._rows.values():
                if row.chat_id == handoff.chat_id and row.status in OPEN:
                    return row
            self._rows[handoff.id] = handoff
            return handoff

    def get(self, handoff_id: str) -> Handoff | None:
        return self._rows.get(handoff_id)

    def find(self, id_or_prefix: str) -> Handoff | None:
        key = id_or_prefix.strip().lstrip("#").lower()
        if not key:
            return None
        with self._lock:
            hits = [row for row in self._rows.values() if row.id.startswith(key)]
        return hits[0] if len(hits) == 1 else None

    def open_for_chat(self, chat_id: str) -> Handoff | None:
        rows = [r for r in self._rows.values() if r.chat_id == chat_id and r.status in OPEN]
        return max(rows, key=lambda r: r.created_at) if rows else None

    def latest_for_chat(self, chat_id: str) -> Handoff | None:
        rows = [r for r in self._rows.values() if r.chat_id == chat_id]
        return max(rows, key=lambda r: r.created_at) if rows else None

    def by_thread(self, support_chat_id: str, thread_id: str) -> Handoff | None:
        rows = [
            r
            for r in self._rows.values()
            if r.support_chat_id == support_chat_id and r.thread_id == thread_id
        ]
        return max(rows, key=lambda r: r.created_at) if rows else None

    def by_message(self, chat_id: str, message_id: str) -> Handoff | None:
        handoff_id = self._links.get((chat_id, message_id))
        return self._rows.get(handoff_id) if handoff_id else None

    def link_message(self, handoff_id: str, chat_id: str, message_id: str) -> None:
        with self._lock:
            self._links[(chat_id, message_id)] = handoff_id

    def update(self, handoff_id: str, **fields: object) -> Handoff | None:
        bad = set(fields) - MUTABLE_FIELDS
        if bad:
            raise ValueError(f"update cannot change {sorted(bad)}")
        with self._lock:
            row = self._rows.get(handoff_id)
            if row is None:
                return None
            row = self._rows[handoff_id] = dataclasses.replace(row, **fields)  # type: ignore[arg-type]
            return row

    def transition(self, handoff_id: str, event: Event, **fields: object) -> Handoff | None:
        bad = set(fields) - TRANSITION_FIELDS
        if bad:
            raise ValueError(f"transition cannot set {sorted(bad)}")
        with self._lock:
            row = self._rows.get(handoff_id)
            if row is None or row.status not in sources(event):
                return None
            changes: dict[str, object] = {"status": target(event), **fields}
            if event in (Event.CLAIM, Event.CLOSE, Event.LEAVE):
                changes.setdefault("note_pending", False)
            row = self._rows[handoff_id] = dataclasses.replace(row, **changes)  # type: ignore[arg-type]
            return row

    def rate(self, handoff_id: str, rating: int) -> bool:
        with self._lock:
            row = self._rows.get(handoff_id)
            if row is None or row.status != Status.CLOSED or row.rating is not None:
                return False
            self._rows[handoff_id] = dataclasses.replace(row, rating=rating)
            return True

    def add_message(self, entry: TranscriptEntry) -> None:
        with self._lock:
            self._messages.setdefault(entry.handoff_id, []).append(entry)

    def transcript(self, handoff_id: str) -> list[TranscriptEntry]:
        return list(self._messages.get(handoff_id, ()))

    def purge_messages(self, before: float) -> int:
        with self._lock:
            removed = 0
            for key, entries in list(self._messages.items()):
                kept = [e for e in entries if e.at >= before]
                removed += len(entries) - len(kept)
                self._messages[key] = kept
            return removed

    def list_open(self) -> list[Handoff]:
        return sorted((r for r in self._rows.values() if r.status in OPEN), key=lambda r: r.created_at)

    def forget_user(self, channel: str, user_id: str) -> int:
        with self._lock:
            mine = {h.id for h in self._rows.values() if h.channel == channel and h.user_id == user_id}
            erased = sum(len(self._messages.pop(h, [])) for h in mine)
            for key in [k for k, h in self._links.items() if h in mine]:
                del self._links[key]
            for handoff_id in mine:
                self._rows[handoff_id] = dataclasses.replace(self._rows[handoff_id], user_name="", summary="")
            return erased + len(mine)

    def recent_claim_waits(self, limit: int = 20) -> list[float]:
        claimed = [r for r in self._rows.values() if r.claimed_at is not None]
        claimed.sort(key=lambda r: r.claimed_at or 0.0, reverse=True)
        return [(r.claimed_at or 0.0) - r.created_at for r in claimed[:limit]]
