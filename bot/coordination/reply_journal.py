"""Idempotent delivery per update: the replies an update produced, and how many of them were already sent.

Why: a replica SIGKILLed after Telegram accepted its reply but before the update was marked done leaves the
update claimed; another replica (or the restarted poller) takes it over and would answer again — one message,
two replies. So before delivering, the channel journals the update's `Outbound`s; before each send it
records the intent (`sending`), after it `delivered`. A taken-over update resumes from the journal: the core
is not run again and what was delivered is not sent again. A reply whose send was started but not confirmed
(the process died in between: Telegram may or may not have it) is logged as in doubt and sent again —
at-least-once, because the Bot API has no idempotent send and a lost answer is worse than a repeated one;
the window is one HTTP round trip. `bench/load.py --kill-runs` measures both counts.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Float, Integer, String, Text, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.coordination.ledger import ProcessedUpdate
from bot.coordination.sql import offload
from bot.domain.messages import Button, MessageRef, Outbound, ProductCard
from bot.storage.aio import deferred_writes, take_batch
from bot.storage.db import Base, Database


class UpdateReply(Base):
    """One row per update that produced replies: the replies (JSON) and how many were delivered."""

    __tablename__ = "xiaoer_update_replies"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    outbounds: Mapped[str] = mapped_column(Text)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    sending: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[float] = mapped_column(Float)
    # the highest message id known in the chat's id space when the send marked in `sending` began (migration
    # 0011): where a probe looks for a reply in doubt
    after_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Pending(NamedTuple):
    """A journaled update: its replies, how many were delivered, how many sends were started, and the message
    id floor of the last started send (None when not recorded)."""

    outbounds: list[Outbound]
    delivered: int
    sending: int
    after_id: int | None = None


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__b64__"}:
        return base64.b64decode(value["__b64__"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    """`value` as JSON-ready data: dataclasses as dicts of their fields in declaration order (what
    `dataclasses.asdict` gives, without its recursive deep copies: every reply goes through here), tuples and
    lists as lists, bytes as `{"__b64__": …}`."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        if not dataclasses.is_dataclass(value):
            return value
        names = _FIELD_NAMES.setdefault(type(value), tuple(f.name for f in dataclasses.fields(value)))
    return {name: _plain(getattr(value, name)) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def outbounds_to_json(outbounds: Sequence[Outbound]) -> str:
    """The replies as JSON (bytes as base64)."""
    return json.dumps([_plain(o) for o in outbounds], ensure_ascii=False)


def outbounds_from_json(text: str) -> list[Outbound]:
    """The inverse of `outbounds_to_json`."""
    result = []
    for raw in json.loads(text):
        item = _decode(raw)
        ref = lambda v: MessageRef(**v) if v else None  # noqa: E731
        buttons = lambda vs: tuple(Button(**b) for b in vs)  # noqa: E731
        item["cards"] = tuple(ProductCard(**{**c, "buttons": buttons(c["buttons"])}) for c in item["cards"])
        item["buttons"] = buttons(item["buttons"])
        item["reply_to"], item["copy_of"] = ref(item["reply_to"]), ref(item["copy_of"])
        item["document"] = tuple(item["document"]) if item["document"] else None
        item["images"] = tuple(tuple(i) for i in item["images"])
        result.append(Outbound(**item))
    return result


class ReplyJournal:
    """SQL journal of each update's replies (SQLite or PostgreSQL) — synchronous, call off the loop.

    Its table comes from the migrations (`bot.storage.migrate`)."""

    def __init__(self, database: Database, *, channel: str = "telegram") -> None:
        self.database = database
        self.engine = database.engine
        self.channel = channel

    def deferring(self) -> AbstractAsyncContextManager[object]:
        """`async with journal.deferring():` answer an update and `record_async` its replies inside: what the
        core writes meanwhile (its conversation memory) is journaled with the replies in one statement, and
        written on its own if the block ends without a record (see `bot.storage.aio.deferred_writes`)."""
        return deferred_writes(self.database.aio)

    def _key(self, update_id: int) -> Any:
        return (UpdateReply.channel == self.channel) & (UpdateReply.update_id == int(update_id))

    def pending(self, update_id: int) -> Pending | None:
        """The update's journaled replies and progress, else None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    UpdateReply.outbounds, UpdateReply.delivered, UpdateReply.sending, UpdateReply.after_id
                ).where(self._key(update_id))
            ).first()
        if row is None:
            return None
        after = int(row.after_id) if row.after_id is not None else None
        return Pending(outbounds_from_json(row.outbounds), int(row.delivered), int(row.sending), after)

    def sending(self, update_id: int, number: int, after_id: int | None = None) -> None:
        """The `number`-th reply (1-based) is about to be sent; `after_id`: the highest message id known in
        its chat's id space now (the floor of a probe should this send end in doubt)."""
        with self.database.autocommit.connect() as conn:
            conn.execute(
                update(UpdateReply)
                .where(self._key(update_id), UpdateReply.sending < number)
                .values(sending=number, after_id=after_id)
            )

    def record(
        self,
        update_id: int,
        outbounds: Sequence[Outbound],
        *,
        sending: int = 0,
        after_id: int | None = None,
    ) -> None:
        """Journal the replies before the first is sent (a second record of the same update is ignored);
        `sending=1` also marks the first send as started (saves `sending(update_id, 1)`'s round trip), with
        `after_id` its message id floor."""
        dialect = self.engine.dialect.name
        values = {
            "channel": self.channel,
            "update_id": int(update_id),
            "outbounds": outbounds_to_json(outbounds),
            "delivered": 0,
            "sending": sending,
            "at": time.time(),
            "after_id": after_id,
        }
        module = postgresql if dialect == "postgresql" else sqlite
        with self.database.autocommit.connect() as conn:  # one statement: one round trip
            conn.execute(module.insert(UpdateReply).values(**values).on_conflict_do_nothing())

    async def pending_async(self, update_id: int) -> Pending | None:
        """`pending` from the event loop (PostgreSQL: the async pool; else off the loop)."""
        aio = self.database.aio
        if aio is None:
            return await offload(self.pending, update_id)
        rows = await aio.fetch(_PENDING_PG, {"channel": self.channel, "update_id": int(update_id)})
        if not rows:
            return None
        row = rows[0]
        after = int(row.after_id) if row.after_id is not None else None
        return Pending(outbounds_from_json(row.outbounds), int(row.delivered), int(row.sending), after)

    async def record_async(
        self,
        update_id: int,
        outbounds: Sequence[Outbound],
        *,
        sending: int = 0,
        after_id: int | None = None,
    ) -> None:
        """`record` from the event loop. On PostgreSQL the writes the update deferred so far (its
        conversation memory: `bot.storage.aio.deferred_writes`) go in the same statement — the core's
        changes and the replies they produced are journaled together, in one round trip."""
        aio = self.database.aio
        if aio is None:
            await offload(
                functools.partial(self.record, update_id, outbounds, sending=sending, after_id=after_id)
            )
            return
        params = {
            "j_channel": self.channel,
            "j_update_id": int(update_id),
            "j_outbounds": outbounds_to_json(outbounds),
            "j_sending": sending,
            "j_at": time.time(),
            "j_after_id": after_id,
        }
        batch = take_batch()
        if batch is None:
            await aio.execute(_RECORD_PG, params)
            return
        await aio.execute(batch.statement((_RECORD_CTE,)), {**batch.params, **params})

    async def sending_async(self, update_id: int, number: int, after_id: int | None = None) -> None:
        """`sending` from the event loop (PostgreSQL: the async pool; else off the loop)."""
        aio = self.database.aio
        if aio is None:
            await offload(self.sending, update_id, number, after_id)
            return
        await aio.execute(
            _SENDING_PG,
            {"channel": self.channel, "update_id": int(update_id), "n": number, "after_id": after_id},
        )

    async def delivered_async(self, update_id: int, count: int) -> None:
        """`delivered` from the event loop (PostgreSQL: the async pool; else off the loop)."""
        aio = self.database.aio
        if aio is None:
            await offload(self.delivered, update_id, count)
            return
        await aio.execute(_DELIVERED_PG, {"channel": self.channel, "update_id": int(update_id), "n": count})

    def delivered(self, update_id: int, count: int) -> None:
        """`count` replies of the update are out (monotonic)."""
        with self.database.autocommit.connect() as conn:
            conn.execute(
                update(UpdateReply)
                .where(self._key(update_id), UpdateReply.delivered < count)
                .values(delivered=count)
            )

    def chat_floor(self, update_id: int, chat_key: str) -> int:
        """The highest message id the earlier updates of `chat_key` got for their replies in the chat, as their
        completions recorded it (`bot.coordination.ledger.note_sent`); 0 when none is known. A reply in doubt
        of `update_id` lies above it — and so does no earlier reply of the chat, whichever replica sent it."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(func.max(ProcessedUpdate.last_message_id)).where(
                    ProcessedUpdate.channel == self.channel,
                    ProcessedUpdate.chat_key == chat_key,
                    ProcessedUpdate.update_id < int(update_id),
                )
            ).scalar()
        return int(found or 0)

    def forget_chat(self, chat_id: str) -> int:
        """Delete the journaled replies addressed to `chat_id` (/forget: they may quote what the customer
        wrote or their order). Rows are matched on the JSON as `outbounds_to_json` writes it."""
        needle = json.dumps({"chat_id": str(chat_id)}, ensure_ascii=False)[1:-1]
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.engine.begin() as conn:
            return conn.execute(
                delete(UpdateReply).where(
                    UpdateReply.channel == self.channel, UpdateReply.outbounds.like(pattern, escape="\\")
                )
            ).rowcount

    def purge(self, before: datetime) -> int:
        """Retention (`XIAOER_RETENTION_DAYS`): delete every channel's rows journaled before `before` (the
        replies may quote the customer or their order). Returns rows removed."""
        with self.engine.begin() as conn:
            return conn.execute(delete(UpdateReply).where(UpdateReply.at < before.timestamp())).rowcount

    def prune(self, older_than_s: float = 7 * 86400) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                delete(UpdateReply).where(UpdateReply.at < time.time() - older_than_s)
            ).rowcount


# The async pool's statements (psycopg placeholders; see `bot.storage.aio`).
_KEY_PG = "channel = %(channel)s::text AND update_id = %(update_id)s::bigint"
_PENDING_PG = f"SELECT outbounds, delivered, sending, after_id FROM xiaoer_update_replies WHERE {_KEY_PG}"
_SENDING_PG = (
    "UPDATE xiaoer_update_replies SET sending = %(n)s::int, after_id = %(after_id)s::bigint "
    f"WHERE {_KEY_PG} AND sending < %(n)s::int"
)
_DELIVERED_PG = (
    f"UPDATE xiaoer_update_replies SET delivered = %(n)s::int WHERE {_KEY_PG} AND delivered < %(n)s::int"
)
_RECORD_VALUES = (
    "INSERT INTO xiaoer_update_replies (channel, update_id, outbounds, delivered, sending, at, after_id) "
    "VALUES (%(j_channel)s::text, %(j_update_id)s::bigint, %(j_outbounds)s::text, 0, %(j_sending)s::int, "
    "%(j_at)s::float8, %(j_after_id)s::bigint) ON CONFLICT (channel, update_id) DO NOTHING"
)
_RECORD_PG = _RECORD_VALUES
_RECORD_CTE = f"journal_replies AS ({_RECORD_VALUES})"
