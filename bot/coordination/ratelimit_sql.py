"""The rate limiter shared by every replica: the sliding window lives in the database.

Why: with N replicas behind a round-robin proxy, an in-process limiter lets a flooding user through N times
faster. Same policy as `bot.coordination.ratelimit.SlidingWindowRateLimiter` (ALLOW up to the limit, WARN once, then
DROP until the window passes); decisions for one key are serialised by a transaction-scoped advisory lock
on PostgreSQL and by SQLite's single writer. On PostgreSQL a decision is one round trip: the server-side
function `xiaoer_rate_check` (migration 0007) runs the same steps as the SQLite code below.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import cast

from sqlalchemy import Float, Index, Integer, String, Table, delete, func, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.coordination.ratelimit import RateDecision, RateVerdict
from bot.coordination.sql import advisory_key
from bot.domain import telemetry
from bot.storage.db import Base, Database


class RateHit(Base):
    """One allowed message of a key (rows older than the window are deleted on the next check)."""

    __tablename__ = "xiaoer_rate_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_xiaoer_rate_hits_key_at", "key", "at"),)


class RateWarning(Base):
    """Until when a key has already been warned (so the flood gets one notice per window)."""

    __tablename__ = "xiaoer_rate_warnings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    until: Mapped[float] = mapped_column(Float)


def rate_lock(key: str) -> int:
    """The advisory lock that serialises decisions for `key` across replicas."""
    return advisory_key("rate:" + key)


class SqlRateLimiter:
    """`RateLimiter` over the shared SQL database; `clock` must be wall time shared by all replicas."""

    def __init__(
        self,
        database: Database,
        max_messages: int = 6,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_messages < 1 or window_s <= 0:
            raise ValueError("rate limit needs max_messages >= 1 and window_s > 0")
        self.database = database
        self.engine = database.engine
        self.max_messages = max_messages
        self.window_s = window_s
        self._clock = clock

    def now(self) -> float:
        """The limiter's clock (wall time shared by the replicas; injectable in tests)."""
        return self._clock()

    async def check(self, key: str) -> RateVerdict:
        verdict = await asyncio.to_thread(self.check_now, key)
        if verdict.decision is not RateDecision.ALLOW:
            telemetry.count("rate_limited", channel=key.split(":", 1)[0])
        return verdict

    def check_now(self, key: str) -> RateVerdict:
        """One decision in one transaction, serialised per key (PostgreSQL: one round trip)."""
        now = self._clock()
        if self.database.dialect == "postgresql":
            with self.database.autocommit.connect() as conn:
                decision, retry_after = conn.execute(
                    text("SELECT decision, retry_after FROM xiaoer_rate_check(:k, :l, :m, :w, :n)"),
                    {"k": key, "l": rate_lock(key), "m": self.max_messages, "w": self.window_s, "n": now},
                ).one()
            return RateVerdict(RateDecision(decision), float(retry_after))
        hits, warnings = cast(Table, RateHit.__table__), cast(Table, RateWarning.__table__)
        with self.engine.begin() as conn:
            # Writing first takes SQLite's write lock, so the count below cannot race another replica.
            conn.execute(delete(hits).where(hits.c.key == key, hits.c.at <= now - self.window_s))
            count, oldest = conn.execute(
                select(func.count(), func.min(hits.c.at)).where(hits.c.key == key)
            ).one()
            if count < self.max_messages:
                conn.execute(insert(hits).values(key=key, at=now))
                return RateVerdict(RateDecision.ALLOW)
            retry_after = float(oldest) + self.window_s - now
            until = conn.execute(select(warnings.c.until).where(warnings.c.key == key)).scalar()
            if until is not None and until > now:
                return RateVerdict(RateDecision.DROP, retry_after)
            conn.execute(delete(warnings).where(warnings.c.key == key))
            conn.execute(insert(warnings).values(key=key, until=now + self.window_s))
            return RateVerdict(RateDecision.WARN, retry_after)
