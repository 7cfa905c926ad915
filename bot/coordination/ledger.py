"""Exactly-once update processing across bot replicas: a ledger of update ids in the shared database.

Why: Telegram (and our proxy) may deliver one update twice — a retry after a timeout, or a redelivery to
another replica after one died. The first replica to insert the update id (unique key) handles it; the
others see DONE (acknowledge and drop) or BUSY (someone is on it). A claim that was never completed (its
replica crashed) expires after `lease_s` and can be taken over, so a crash loses nothing.

The ledger is also the chat lock across replicas: an update runs only once no earlier update of its chat
is still being processed (updates of a chat are claimed in order — Telegram delivers them so, and a
webhook answers only after the claim — so "no earlier claim open" means "nobody else is in this chat").
Admitting an update (`admit`: claim + order check + the sender's rate-limit decision) is one round trip on
PostgreSQL (the server-side function of migration 0007), and completing it is one more.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import os
import socket
import time
from collections.abc import AsyncIterator, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Float,
    Index,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.conversation.locks import LocalChatLocks
from bot.coordination.liveness import ReplicaLiveness
from bot.coordination.notify import CHANNEL as DONE_CHANNEL
from bot.coordination.notify import RELEASED, DoneListener
from bot.coordination.ratelimit import RateDecision, RateVerdict
from bot.coordination.ratelimit_sql import SqlRateLimiter, rate_lock
from bot.coordination.sql import offload
from bot.storage.aio import ReadAlong
from bot.storage.db import Base, Database

PROCESSING = "processing"
DONE = "done"
DONE_REMEMBERED = 8192  # completions a gate remembers for updates that start waiting after their wake-up
LISTENING_FALLBACK_S = 5.0  # with notifications, how long a waiter trusts them before asking the ledger


class ClaimState(StrEnum):
    """Outcome of `UpdateLedger.begin`: process it, it was already processed, or another replica has it."""

    CLAIMED = "claimed"
    DONE = "done"
    BUSY = "busy"


@dataclass(frozen=True)
class Admission:
    """What `UpdateLedger.admit` found: the claim; whether earlier updates of the chat were still open (then
    the caller waits for them) and, when known, which (`earlier_ids`); who holds a BUSY claim; the sender's
    rate-limit verdict (None when not asked); whether the chat has an open handoff (None when unknown); and
    whether every earlier open update already has its replies journaled (`earlier_settled`: its core has run,
    so `handoff_open` covers it too)."""

    state: ClaimState
    earlier: bool = True
    holder: str = ""
    verdict: RateVerdict | None = None
    earlier_ids: frozenset[int] | None = None
    handoff_open: bool | None = None
    fresh: bool = False  # first sight of the update (not a takeover): nothing can be journaled for it yet
    earlier_settled: bool = False
    read_along: tuple[Hashable, list[Any]] | None = None  # (key, rows) of a read made with the admission


class ProcessedUpdate(Base):
    """One row per update id ever seen (per channel); the primary key is the de-duplication."""

    __tablename__ = "xiaoer_processed_updates"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=PROCESSING)
    owner: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[float] = mapped_column(Float)
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the highest message id the update's replies got in its own chat (migration 0011): a later update of the
    # chat whose reply ends in doubt looks for it above this (`bot.channels.telegram.probe`)
    last_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    # update_id last: a chat's open claims below an update are all index conditions, also on the generic
    # plans the hot path runs (migration 0012: without it the plan read the channel's whole ledger)
    __table_args__ = (Index("ix_xiaoer_updates_chat_open", "channel", "chat_key", "status", "update_id"),)


# The highest message id the update being processed in this task got in its own chat (see `note_sent`).
_SENT: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("xiaoer_sent_message", default=None)


def note_sent(message_id: int) -> None:
    """The channel tells the update gate a message id its update's replies got in the update's own chat; the
    highest is stored with the update's completion (same statement: no extra round trip)."""
    holder = _SENT.get()
    if holder is not None and message_id > holder[0]:
        holder[0] = message_id


def _table() -> Table:
    """The ledger's table, typed as a Core table (`__table__` is typed as a FromClause)."""
    return cast(Table, ProcessedUpdate.__table__)


