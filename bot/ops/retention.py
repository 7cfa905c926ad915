"""Transcripts are kept for a retention window (`XIAOER_RETENTION_DAYS`), then purged — at start-up, daily
in the running bot, and on demand (`xiaoer db purge`).

Why: agents need what customers wrote while a conversation is live, nobody needs it for ever, and PIPL/GDPR
storage limitation asks for a stated period. Each store says what "older than" means for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)
DAY_S = 86_400.0


class Purgeable(Protocol):
    """Something holding dated personal text: removes what is older than `before`, returns rows removed."""

    def __call__(self, before: datetime) -> int: ...


@dataclass
class Retention:
    """`purge_once()` deletes everything older than `days`; `run_daily()` does it once a day until cancelled."""

    stores: Sequence[tuple[str, Purgeable]]
    days: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def cutoff(self) -> datetime:
        return self.clock() - timedelta(days=self.days)

    def purge_once(self) -> dict[str, int]:
        """Rows removed per store; a failing store is logged and the others still purge."""
        if self.days <= 0:
            return {}
        cutoff, removed = self.cutoff(), {}
        for name, purge in self.stores:
            try:
                removed[name] = purge(cutoff)
            except Exception:
                log.exception("retention purge of %s failed", name)
        if any(removed.values()):
            log.info("retention (%d days): purged %s", self.days, removed)
        return removed

    async def run_daily(self, every_s: float = DAY_S) -> None:
        while True:
            await asyncio.to_thread(self.purge_once)
            await asyncio.sleep(every_s)
