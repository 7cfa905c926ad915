"""Copy staff kept (`/keep <copy id>`): the record fine-tuning learns the shop's own copy from.

Nothing recorded which copy staff actually used, so nothing could teach a model the shop's taste. Keeping
is explicit: `/copy` shows each variant's id, `/keep` stores that variant with the product facts it was
written from. `KeptCopyStore` is the seam: `SqlKeptCopyStore` (`bot/copywriting/store_sql.py`, the shared
database) and `InMemoryKeptCopyStore` below, one contract test over both.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class KeptCopy:
    """One kept copy variant and what it was written from (facts as the LLM prompt states them)."""

    copy_id: str  # "<sku>-<platform>-v<variant>" or "kw-…"
    sku: str
    platform: str
    tone: str
    facts: str  # the product data, as `llm_writer.facts_text` writes it
    title: str
    text: str
    bullets: tuple[str, ...]
    kept_by: str
    kept_at: datetime


class KeptCopyStore(Protocol):
    def keep(self, copy: KeptCopy) -> None:
        """Store (or replace: keeping twice keeps the newest) one kept copy."""
        ...

    def kept_since(self, since: datetime) -> list[KeptCopy]:
        """Kept copies from `since` on, oldest first."""
        ...


class InMemoryKeptCopyStore:
    def __init__(self) -> None:
        self._rows: dict[str, KeptCopy] = {}
        self._lock = threading.Lock()

    def keep(self, copy: KeptCopy) -> None:
        with self._lock:
            self._rows[copy.copy_id] = copy

    def kept_since(self, since: datetime) -> list[KeptCopy]:
        with self._lock:
            return sorted((c for c in self._rows.values() if c.kept_at >= since), key=lambda c: c.kept_at)
