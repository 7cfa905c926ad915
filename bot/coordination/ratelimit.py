"""Per-user rate limiting with a sliding window, so one flooding user cannot starve everyone else.

Policy (consistent with "every customer message gets exactly one reply" as far as a flood allows):
- up to `max_messages` messages per `window_s` seconds are ALLOWed and answered normally;
- the first message over the limit gets WARN: the channel answers it with a friendly "slow down" notice —
  that notice *is* its one reply;
- further messages while still over the limit are DROPped silently (answering a flood with a flood of
  notices helps nobody); a notice is shown again only after the window has passed or the user was let
  through in between (each flood gets exactly one notice).
Limited messages don't count towards the window, so a user can write again as soon as a slot frees.

`RateLimiter` is a protocol so a database-backed implementation can share limits between replicas.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.domain import telemetry


class RateDecision(StrEnum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: answer with the friendly notice once
    DROP = "drop"  # over the limit and already warned in this window: no reply


@dataclass(frozen=True)
class RateVerdict:
    decision: RateDecision
    retry_after_s: float = 0.0  # when the next message would be allowed


@runtime_checkable
class RateLimiter(Protocol):
    """Decides for one message of `key` (e.g. "telegram:<user id>") whether to answer it."""

    async def check(self, key: str) -> RateVerdict:
        """Implementations count non-ALLOW decisions as the `rate_limited` metric (channel = key prefix)."""
        ...


class SlidingWindowRateLimiter:
    """In-process sliding window (one replica); `clock` is injectable so tests need no sleeping."""

    def __init__(
        self, max_messages: int = 6, window_s: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_messages < 1 or window_s <= 0:
            raise ValueError("rate limit needs max_messages >= 1 and window_s > 0")
        self.max_messages = max_messages
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._warned_until: dict[str, float] = {}
        self._checks = 0

    async def check(self, key: str) -> RateVerdict:
        verdict = self.check_now(key)
        if verdict.decision is not RateDecision.ALLOW:
            telemetry.count("rate_limited", channel=key.split(":", 1)[0])
        return verdict

    def check_now(self, key: str) -> RateVerdict:
        """The synchronous core of `check` (no awaits: decisions for one key never interleave)."""
        now = self._clock()
        self._checks += 1
        if self._checks % 1024 == 0:
            self._forget_idle(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) < self.max_messages:
            hits.append(now)
            self._warned_until.pop(key, None)  # a new flood later gets its own notice
            return RateVerdict(RateDecision.ALLOW)
        retry_after = hits[0] + self.window_s - now
        if self._warned_until.get(key, float("-inf")) > now:
            return RateVerdict(RateDecision.DROP, retry_after)
        self._warned_until[key] = now + self.window_s
        return RateVerdict(RateDecision.WARN, retry_after)

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no recent activity so memory stays bounded by active users."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s]:
            del self._hits[key]
        for key in [k for k, until in self._warned_until.items() if until <= now]:
            del self._warned_until[key]
