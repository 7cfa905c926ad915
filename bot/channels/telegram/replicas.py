"""Several `xiaoer telegram --webhook` replicas behind one proxy, correct together.

Why this shape: PTB's webhook answers Telegram 200 as soon as the update is in the application's queue,
so a replica that crashes loses whatever it had queued. Here the queue's `put` first records the update
(with its JSON) in the shared ledger — the webhook answers only after that, or 500 if the database is
down, so Telegram retries. Duplicates (a retry, the same update on another replica) are dropped there. The
processor keeps per-chat order across replicas (earlier updates of the chat first, then an advisory lock
on the chat). A heartbeat renews this replica's claims; updates claimed by a replica that died are taken
over by the others — at once when PostgreSQL reports its liveness lock gone, else when the lease runs
out — and processed from the stored JSON. Nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Update
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, ExtBot

from bot.coordination.chat_locks import ChatLocks, offload
from bot.coordination.ledger import ClaimState, UpdateGate, UpdateLedger
from bot.coordination.liveness import ReplicaLiveness
from bot.coordination.ratelimit import RateLimiter
from bot.domain import telemetry
from bot.ops.logs import log_context

if TYPE_CHECKING:
    from bot.storage.db import Database

log = logging.getLogger(__name__)


class Service(Protocol):
    """Something that runs beside the bot on its loop (e.g. the ops HTTP server)."""

    async def start(self) -> Any: ...

    async def stop(self) -> None: ...


def chat_key(update: object) -> str | None:
    chat = update.effective_chat if isinstance(update, Update) else None
    return f"telegram:{chat.id}" if chat is not None else None


class LedgerUpdateQueue(asyncio.Queue):
    """The application's update queue: an update is recorded in the ledger before the webhook answers."""

    def __init__(self, replicas: ReplicaSafety) -> None:
        super().__init__()
        self.replicas = replicas

    async def put(self, item: Any) -> None:
        if isinstance(item, Update):
            state = await offload(self.replicas.ledger.begin, item.update_id, chat_key(item), item.to_json())
            if state is not ClaimState.CLAIMED:
                telemetry.count("duplicate_update", channel="telegram")
                log.info("update %s already %s elsewhere: dropped", item.update_id, state.value)
                return
            self.replicas.inflight.add(item.update_id)
        await super().put(item)


class ReplicaUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats; within a chat in update order and one at a time across all replicas."""

    def __init__(self, replicas: ReplicaSafety, max_concurrent_updates: int = 512) -> None:
        super().__init__(max_concurrent_updates)
        self.replicas = replicas

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update) or update.update_id not in self.replicas.inflight:
            await coroutine  # not from the webhook (e.g. a job); nothing to coordinate
            return
        key = chat_key(update)
        try:
            with log_context(update_id=update.update_id, chat_id=key, channel="telegram"):
                async with self.replicas.gate.run_claimed(update.update_id, key):
                    await coroutine
        finally:
            self.replicas.inflight.discard(update.update_id)

    async def initialize(self) -> None:
        await self.replicas.start()

    async def shutdown(self) -> None:
        await self.replicas.stop()


class ReplicaSafety:
    """Ledger + chat locks + heartbeat/recovery for one replica; `configure(builder)` plugs it into PTB."""

    def __init__(
        self,
        database: Database,
        *,
        lease_s: float = 30.0,
        owner: str | None = None,
        lock_connections: int = 32,
        services: Sequence[Service] = (),
    ) -> None:
        self.ledger = UpdateLedger(database, channel="telegram", owner=owner, lease_s=lease_s)
        self.liveness = ReplicaLiveness(database, self.ledger.owner)
        self.ledger.liveness = self.liveness
        self.locks = ChatLocks(database, max_connections=lock_connections)
        self.gate = UpdateGate(self.ledger, self.locks)
        self.inflight: set[int] = set()
        self.services = list(services)
        self.queue = LedgerUpdateQueue(self)
        self.processor = ReplicaUpdateProcessor(self)
        self._bot: ExtBot | None = None
        self.limiter: RateLimiter | None = None  # the shared (database) rate limiter, when configured
        self._task: asyncio.Task[None] | None = None

    def configure(self, builder: ApplicationBuilder) -> ApplicationBuilder:
        """Use the ledger-backed queue and the replica-aware processor in this application."""
        return builder.update_queue(self.queue).concurrent_updates(self.processor)

    def attach(self, bot: ExtBot) -> None:
        """The bot used to decode recovered updates (call after `builder.build()`)."""
        self._bot = bot

    async def start(self) -> None:
        await asyncio.to_thread(self.liveness.announce)
        for service in self.services:
            await service.start()
        if self._task is None:
            self._task = asyncio.create_task(self._maintain(), name="xiaoer-replica-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for service in reversed(self.services):
            await service.stop()
        await asyncio.to_thread(self.locks.dispose)
        await asyncio.to_thread(self.liveness.close)

    async def recover_once(self) -> int:
        """Take over expired claims of dead replicas and queue them here; returns how many."""
        taken = await asyncio.to_thread(self.ledger.reclaim_stale)
        for update_id, payload in taken:
            if not payload or self._bot is None:
                await asyncio.to_thread(self.ledger.release, update_id)
                continue
            update = Update.de_json(json.loads(payload), self._bot)
            self.inflight.add(update_id)
            await asyncio.Queue.put(self.queue, update)  # already claimed: bypass the ledger insert
            log.warning("recovered update %s from a replica that stopped answering", update_id)
        return len(taken)

    async def _maintain(self) -> None:
        period = min(max(self.ledger.lease_s / 3, 0.2), 2.0)
        while True:
            await asyncio.sleep(period)
            try:
                await asyncio.to_thread(self.liveness.announce)
                await asyncio.to_thread(self.ledger.touch, list(self.inflight))
                await self.recover_once()
            except Exception:  # the database may be briefly away; try again next period
                log.exception("replica heartbeat failed")
