"""Per-chat ordering inside one process: messages of one chat are handled one at a time, chats in parallel.

Across replicas, the update ledger's order is the chat lock (`bot.coordination.ledger.UpdateGate`, which
uses this one within its process).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class LocalChatLocks:
    """One asyncio lock per chat, removed when nobody holds or waits for it (no unbounded growth)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
