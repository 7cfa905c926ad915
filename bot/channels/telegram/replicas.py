"""Several `xiaoer telegram --webhook` replicas behind one proxy, correct together.

Why this shape: PTB's webhook answers Telegram 200 as soon as the update is in the application's queue,
so a replica that crashes loses whatever it had queued. Here the queue's `put` first records the update
(with its JSON) in the shared ledger — the webhook answers only after that, or 500 if the database is
down, so Telegram retries. Duplicates (a retry, the same update on another replica) are dropped there. The
processor keeps per-chat order across replicas (earlier updates of the chat first; the ledger's order is
the chat lock). Admitting an update — claim, order check and the sender's rate-limit decision — is one
round trip (`UpdateLedger.admit`) and completing it one more. A heartbeat renews this replica's claims;
updates claimed by a replica that died are taken over by the others — at once when PostgreSQL reports its
liveness lock gone, else when the lease runs out — and processed from the stored JSON. Nothing is lost. On
PostgreSQL the heartbeat is one statement per period from the loop (`bot.coordination.heartbeat`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Update
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, ExtBot

from bot.coordination.heartbeat import Heartbeat
from bot.coordination.ledger import Admission, ClaimState, UpdateGate, UpdateLedger
from bot.coordination.liveness import ReplicaLiveness
from bot.coordination.notify import DoneListener
from bot.coordination.ratelimit import RateDecision, RateLimiter, RateVerdict
from bot.coordination.ratelimit_sql import SqlRateLimiter
from bot.domain import telemetry
from bot.ops.logs import log_context
from bot.storage.aio import ReadAlong, reads_along

if TYPE_CHECKING:
    from bot.storage.db import Database

log = logging.getLogger(__name__)


class Service(Protocol):
    """Something that runs beside the bot on its loop (e.g. the ops HTTP server)."""

    async def start(self) -> Any: ...

    async def stop(self) -> None: ...


def private_sender(update: Update) -> tuple[str, str] | None:
    """(chat id, user id) of a message in a private chat — whose conversation memory can be read with the
    update's admission; None for anything else."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or update.message is None or chat.type != chat.PRIVATE:
        return None
    return str(chat.id), str(user.id)


def chat_key(update: object) -> str | None:
    chat = update.effective_chat if isinstance(update, Update) else None
    return f"telegram:{chat.id}" if chat is not None else None


# The admission of the update this task is processing (the rate-limit verdict travels with it).
_ADMITTED: contextvars.ContextVar[tuple[str | None, Admission] | None] = contextvars.ContextVar(
    "xiaoer_admitted", default=None
)


class LedgerUpdateQueue(asyncio.Queue):
    """The application's update queue: an update is recorded in the ledger before the webhook answers."""

    def __init__(self, replicas: ReplicaSafety) -> None:
        super().__init__()
        self.replicas = replicas

    async def put(self, item: Any) -> None:
        if isinstance(item, Update):
            await self.put_raw(item, item.to_json())
            return
        await super().put(item)

    async def put_raw(self, item: Update, payload: str) -> None:
        """Record `item` with `payload` (its JSON as Telegram sent it: the webhook passes the body through),
        then queue it; a duplicate is dropped. Raises when the ledger cannot record it (the webhook → 500)."""
        replicas = self.replicas
        key = replicas.rate_key(item) if replicas.rate_key is not None else None
        chat = chat_key(item)
        handoff_chat = str(item.effective_chat.id) if item.effective_chat is not None else None
        sender = private_sender(item) if replicas.memory_read is not None else None
        along = replicas.memory_read(*sender) if replicas.memory_read is not None and sender else None
        admission = await replicas.ledger.admit_async(item.update_id, chat, payload, key, handoff_chat, along)
        if admission.state is not ClaimState.CLAIMED:
            telemetry.count("duplicate_update", channel="telegram")
            log.info("update %s already %s elsewhere: dropped", item.update_id, admission.state.value)
            return
        replicas.gate.admitted(item.update_id, chat, admission)
        replicas.inflight[item.update_id] = (key, admission)
        await super().put(item)


def current_admission() -> Admission | None:
    """The admission of the update this task is processing (None outside the ledger's processor)."""
    admitted = _ADMITTED.get()
    return admitted[1] if admitted is not None else None


def handoff_known_closed() -> bool:
    """True when the update this task processes was admitted with no handoff open for its chat and no
    earlier update of the chat still before its replies (none open, or all with their replies journaled:
    their core has run) — then none can have been opened since (only the chat's own messages open one), and
    handoff need not look it up again."""
    admitted = _ADMITTED.get()
    if admitted is None or admitted[1].handoff_open is not False:
        return False
    return not admitted[1].earlier or admitted[1].earlier_settled


class AdmittedRateLimiter:
    """The channel's `RateLimiter` on replicas: the decision made when the update was admitted (same round
    trip as its claim), else — for a key the admission did not decide — the shared SQL limiter."""

    def __init__(self, shared: SqlRateLimiter) -> None:
        self.shared = shared

    async def check(self, key: str) -> RateVerdict:
        admitted = _ADMITTED.get()
        if admitted is not None and admitted[0] == key and admitted[1].verdict is not None:
            verdict = admitted[1].verdict
            if verdict.decision is not RateDecision.ALLOW:
                telemetry.count("rate_limited", channel=key.split(":", 1)[0])
            return verdict
        return await self.shared.check(key)


class ReplicaUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats; within a chat in update order and one at a time across all replicas."""

    def __init__(self, replicas: ReplicaSafety, max_concurrent_updates: int = 512) -> None:
        super().__init__(max_concurrent_updates)
        self.replicas = replicas

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        admitted = self.replicas.inflight.get(update.update_id) if isinstance(update, Update) else None
        if not isinstance(update, Update) or admitted is None:
            await coroutine  # not from the webhook (e.g. a job); nothing to coordinate
            return
        key = chat_key(update)
        token = _ADMITTED.set(admitted)
        read = admitted[1].read_along
        try:
            with log_context(update_id=update.update_id, chat_id=key, channel="telegram"):
                async with self.replicas.gate.run_claimed(update.update_id, key, admitted[1]):
                    with reads_along(dict([read]) if read is not None else {}):
                        await coroutine
        finally:
            _ADMITTED.reset(token)
            self.replicas.inflight.pop(update.update_id, None)

    async def initialize(self) -> None:
        await self.replicas.start()

    async def shutdown(self) -> None:
        await self.replicas.stop()


class ReplicaSafety:
    """Ledger + chat order + rate limits + heartbeat/recovery for one replica; `configure(builder)` plugs it
    into PTB. With a `limiter`, `rate_key(update)` (set by the channel: the sender's key, or None when the
    update is not rate-limited) is decided when the update is admitted."""

    def __init__(
        self,
        database: Database,
        *,
        lease_s: float = 30.0,
        owner: str | None = None,
        services: Sequence[Service] = (),
        limiter: SqlRateLimiter | None = None,
    ) -> None:
        self.ledger = UpdateLedger(
            database, channel="telegram", owner=owner, lease_s=lease_s, limiter=limiter
        )
        self.liveness = ReplicaLiveness(database, self.ledger.owner)
        self.ledger.liveness = self.liveness
        aio = database.aio
        self.heartbeat = (
            Heartbeat(aio, self.liveness, channel=self.ledger.channel, lease_s=lease_s)
            if aio is not None and self.liveness.supported
            else None
        )
        self.gate = UpdateGate(self.ledger, listener=DoneListener(database))
        self.inflight: dict[int, tuple[str | None, Admission]] = {}  # update id → (rate key, admission)
        self.services = list(services)
        self.queue = LedgerUpdateQueue(self)
        self.processor = ReplicaUpdateProcessor(self)
        self._bot: ExtBot | None = None
        # the channel's limiter: decisions made at admission, shared by every replica
        self.limiter: RateLimiter | None = AdmittedRateLimiter(limiter) if limiter is not None else None
        self.rate_key: Callable[[Update], str | None] | None = None
        # set by the channel: the read of a private chat's conversation memory (chat id, user id) that rides
        # along with its messages' admission (see `UpdateLedger.admit_async`)
        self.memory_read: Callable[[str, str], ReadAlong | None] | None = None
        self._task: asyncio.Task[None] | None = None

    def configure(self, builder: ApplicationBuilder) -> ApplicationBuilder:
        """Use the ledger-backed queue and the replica-aware processor in this application."""
        return builder.update_queue(self.queue).concurrent_updates(self.processor)

    def attach(self, bot: ExtBot) -> None:
        """The bot used to decode recovered updates (call after `builder.build()`)."""
        self._bot = bot

    async def start(self) -> None:
        await asyncio.to_thread(self.liveness.announce)
        self.gate.start()
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
        await asyncio.to_thread(self.gate.stop)
        await asyncio.to_thread(self.liveness.close)
        if self.ledger.database.aio is not None:  # the async pool closes on the loop that used it
            await self.ledger.database.aio.close()

    async def recover_once(self) -> int:
        """One heartbeat: renew this replica's claims, take over claims of dead replicas (or past their lease)
        and queue them here; returns how many were taken over. PostgreSQL: one statement (a replica first
        seen holding claims is checked from the next call on); else a few, off the loop."""
        if self.heartbeat is not None:
            beat = await self.heartbeat.beat(list(self.inflight))
            if not beat.held:  # the liveness session is gone: announce again (others may take over meanwhile)
                await asyncio.to_thread(self.liveness.announce, renew=True)
            taken = beat.taken
        else:
            await asyncio.to_thread(self.liveness.announce)
            await asyncio.to_thread(self.ledger.touch, list(self.inflight))
            taken = await asyncio.to_thread(self.ledger.reclaim_stale)
        for update_id, payload in taken:
            if not payload or self._bot is None:
                await self.ledger.release_async(update_id)
                continue
            update = Update.de_json(json.loads(payload), self._bot)
            self.inflight[update_id] = (None, Admission(ClaimState.CLAIMED))  # earlier updates: asked then
            await asyncio.Queue.put(self.queue, update)  # already claimed: bypass the ledger insert
            log.warning("recovered update %s from a replica that stopped answering", update_id)
        return len(taken)

    async def _maintain(self) -> None:
        period = min(max(self.ledger.lease_s / 3, 0.2), 2.0)
        while True:
            await asyncio.sleep(period)
            try:
                await self.recover_once()
            except Exception:  # the database may be briefly away; try again next period
                log.exception("replica heartbeat failed")
