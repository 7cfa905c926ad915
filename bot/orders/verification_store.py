"""Where verification state lives: attempt counters (for lockouts) and verified links, shared by replicas.

Attempts are reserved *before* the proof is checked (`try_attempt` counts and records in one atomic step) and
released when the proof was right (`clear_attempt`), so a burst of parallel guesses cannot slip past the
limit between "check" and "count". Keys are opaque hashes (`attempt_key`), never a user id or order number,
so the counters hold no personal data. `InMemoryVerificationStore` is the reference for the contract test;
`SqlVerificationStore` (bot/orders/verification_sql.py) is the one replicas share.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


def attempt_key(kind: str, value: str) -> str:
    """An opaque counter key: `kind` ("user", "order") + a hash of the value (no personal data stored)."""
    digest = hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()[:32]
    return f"{kind[:1]}:{digest}"


@dataclass(frozen=True)
class AttemptTicket:
    """The answer to `try_attempt`: allowed (with the recorded attempt ids) or locked (and for how long)."""

    allowed: bool
    ids: tuple[int, ...] = ()
    retry_after_s: float = 0.0


@dataclass(frozen=True)
class VerifiedLink:
    """(chat, user) has proven `order_key` is theirs until `expires_at` (epoch seconds)."""

    chat_id: str
    user_id: str
    order_key: str
    verified_at: float
    expires_at: float


@runtime_checkable
class VerificationStore(Protocol):
    """Blocking calls (SQL): async callers run them in a worker thread."""

    def try_attempt(self, keys: Sequence[str], now: float, window_s: float, limit: int) -> AttemptTicket:
        """If any key already has `limit` attempts within `window_s` before `now`, deny (nothing recorded);
        else record one attempt per key. Atomic per key across processes."""
        ...

    def clear_attempt(self, ids: Sequence[int]) -> None:
        """Forget attempts that turned out right (they are not failures)."""
        ...

    def save_link(self, link: VerifiedLink) -> None:
        """Create or extend the link for (chat, user, order)."""
        ...

    def links(self, chat_id: str, user_id: str, now: float) -> list[VerifiedLink]:
        """The unexpired links of exactly this (chat, user), newest first."""
        ...

    def drop_links(self, chat_id: str, user_id: str) -> int:
        """End the verification of this (chat, user) (e.g. /reset); returns how many links were removed."""
        ...

    def purge(self, before: float) -> int:
        """Delete attempts recorded and links expired before `before`; returns the rows removed."""
        ...


def retry_after(times: list[float], now: float, window_s: float, limit: int) -> float:
    """Seconds until fewer than `limit` of `times` lie inside the window."""
    ordered = sorted(times)
    oldest_that_must_expire = ordered[len(ordered) - limit]
    return max(oldest_that_must_expire + window_s - now, 0.0)


class InMemoryVerificationStore:
    """`VerificationStore` in this process (tests, the terminal chat); thread-safe."""

    def __init__(self) -> None:
        self._attempts: dict[int, tuple[str, float]] = {}
        self._links: dict[tuple[str, str, str], VerifiedLink] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def try_attempt(self, keys: Sequence[str], now: float, window_s: float, limit: int) -> AttemptTicket:
        with self._lock:
            since = now - window_s
            wait = 0.0
            for key in keys:
                times = [at for k, at in self._attempts.values() if k == key and at > since]
                if len(times) >= limit:
                    wait = max(wait, retry_after(times, now, window_s, limit))
            if wait > 0 or limit <= 0:
                return AttemptTicket(False, retry_after_s=wait)
            ids = []
            for key in keys:
                attempt_id = next(self._ids)
                self._attempts[attempt_id] = (key, now)
                ids.append(attempt_id)
            return AttemptTicket(True, tuple(ids))

    def clear_attempt(self, ids: Sequence[int]) -> None:
        with self._lock:
            for attempt_id in ids:
                self._attempts.pop(attempt_id, None)

    def save_link(self, link: VerifiedLink) -> None:
        with self._lock:
            self._links[(link.chat_id, link.user_id, link.order_key)] = link

    def links(self, chat_id: str, user_id: str, now: float) -> list[VerifiedLink]:
        with self._lock:
            found = [
                link
                for (chat, user, _), link in self._links.items()
                if chat == chat_id and user == user_id and link.expires_at > now
            ]
        return sorted(found, key=lambda link: (link.verified_at, link.order_key), reverse=True)

    def drop_links(self, chat_id: str, user_id: str) -> int:
        with self._lock:
            doomed = [key for key in self._links if key[0] == chat_id and key[1] == user_id]
            for key in doomed:
                del self._links[key]
        return len(doomed)

    def purge(self, before: float) -> int:
        with self._lock:
            old = [attempt_id for attempt_id, (_, at) in self._attempts.items() if at < before]
            for attempt_id in old:
                del self._attempts[attempt_id]
            expired = [key for key, link in self._links.items() if link.expires_at < before]
            for key in expired:
                del self._links[key]
        return len(old) + len(expired)