def default_owner() -> str:
    """A replica id that is unique per process: host name plus pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class UpdateLedger:
    """Claim/complete update ids in the database (SQLite or PostgreSQL) — synchronous, call off the loop.

    Its table comes from the migrations (`bot.storage.migrate`)."""

    def __init__(
        self,
        database: Database,
        *,
        channel: str = "telegram",
        owner: str | None = None,
        lease_s: float = 120.0,
        liveness: ReplicaLiveness | None = None,
        limiter: SqlRateLimiter | None = None,
    ) -> None:
        self.database = database
        self.engine = database.engine
        self.channel = channel
        self.owner = owner or default_owner()
        self.lease_s = lease_s
        self.liveness = liveness  # when set: claims of replicas that died are taken over at once
        self.limiter = limiter  # when set: `admit(..., rate_key=k)` also makes k's rate-limit decision

    def admit(
        self,
        update_id: int,
        chat_key: str | None = None,
        payload: str | None = None,
        rate_key: str | None = None,
        handoff_chat: str | None = None,
    ) -> Admission:
        """Claim `update_id`, tell which earlier updates of `chat_key` are still open, with a `rate_key` and
        a limiter decide the sender's rate limit, and with `handoff_chat` (the chat id handoffs use) tell
        whether it has an open handoff — one round trip on PostgreSQL (SQLite: no handoff answer).

        The rate decision is made only for a new claim (a duplicate delivery is not a new message)."""
        limiter = self.limiter if rate_key is not None else None
        if self.database.dialect != "postgresql":
            state, fresh = self._begin(update_id, chat_key, payload)
            if state is not ClaimState.CLAIMED:
                return Admission(state, earlier=False)
            earlier = chat_key is not None and self.earlier_pending(update_id, chat_key)
            verdict = limiter.check_now(rate_key) if limiter is not None and rate_key is not None else None
            return Admission(state, earlier=earlier, verdict=verdict, fresh=fresh)
        params = self._begin_params(update_id, chat_key, payload, rate_key, handoff_chat)
        with self.database.autocommit.connect() as conn:
            row = conn.execute(_BEGIN, params).one()
        if self._busy_but_dead(update_id, row):
            return Admission(ClaimState.CLAIMED)  # earlier updates of the chat: checked by the caller
        return _admission(row)

    async def admit_async(
        self,
        update_id: int,
        chat_key: str | None = None,
        payload: str | None = None,
        rate_key: str | None = None,
        handoff_chat: str | None = None,
        along: ReadAlong | None = None,
    ) -> Admission:
        """`admit` from the event loop: on PostgreSQL one statement on the async pool (no thread hand-off),
        else `admit` off the loop.

        With `along` (PostgreSQL, a `chat_key` and a `handoff_chat`) the same statement also makes that read
        — the chat's conversation memory — and hands its rows back in `Admission.read_along` only when they
        are current for this update: it was claimed, no earlier update of the chat was open (neither in the
        statement's own snapshot, the one the read sees, nor when claiming) and the chat has no open handoff
        (only its own messages, which come after this one, could change the memory then)."""
        aio = self.database.aio
        if aio is None:
            return await offload(self.admit, update_id, chat_key, payload, rate_key, handoff_chat)
        params = self._begin_params(update_id, chat_key, payload, rate_key, handoff_chat)
        if along is None or chat_key is None or handoff_chat is None:
            rows = await aio.fetch(_BEGIN_PG, params)
        else:
            rows = await aio.fetch(_begin_along(along.sql), {**params, **along.params})
        row = rows[0]
        if ClaimState(row.claim) is ClaimState.BUSY and await offload(self._busy_but_dead, update_id, row):
            return Admission(ClaimState.CLAIMED)
        admission = _admission(row)
        if along is not None and getattr(row, "along_ok", False):
            read = [r for r in rows if r.kind is not None]
            admission = dataclasses.replace(admission, read_along=(along.key, read))
        return admission

    def _begin_params(
        self,
        update_id: int,
        chat_key: str | None,
        payload: str | None,
        rate_key: str | None,
        handoff_chat: str | None,
    ) -> dict[str, object]:
        limiter = self.limiter if rate_key is not None else None
        return {
            "channel": self.channel,
            "update_id": int(update_id),
            "chat_key": chat_key,
            "payload": payload,
            "owner": self.owner,
            "now": time.time(),
            "lease": self.lease_s,
            "rate_key": rate_key if limiter is not None else None,
            "rate_lock": rate_lock(rate_key) if limiter is not None and rate_key is not None else 0,
            "rate_max": limiter.max_messages if limiter is not None else 0,
            "rate_window": limiter.window_s if limiter is not None else 0.0,
            "rate_now": limiter.now() if limiter is not None else 0.0,
            "handoff_chat": handoff_chat,
        }

    def _busy_but_dead(self, update_id: int, row: Any) -> bool:
        """A BUSY claim whose replica is gone, taken over now (blocking)."""
        return ClaimState(row.claim) is ClaimState.BUSY and self._take_over_dead(update_id, row.holder)

    def claim(self, update_id: int, chat_key: str | None = None, payload: str | None = None) -> bool:
        """True when this replica must process `update_id` (first claim, or a crashed claim taken over)."""
        return self.begin(update_id, chat_key, payload) is ClaimState.CLAIMED

    def begin(self, update_id: int, chat_key: str | None = None, payload: str | None = None) -> ClaimState:
        """Insert the update id; on conflict report DONE/BUSY, or take over an expired claim."""
        return self._begin(update_id, chat_key, payload)[0]

    def _begin(self, update_id: int, chat_key: str | None, payload: str | None) -> tuple[ClaimState, bool]:
        """`begin`, and whether the claim is a first sight of the update (True) or a takeover."""
        now = time.time()
        row = {
            "channel": self.channel,
            "update_id": int(update_id),
            "chat_key": chat_key,
            "status": PROCESSING,
            "owner": self.owner,
            "claimed_at": now,
            "payload": payload,
        }
        if self._insert_new(row):
            return ClaimState.CLAIMED, True
        table = _table()
        key = (table.c.channel == self.channel) & (table.c.update_id == int(update_id))
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(table)
                .where(key, table.c.status == PROCESSING, table.c.claimed_at < now - self.lease_s)
                .values(owner=self.owner, claimed_at=now)
            ).rowcount
            if taken == 1:
                return ClaimState.CLAIMED, False
            status, owner = conn.execute(select(table.c.status, table.c.owner).where(key)).one()
        if status == DONE:
            return ClaimState.DONE, False
        return (ClaimState.CLAIMED if self._take_over_dead(update_id, owner) else ClaimState.BUSY), False

    def _take_over_dead(self, update_id: int, owner: str) -> bool:
        """Take over a claim whose replica is gone (PostgreSQL's liveness lock says so)."""
        if not self._dead(owner):
            return False
        table = _table()
        with self.database.autocommit.connect() as conn:
            taken = conn.execute(
                update(table)
                .where(
                    table.c.channel == self.channel,
                    table.c.update_id == int(update_id),
                    table.c.status == PROCESSING,
                    table.c.owner == owner,
                )
                .values(owner=self.owner, claimed_at=time.time())
            ).rowcount
        return taken == 1

    def _dead(self, owner: str) -> bool:
        return self.liveness is not None and owner != self.owner and not self.liveness.is_alive(owner)

    def _insert_new(self, row: dict[str, object]) -> bool:
        """INSERT … ON CONFLICT DO NOTHING where the dialect has it, else catch the unique violation."""
        dialect = self.engine.dialect.name
        try:
            with self.engine.begin() as conn:
                if dialect in ("postgresql", "sqlite"):
                    module = postgresql if dialect == "postgresql" else sqlite
                    stmt = (
                        module.insert(ProcessedUpdate)
                        .values(**row)
                        .on_conflict_do_nothing()
                        .returning(ProcessedUpdate.update_id)
                    )
                    return conn.execute(stmt).first() is not None
                conn.execute(insert(ProcessedUpdate).values(**row))
                return True
        except IntegrityError:
            return False

    def complete(self, update_id: int, last_message_id: int | None = None) -> None:
        """Mark the update processed; later deliveries of it are dropped as duplicates (one round trip; on
        PostgreSQL the same statement tells every replica's `DoneListener` the chat may go on).
        `last_message_id`: the highest message id its replies got in its chat (None: none known)."""
        table = _table()
        with self.database.autocommit.connect() as conn:
            if self.database.dialect == "postgresql":
                conn.execute(
                    _COMPLETE,
                    {
                        "channel": self.channel,
                        "update_id": int(update_id),
                        "now": time.time(),
                        "last": last_message_id,
                    },
                )
                return
            conn.execute(
                update(table)
                .where(table.c.channel == self.channel, table.c.update_id == int(update_id))
                .values(status=DONE, payload=None, claimed_at=time.time(), last_message_id=last_message_id)
            )

    async def complete_async(self, update_id: int, last_message_id: int | None = None) -> None:
        """`complete` from the event loop (PostgreSQL: the async pool; else off the loop)."""
        aio = self.database.aio
        if aio is None:
            await offload(self.complete, update_id, last_message_id)
            return
        await aio.execute(
            _COMPLETE_PG,
            {
                "channel": self.channel,
                "update_id": int(update_id),
                "now": time.time(),
                "last": last_message_id,
            },
        )

    async def release_async(self, update_id: int) -> None:
        """`release` from the event loop (PostgreSQL: the async pool; else off the loop)."""
        aio = self.database.aio
        if aio is None:
            await offload(self.release, update_id)
            return
        await aio.execute(_RELEASE_PG, {"channel": self.channel, "update_id": int(update_id)})

    def release(self, update_id: int) -> None:
        """Forget a claim whose processing failed, so a redelivery is processed again."""
        table = _table()
        with self.database.autocommit.connect() as conn:
            if self.database.dialect == "postgresql":  # waiters on other replicas hear of it too
                conn.execute(_RELEASE, {"channel": self.channel, "update_id": int(update_id)})
                return
            conn.execute(
                delete(table).where(
                    table.c.channel == self.channel,
                    table.c.update_id == int(update_id),
                    table.c.status == PROCESSING,
                )
            )

    def touch(self, update_ids: Iterable[int]) -> int:
        """Heartbeat: renew this replica's live claims so nobody takes them over while it works on them."""
        ids = [int(uid) for uid in update_ids]
        if not ids:
            return 0
        table = _table()
        with self.database.autocommit.connect() as conn:
            return conn.execute(
                update(table)
                .where(
                    table.c.channel == self.channel,
                    table.c.owner == self.owner,
                    table.c.status == PROCESSING,
                    table.c.update_id.in_(ids),
                )
                .values(claimed_at=time.time())
            ).rowcount

    def earlier_pending(self, update_id: int, chat_key: str) -> bool:
        """Is an earlier update of the same chat still being processed (by a live claim)?"""
        table = _table()
        cutoff = time.time() - self.lease_s
        query = (
            select(table.c.update_id)
            .where(
                table.c.channel == self.channel,
                table.c.chat_key == chat_key,
                table.c.status == PROCESSING,
                table.c.update_id < int(update_id),
                table.c.claimed_at >= cutoff,
            )
            .limit(1)
        )
        with self.database.autocommit.connect() as conn:
            return conn.execute(query).first() is not None

    async def earlier_pending_async(self, update_id: int, chat_key: str) -> bool:
        """`earlier_pending` from the event loop (PostgreSQL: the async pool; else off the loop)."""
        aio = self.database.aio
        if aio is None:
            return await offload(self.earlier_pending, update_id, chat_key)
        params = {
            "channel": self.channel,
            "chat_key": chat_key,
            "update_id": int(update_id),
            "cutoff": time.time() - self.lease_s,
        }
        return bool(await aio.fetch(_EARLIER_PG, params))

    def reclaim_stale(self, limit: int = 100) -> list[tuple[int, str | None]]:
        """Take over expired claims (their replica died) and return (update_id, payload) to re-process."""
        table = _table()
        now = time.time()
        with self.engine.connect() as conn:
            claims = conn.execute(
                select(table.c.update_id, table.c.owner, table.c.claimed_at)
                .where(
                    table.c.channel == self.channel, table.c.status == PROCESSING, table.c.owner != self.owner
                )
                .order_by(table.c.update_id)
                .limit(limit)
            ).all()
        dead = {owner for owner in {c.owner for c in claims} if self._dead(owner)}
        ids = [c.update_id for c in claims if c.owner in dead or c.claimed_at < now - self.lease_s]
        taken: list[tuple[int, str | None]] = []
        for update_id in ids:
            if self.begin(update_id) is ClaimState.CLAIMED:
                with self.engine.connect() as conn:
                    payload = conn.execute(
                        select(table.c.payload).where(
                            table.c.channel == self.channel, table.c.update_id == update_id
                        )
                    ).scalar()
                taken.append((update_id, payload))
        return taken

    def prune(self, older_than_s: float = 7 * 86400) -> int:
        """Delete DONE rows older than `older_than_s` (Telegram never redelivers after 24 h)."""
        table = _table()
        with self.engine.begin() as conn:
            return conn.execute(
                delete(table).where(table.c.status == DONE, table.c.claimed_at < time.time() - older_than_s)
            ).rowcount


class UpdateGate:
    """The one call a channel makes per update: de-duplicate, keep per-chat order, serialise the chat.

    Across replicas the ledger's order is the chat lock (see the module docstring); within this process a
    `LocalChatLocks` serialises the chat without a round trip. A message that must wait for earlier ones of
    its chat is woken when they complete — here, or on another replica through the `DoneListener` — and
    goes on without asking the ledger again when it knew (from its admission) which ones it waited for."""

    def __init__(
        self,
        ledger: UpdateLedger,
        locks: LocalChatLocks | None = None,
        *,
        poll_s: float = 0.02,
        max_poll_s: float = 0.2,
        listener: DoneListener | None = None,
        listening_fallback_s: float = LISTENING_FALLBACK_S,
    ) -> None:
        self.ledger = ledger
        self.locks = locks or LocalChatLocks()
        self.poll_s = poll_s
        self.max_poll_s = max_poll_s
        self.listening_fallback_s = listening_fallback_s  # seconds a waiter trusts wake-ups before asking
        self.listener = listener  # PostgreSQL tells when another replica completes an update
        # chat → {waiting update → ids of the chat's updates completed since it was admitted}
        self._seen: dict[str, dict[int, set[int]]] = {}
        self._done_here: dict[str, None] = {}  # completions of this replica lately ("<chat key> <update id>")
        self._turns: dict[str, list[asyncio.Future[bool]]] = {}  # chat → tasks to wake on a completion

    def start(self) -> None:
        """Listen for other replicas' completions (call on the running event loop)."""
        if self.listener is not None:
            self.listener.start(asyncio.get_running_loop(), self._seen.__contains__, self._wake)

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()

    def admitted(self, update_id: int, chat_key: str | None, admission: Admission) -> None:
        """Start noting completions of the chat for an update that will wait for earlier ones (call right
        after its admission, so none is missed before the update's task runs)."""
        if chat_key is not None and admission.earlier:
            self._seen.setdefault(chat_key, {}).setdefault(update_id, set())

    @asynccontextmanager
    async def process(
        self, update_id: int, chat_key: str | None, payload: str | None = None
    ) -> AsyncIterator[ClaimState]:
        """`async with gate.process(uid, chat) as state:` handle only when `state is ClaimState.CLAIMED`.

        Completes the update on success, releases it on an exception (so a redelivery retries it)."""
        admission = await self.ledger.admit_async(update_id, chat_key, payload)
        if admission.state is not ClaimState.CLAIMED:
            yield admission.state
            return
        self.admitted(update_id, chat_key, admission)
        async with self.run_claimed(update_id, chat_key, admission):
            yield admission.state

    @asynccontextmanager
    async def run_claimed(
        self, update_id: int, chat_key: str | None, admission: Admission | None = None
    ) -> AsyncIterator[None]:
        """For an update this replica already claimed: wait for earlier updates of the chat (only when its
        admission found some open, or is unknown), hold the chat, then complete — or release on an
        exception. The highest message id the update's replies got in its chat (`note_sent`) is stored with
        the completion."""
        sent = [0]
        token = _SENT.set(sent)
        try:
            if chat_key is not None:
                try:
                    if admission is None or admission.earlier:
                        ids = admission.earlier_ids if admission is not None else None
                        await self._wait_for_earlier(update_id, chat_key, ids)
                finally:
                    self._forget(chat_key, update_id)
                async with self.locks.hold(chat_key):
                    yield
                    # done before the next message may start
                    await self.ledger.complete_async(update_id, sent[0] or None)
                    self._wake(f"{chat_key} {update_id}", released=False)
                return
            yield
        except BaseException:
            await self.ledger.release_async(update_id)
            if chat_key is not None:
                self._wake(f"{chat_key} {update_id}", released=True)
            raise
        finally:
            _SENT.reset(token)
        await self.ledger.complete_async(update_id, sent[0] or None)

    async def _wait_for_earlier(self, update_id: int, chat_key: str, earlier: frozenset[int] | None) -> None:
        """Until no earlier update of the chat is open. With `earlier` (the ids its admission found open) the
        wake-ups say when they are all done; without, or when no wake-up came in time (notifications can be
        lost), the ledger is asked — after a growing pause when nothing will wake this task."""
        seen = self._seen.setdefault(chat_key, {}).setdefault(update_id, set())
        listening = self.listener is not None and self.listener.supported
        delay = self.listening_fallback_s if listening else self.poll_s
        ask = earlier is None
        while True:
            if (
                not ask
                and earlier is not None
                and any(self._completed_lately(f"{chat_key} {uid}") for uid in earlier - seen)
            ):  # its wake-up came before this update waited: the ledger says whether it is still open
                ask = True
            if not ask and earlier is not None and earlier <= seen:
                return
            turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            turns = self._turns.setdefault(chat_key, [])
            turns.append(turn)  # registered before asking, so a completion in between is not missed
            try:
                if ask and not await self.ledger.earlier_pending_async(update_id, chat_key):
                    return
                try:
                    released = await asyncio.wait_for(turn, delay)
                    # a release may be old news: the update can be redelivered and open again by now
                    ask = earlier is None or released
                except TimeoutError:
                    ask = True
                    delay = delay if listening else min(delay * 2, self.max_poll_s)
            finally:
                if turn in turns:
                    turns.remove(turn)
                if not turns and self._turns.get(chat_key) is turns:
                    del self._turns[chat_key]

    def _forget(self, chat_key: str, update_id: int) -> None:
        waiting = self._seen.get(chat_key)
        if waiting is not None:
            waiting.pop(update_id, None)
            if not waiting:
                del self._seen[chat_key]

    def _completed_lately(self, done: str) -> bool:
        """Whether `done` ("<chat key> <update id>") completed (or was released) lately here, or another
        replica's notice of it was heard: for an update admitted while that one was still open, whose wake-up
        came before it registered — it asks the ledger at once instead of after `LISTENING_FALLBACK_S`."""
        if done in self._done_here:
            return True
        return self.listener is not None and self.listener.heard(done)

    def _wake(self, done: str, released: bool) -> None:
        """`done` = "<chat key> <update id>" of an update completed (`released` False) or released, here or
        elsewhere. Only a completion counts the update done for its waiters; a release wakes them to ask the
        ledger, because by the time its notice arrives the update may have been redelivered and be open again."""
        self._done_here[done] = None
        if len(self._done_here) > DONE_REMEMBERED:
            del self._done_here[next(iter(self._done_here))]
        chat_key, _, uid = done.rpartition(" ")
        if not released and uid.isdigit():
            for seen in self._seen.get(chat_key, {}).values():
                seen.add(int(uid))
        for turn in self._turns.pop(chat_key, []):
            if not turn.done():
                turn.set_result(released)


_COMPLETE = text(
    "WITH done AS (UPDATE xiaoer_processed_updates SET status = 'done', payload = NULL, claimed_at = :now, "
    "last_message_id = CAST(:last AS bigint) "
    "WHERE channel = :channel AND update_id = :update_id RETURNING chat_key, update_id) "
    f"SELECT pg_notify('{DONE_CHANNEL}', chat_key || ' ' || update_id) FROM done WHERE chat_key IS NOT NULL"
)
_RELEASE = text(
    "WITH gone AS (DELETE FROM xiaoer_processed_updates "
    "WHERE channel = :channel AND update_id = :update_id AND status = 'processing' "
    "RETURNING chat_key, update_id) "
    f"SELECT pg_notify('{DONE_CHANNEL}', chat_key || ' ' || update_id || ' {RELEASED}') FROM gone "
    "WHERE chat_key IS NOT NULL"
)
_BEGIN = text(
    "SELECT claim, fresh, holder, earlier, unsettled, held, rate, retry_after FROM xiaoer_update_begin("
    ":channel, :update_id, :chat_key, :payload, :owner, :now, :lease, "
    ":rate_key, :rate_lock, :rate_max, :rate_window, :rate_now, :handoff_chat)"
)


def _admission(row: Any) -> Admission:
    """The `Admission` of a row of `xiaoer_update_begin` (a BUSY claim's dead holder already checked)."""
    state = ClaimState(row.claim)
    if state is not ClaimState.CLAIMED:
        return Admission(state, earlier=False, holder=row.holder or "")
    verdict = RateVerdict(RateDecision(row.rate), float(row.retry_after)) if row.rate else None
    open_ids = frozenset(int(uid) for uid in row.earlier or ())
    return Admission(
        state,
        earlier=bool(open_ids),
        verdict=verdict,
        earlier_ids=open_ids,
        handoff_open=row.held,
        fresh=bool(row.fresh),
        earlier_settled=not row.unsettled,
    )


# The same statements for the async pool (psycopg placeholders; parameter types fixed by casts, so each
# text is prepared once per connection).
# The completion commits without waiting for its WAL flush (`synchronous_commit` off for its own transaction:
# `set_config(..., true)` is SET LOCAL). Other sessions see it, and hear its notice, at commit as before; only
# a crash of the PostgreSQL server itself within ~3 × wal_writer_delay could lose it, and then the update is
# where a replica dying between its send and its completion leaves it — claimed, its replies in the durable
# reply journal — and is taken over as that case is. A WAL flush was about a third of PostgreSQL's CPU per
# message (bench/pg_bench.py).
_COMPLETE_PG = (
    "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)), "
    "done AS (UPDATE xiaoer_processed_updates SET status = 'done', payload = NULL, "
    "claimed_at = %(now)s::float8, last_message_id = %(last)s::bigint "
    "WHERE channel = %(channel)s::text AND update_id = %(update_id)s::bigint "
    f"RETURNING chat_key, update_id) SELECT pg_notify('{DONE_CHANNEL}', chat_key || ' ' || update_id) "
    "FROM relaxed, done WHERE chat_key IS NOT NULL"
)
_RELEASE_PG = (
    "WITH gone AS (DELETE FROM xiaoer_processed_updates WHERE channel = %(channel)s::text "
    "AND update_id = %(update_id)s::bigint AND status = 'processing' RETURNING chat_key, update_id) "
    f"SELECT pg_notify('{DONE_CHANNEL}', chat_key || ' ' || update_id || ' {RELEASED}') FROM gone "
    "WHERE chat_key IS NOT NULL"
)
_BEGIN_PG = (
    "SELECT claim, fresh, holder, earlier, unsettled, held, rate, retry_after FROM xiaoer_update_begin("
    "%(channel)s::text, %(update_id)s::bigint, %(chat_key)s::text, %(payload)s::text, %(owner)s::text, "
    "%(now)s::float8, %(lease)s::float8, %(rate_key)s::text, %(rate_lock)s::bigint, %(rate_max)s::int, "
    "%(rate_window)s::float8, %(rate_now)s::float8, %(handoff_chat)s::text)"
)
_EARLIER_PG = (
    "SELECT 1 FROM xiaoer_processed_updates WHERE channel = %(channel)s::text AND chat_key = %(chat_key)s::text "
    "AND status = 'processing' AND update_id < %(update_id)s::bigint AND claimed_at >= %(cutoff)s::float8 LIMIT 1"
)


@functools.cache
def _begin_along(read: str) -> str:
    """`_BEGIN_PG` with `read` riding along: its rows (or one row of NULLs) joined to the admission's row, and
    `along_ok` telling whether they are current (see `UpdateLedger.admit_async`). The check of earlier open
    updates is repeated in the outer query because only there does it share the read's snapshot."""
    return (
        "WITH b AS MATERIALIZED (" + _BEGIN_PG + "), quiet AS MATERIALIZED (SELECT NOT EXISTS ("
        "SELECT 1 FROM xiaoer_processed_updates p WHERE p.channel = %(channel)s::text "
        "AND p.chat_key = %(chat_key)s::text AND p.status = 'processing' AND p.update_id < %(update_id)s::bigint "
        "AND p.claimed_at >= %(now)s::float8 - %(lease)s::float8) AS ok), "
        "gate AS (SELECT b.*, (b.claim = 'claimed' AND cardinality(b.earlier) = 0 AND b.held IS FALSE "
        "AND quiet.ok) AS along_ok FROM b CROSS JOIN quiet) "
        "SELECT gate.*, r.* FROM gate LEFT JOIN LATERAL (" + read + ") AS r ON gate.along_ok"
    )
