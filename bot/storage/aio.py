"""`AsyncSql`: the hot path's statements on PostgreSQL straight from the event loop (psycopg 3, async).

Why: every blocking SQLAlchemy call on the reply path went through a thread pool — about ten hand-offs per
customer message (each a `ThreadPoolExecutor.submit`, a thread wake-up and a GIL hand-over), which cost more
client CPU than the statements themselves. The few statements a message needs (admission, memory load and
commit, reply journal, completion) are fixed texts run here on psycopg's `AsyncConnection`s from one
`psycopg_pool.AsyncConnectionPool`: no thread, no SQLAlchemy compile, and psycopg prepares each text on
the server after its first few runs on a connection (`prepare_threshold`), so PostgreSQL parses and plans
it once per connection instead of once per message.

Statements use psycopg's `%(name)s` placeholders and run in autocommit (one statement = one transaction =
one round trip). The pool opens on first use on the running loop and is bound to that loop: `close()` it
on the same loop before the loop ends (`Database.aclose`). SQLite has no `AsyncSql` (its stores keep their
synchronous code, called off the loop).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Hashable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

PREPARE_THRESHOLD = 2  # runs of a statement text on a connection before psycopg prepares it server-side


async def _configure(conn: AsyncConnection[Any]) -> None:
    conn.prepare_threshold = PREPARE_THRESHOLD
    await conn.set_autocommit(True)
    # The hot path's statements look rows up by key: one generic plan per prepared statement serves every
    # message. PostgreSQL's default (`auto`) plans the first five runs afresh and keeps re-planning a
    # statement whose generic plan it estimates dearer (the admission's CTEs, the memory read).
    await conn.execute("SET plan_cache_mode = force_generic_plan")


class AsyncSql:
    """A lazily opened async connection pool on one PostgreSQL database (`conninfo`: a libpq URI).

    `fetch(sql, params)` → the rows (named tuples); `execute(sql, params)` → nothing. Driver errors
    (`psycopg.Error`) propagate like the synchronous engine's do."""

    def __init__(self, conninfo: str, *, max_size: int = 10) -> None:
        self.conninfo = conninfo
        self.max_size = max_size
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening: asyncio.Lock | None = None

    async def _ready(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        loop = asyncio.get_running_loop()
        pool = self._pool
        if pool is not None and self._loop is loop:
            return pool
        if pool is not None:  # opened on a loop that is gone (tests run one loop each): start afresh
            self._pool = None
        if self._opening is None or self._loop is not loop:
            self._opening, self._loop = asyncio.Lock(), loop
        async with self._opening:
            if self._pool is None:
                fresh: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
                    self.conninfo,
                    min_size=1,
                    max_size=self.max_size,
                    open=False,
                    configure=_configure,
                    kwargs={"row_factory": namedtuple_row},
                    name="xiaoer-hot-path",
                )
                await fresh.open()
                self._pool = fresh
            return self._pool

    async def fetch(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> list[Any]:
        pool = await self._ready()
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall()

    async def execute(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> None:
        pool = await self._ready()
        async with pool.connection() as conn:
            await conn.execute(sql, params)

    async def close(self) -> None:
        """Close the pool (idempotent); call on the loop that used it."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


# --- writes that ride along with a later statement ------------------------------------------------------
@dataclass
class WriteBatch:
    """Writes deferred to the end of an update: each a list of data-modifying CTE bodies (`name AS (...)`)
    with their parameters (names must not clash), run together as one statement by whoever ends the batch
    (`statement(extra_ctes)`), or alone by `flush`. Closed batches take no more writes."""

    ctes: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    closed: bool = False

    def add(self, ctes: Sequence[str], params: Mapping[str, Any]) -> bool:
        """Defer a write; False (write it yourself) when the batch is closed or its names would clash."""
        if self.closed or any(k in self.params for k in params):
            return False
        self.ctes.extend(ctes)
        self.params.update(params)
        return True

    def statement(self, ctes: Sequence[str] = ()) -> str:
        """One statement: the deferred writes plus `ctes`, then `SELECT 1`."""
        return "WITH " + ",\n".join([*self.ctes, *ctes]) + "\nSELECT 1"


_BATCH: contextvars.ContextVar[WriteBatch | None] = contextvars.ContextVar("xiaoer_write_batch", default=None)


def current_batch() -> WriteBatch | None:
    """The open batch of the update this task is answering (None: write at once)."""
    batch = _BATCH.get()
    return batch if batch is not None and not batch.closed else None


@asynccontextmanager
async def deferred_writes(sql: AsyncSql | None) -> AsyncIterator[WriteBatch | None]:
    """Within the block, stores that support it defer their writes to `current_batch()`; the block's owner
    takes them into its own statement (`take_batch`). Whatever was not taken is written when the block ends —
    also when it raises (a customer's turn is kept even when answering failed). Without `sql` (SQLite) a no-op.
    """
    if sql is None:
        yield None
        return
    batch = WriteBatch()
    token = _BATCH.set(batch)
    try:
        yield batch
    finally:
        _BATCH.reset(token)
        batch.closed = True
        if batch.ctes:
            await sql.execute(batch.statement(), batch.params)


def take_batch() -> WriteBatch | None:
    """Close the open batch and hand its writes to the caller, who must run them (`WriteBatch.statement`)."""
    batch = current_batch()
    if batch is None:
        return None
    taken = WriteBatch(list(batch.ctes), dict(batch.params), closed=True)
    batch.ctes.clear()
    batch.params.clear()
    batch.closed = True
    return taken


# --- reads that ride along with an earlier statement ----------------------------------------------------
@dataclass(frozen=True)
class ReadAlong:
    """A read that can ride along with another statement (e.g. an update's admission): `sql` is a SELECT
    whose column names and `%(name)s` parameters do not clash with the host statement's; its rows are handed
    to whoever asks for `key` while the update is answered (`take_read`)."""

    key: Hashable
    sql: str
    params: Mapping[str, Any]


_READS: contextvars.ContextVar[dict[Hashable, list[Any]] | None] = contextvars.ContextVar(
    "xiaoer_reads_along", default=None
)


@contextmanager
def reads_along(results: Mapping[Hashable, list[Any]]) -> Iterator[None]:
    """Within the block, `take_read(key)` returns the rows read along for `key` (once)."""
    token = _READS.set(dict(results))
    try:
        yield
    finally:
        _READS.reset(token)


def take_read(key: Hashable) -> list[Any] | None:
    """The rows read along for `key` in this update (None: not read, or already taken — read it yourself)."""
    reads = _READS.get()
    return reads.pop(key, None) if reads else None
