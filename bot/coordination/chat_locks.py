"""Per-chat mutual exclusion: within a process (asyncio) and across replicas (PostgreSQL advisory locks).

Why: with several bot replicas behind one webhook, two messages of the same chat can land on different
replicas; answering them concurrently would interleave history and replies. A transaction-scoped advisory
lock on a hash of the chat key serialises them and is released by PostgreSQL itself if a replica dies.
Other chats never wait. SQLite (single host) gets the in-process lock only.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, text

from bot.conversation.locks import LocalChatLocks
from bot.storage.db import Database

_NAMESPACE = b"xiaoer-chat:"
T = TypeVar("T")
# Coordination calls (ledger, locks) get their own threads: queued behind slow store or retrieval work in
# the default executor they would widen the window between a reply going out and its update being marked done.
_COORDINATION = ThreadPoolExecutor(max_workers=8, thread_name_prefix="xiaoer-coordination")


async def offload(fn: Callable[..., T], *args: Any) -> T:
    """Run a short blocking coordination call (one SQL statement or two) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_COORDINATION, functools.partial(fn, *args))


def advisory_key(chat_key: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_xact_lock` (Python's hash() differs per process)."""
    digest = hashlib.blake2b(_NAMESPACE + chat_key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class ChatLocks:
    """`async with locks.hold(chat_key):` — one holder per chat across every replica sharing the database."""

    def __init__(
        self,
        database: Database | None = None,
        *,
        max_connections: int = 32,
        poll_s: float = 0.01,
        max_poll_s: float = 0.2,
    ) -> None:
        self._local = LocalChatLocks()
        self._poll_s = poll_s
        self._max_poll_s = max_poll_s
        self._engine: Engine | None = None
        if database is not None and database.dialect == "postgresql":
            # Own small pool: a held lock keeps its connection for the whole handling of a message.
            self._engine = create_engine(
                database.engine.url, pool_size=max_connections, max_overflow=0, pool_pre_ping=True
            )
        self._slots = asyncio.Semaphore(max_connections)

    @property
    def distributed(self) -> bool:
        """True when locks are shared with other processes (PostgreSQL)."""
        return self._engine is not None

    def local_count(self) -> int:
        """Chats with a local lock currently allocated (the map cleans itself; used by tests)."""
        return len(self._local)

    @asynccontextmanager
    async def hold(self, chat_key: str) -> AsyncIterator[None]:
        """Hold the chat's lock for the duration of the block; other chats proceed meanwhile."""
        async with self._local.hold(chat_key):
            if self._engine is None:
                yield
                return
            async with self._slots:
                conn = await self._acquire_db(advisory_key(chat_key))
                try:
                    yield
                finally:
                    await offload(_finish, conn)

    async def _acquire_db(self, key: int) -> Connection:
        assert self._engine is not None
        conn = await offload(self._engine.connect)
        delay = self._poll_s
        try:
            while not await offload(_try_lock, conn, key):
                await asyncio.sleep(delay)  # held by another replica: back off without blocking a thread
                delay = min(delay * 2, self._max_poll_s)
        except BaseException:
            await offload(_finish, conn)
            raise
        return conn

    def dispose(self) -> None:
        """Close the lock pool (at shutdown)."""
        if self._engine is not None:
            self._engine.dispose()


def _try_lock(conn: Connection, key: int) -> bool:
    """Try the transaction-scoped advisory lock; on failure end the transaction so the retry starts clean."""
    got = bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())
    if not got:
        conn.rollback()
    return got


def _finish(conn: Connection) -> None:
    """Commit (releasing the transaction-scoped lock) and return the connection to the pool."""
    try:
        conn.commit()
    finally:
        conn.close()
