"""SQLAlchemy implementation of `ConversationStore` (SQLite file by default, PostgreSQL for replicas).

The tables are made by the migrations (`bot.storage.migrate.upgrade_schema`), not here. `load` is one
SELECT (state, recent turns and interests as one UNION ALL) and `commit` one statement on PostgreSQL
(data-modifying CTEs, run as its own transaction); SQLite, in process, runs `commit` as one transaction.
The hot statements are built once at import: building and keying a SQLAlchemy statement costs more client
CPU than running it, and a multi-row VALUES is never cached (it was compiled anew for every message).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CompoundSelect,
    Float,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.conversation.store import ChatMemory, ChatState, Interests, Turn
from bot.domain.clock import utcnow
from bot.storage.aio import ReadAlong, current_batch, take_read
from bot.storage.db import Base, Database
from bot.storage.types import UTCDateTime


class TurnRow(Base):
    __tablename__ = "conv_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128), index=True, default="")
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    # (chat, id): the memory read (a chat's last turns, newest first) stops after its limit (migration 0012)
    __table_args__ = (Index("ix_conv_turns_chat", "chat_id", "id"),)


class ChatStateRow(Base):
    __tablename__ = "conv_chat_state"

    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InterestRow(Base):
    __tablename__ = "conv_user_interests"

    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    keyword: Mapped[str] = mapped_column(String(128), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SqlConversationStore:
    """Conversation memory in the shared SQL database; safe across processes (one row per turn)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._session = database.sessions

    def load(self, chat_id: str, user_id: str, limit: int = 40) -> ChatMemory:
        with self.database.autocommit.connect() as conn:
            rows = conn.execute(_LOAD, {"chat": chat_id, "user": user_id, "limit": limit}).all()
        return _memory(rows)

    def commit(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        if self.database.dialect == "postgresql":  # one fixed statement, its own transaction: one round trip
            with self.database.autocommit.connect() as conn:
                conn.exec_driver_sql(_COMMIT_PG, _commit_params(chat_id, user_id, turns, state, interests))
            return
        scores = {k[:128]: v for k, v in interests.items()} if interests is not None else {}
        with self.database.engine.begin() as conn:  # SQLite: in process, one transaction of cached statements
            if turns:
                conn.execute(
                    insert(TurnRow),
                    [
                        {
                            "chat_id": chat_id,
                            "user_id": t.user_id,
                            "role": t.role,
                            "text": t.text,
                            "skus": list(t.skus),
                            "at": t.at,
                        }
                        for t in turns
                    ],
                )
            conn.execute(
                _UPSERT_STATE_SQLITE,
                {"chat_id": chat_id, "user_id": user_id, "data": state.to_json(), "updated_at": utcnow()},
            )
            if interests is not None:
                conn.execute(
                    delete(InterestRow).where(
                        InterestRow.user_id == user_id, InterestRow.keyword.not_in(list(scores))
                    )
                )
                if scores:
                    conn.execute(
                        _UPSERT_INTEREST_SQLITE,
                        [
                            {"user_id": user_id, "keyword": k, "score": sc, "updated_at": at}
                            for k, (sc, at) in scores.items()
                        ],
                    )

    async def load_async(self, chat_id: str, user_id: str, limit: int = 40) -> ChatMemory:
        """`load` from the event loop: on PostgreSQL straight from the async pool, else off the loop."""
        aio = self.database.aio
        if aio is None:
            return await asyncio.to_thread(self.load, chat_id, user_id, limit)
        rows = take_read(_read_key(chat_id, user_id, limit))  # read with the update's admission
        if rows is None:
            rows = await aio.fetch(_LOAD_PG, {"chat": chat_id, "user": user_id, "limit": limit})
        return _memory(rows)

    def read_along(self, chat_id: str, user_id: str, limit: int = 40) -> ReadAlong | None:
        """`load_async`'s read as one that can ride along with the update's admission (PostgreSQL only; the
        admission decides whether the rows are current — see `bot.coordination.ledger`)."""
        if self.database.aio is None:
            return None
        return ReadAlong(
            _read_key(chat_id, user_id, limit),
            _LOAD_ALONG,
            {"m_chat": chat_id, "m_user": user_id, "m_limit": limit},
        )

    async def commit_async(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        """`commit` from the event loop; on PostgreSQL, inside `bot.storage.aio.deferred_writes`, the write
        rides along with the update's closing statement (the reply journal's) instead of a round trip."""
        aio = self.database.aio
        if aio is None:
            await asyncio.to_thread(self.commit, chat_id, user_id, turns, state, interests)
            return
        params = _commit_params(chat_id, user_id, turns, state, interests)
        batch = current_batch()
        if batch is not None and batch.add(_COMMIT_CTES, params):
            return
        await aio.execute(_COMMIT_PG, params)

    def append(self, chat_id: str, turn: Turn) -> None:
        with self._session.begin() as session:
            session.add(
                TurnRow(
                    chat_id=chat_id,
                    user_id=turn.user_id,
                    role=turn.role,
                    text=turn.text,
                    skus=list(turn.skus),
                    at=turn.at,
                )
            )

    def recent(self, chat_id: str, limit: int = 40) -> list[Turn]:
        with self._session() as session:
            rows = session.scalars(
                select(TurnRow).where(TurnRow.chat_id == chat_id).order_by(TurnRow.id.desc()).limit(limit)
            ).all()
        return [Turn(r.role, r.text, r.user_id, tuple(r.skus or ()), r.at) for r in reversed(rows)]

    def state(self, chat_id: str) -> ChatState:
        with self._session() as session:
            row = session.get(ChatStateRow, chat_id)
            return ChatState.from_json(row.data if row else None)

    def save_state(self, chat_id: str, state: ChatState, user_id: str = "") -> None:
        with self._session.begin() as session:
            row = session.get(ChatStateRow, chat_id)
            if row is None:
                session.add(
                    ChatStateRow(chat_id=chat_id, user_id=user_id, data=state.to_json(), updated_at=utcnow())
                )
            else:
                row.data = state.to_json()
                row.user_id = user_id or row.user_id
                row.updated_at = utcnow()

    def reset(self, chat_id: str) -> None:
        with self._session.begin() as session:
            session.execute(delete(TurnRow).where(TurnRow.chat_id == chat_id))
            session.execute(delete(ChatStateRow).where(ChatStateRow.chat_id == chat_id))

    def interests(self, user_id: str) -> dict[str, tuple[float, datetime]]:
        with self._session() as session:
            rows = session.scalars(select(InterestRow).where(InterestRow.user_id == user_id)).all()
            return {r.keyword: (r.score, r.updated_at) for r in rows}

    def save_interests(self, user_id: str, scores: dict[str, tuple[float, datetime]]) -> None:
        with self._session.begin() as session:
            session.execute(delete(InterestRow).where(InterestRow.user_id == user_id))
            session.add_all(
                InterestRow(user_id=user_id, keyword=k[:128], score=s, updated_at=at)
                for k, (s, at) in scores.items()
            )

    def forget_user(self, user_id: str) -> int:
        with self._session.begin() as session:
            removed = 0
            for table, column in (
                (TurnRow, TurnRow.user_id),
                (ChatStateRow, ChatStateRow.user_id),
                (InterestRow, InterestRow.user_id),
            ):
                removed += session.connection().execute(delete(table).where(column == user_id)).rowcount
            return removed

    def purge(self, before: datetime) -> int:
        with self._session.begin() as session:
            return session.connection().execute(delete(TurnRow).where(TurnRow.at < before)).rowcount

    def count_turns(self, since: datetime | None = None) -> int:
        with self._session() as session:
            query = select(func.count()).select_from(TurnRow)
            if since is not None:
                query = query.where(TurnRow.at >= since)
            return int(session.scalar(query) or 0)


def _memory(rows: Sequence[Any]) -> ChatMemory:
    """A `ChatMemory` from the rows of `_LOAD` / `_LOAD_PG` (kind 't' turn, 's' state, 'i' interest)."""
    turns = sorted((r for r in rows if r.kind == "t"), key=lambda r: r.id)
    state = next((r.data for r in rows if r.kind == "s"), None)
    return ChatMemory(
        ChatState.from_json(state),
        tuple(Turn(r.role, r.text, r.user_id, tuple(r.data or ()), _utc(r.at)) for r in turns),
        {r.text: (float(r.score), _utc(r.at)) for r in rows if r.kind == "i"},
    )


def _utc(at: datetime) -> datetime:
    """Aware UTC, as `UTCDateTime` returns it (psycopg gives the session's time zone)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _commit_params(
    chat_id: str, user_id: str, turns: Sequence[Turn], state: ChatState, interests: Interests | None
) -> dict[str, Any]:
    """The parameters of `_COMMIT_PG` / `_COMMIT_CTES` (new rows as JSON: the statement text never changes)."""
    scores = {k[:128]: v for k, v in interests.items()} if interests is not None else {}
    return {
        "chat": chat_id,
        "user": user_id,
        "turns": json.dumps(
            [
                {"user_id": t.user_id, "role": t.role, "text": t.text, "skus": list(t.skus), "at": _iso(t.at)}
                for t in turns
            ],
            ensure_ascii=False,
        ),
        "state": json.dumps(state.to_json(), ensure_ascii=False),
        "now": utcnow(),
        "replace": interests is not None,
        "keywords": list(scores),
        "interests": json.dumps(
            [{"keyword": k, "score": score, "updated_at": _iso(at)} for k, (score, at) in scores.items()],
            ensure_ascii=False,
        ),
    }


def _iso(at: datetime) -> str:
    """An aware timestamp for JSON (PostgreSQL reads the offset); naive ones are refused like UTCDateTime does."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} given for a UTC timestamp")
    return at.astimezone(UTC).isoformat()


def _load_statement() -> CompoundSelect:
    """State, the last `:limit` turns and the user's interests as one UNION ALL (built once: building and
    keying a statement costs more than running it)."""
    recent = (
        select(TurnRow.id, TurnRow.role, TurnRow.text, TurnRow.user_id, TurnRow.skus, TurnRow.at)
        .where(TurnRow.chat_id == bindparam("chat"))
        .order_by(TurnRow.id.desc())
        .limit(bindparam("limit"))
        .subquery()
    )
    no_text = cast(null(), String)
    return union_all(
        select(
            literal("t").label("kind"),
            recent.c.id,
            recent.c.role,
            recent.c.text,
            recent.c.user_id,
            recent.c.skus.label("data"),
            recent.c.at,
            cast(null(), Float).label("score"),
        ),
        select(
            literal("s"),
            literal(0),
            no_text,
            no_text,
            ChatStateRow.user_id,
            ChatStateRow.data,
            ChatStateRow.updated_at,
            cast(null(), Float),
        ).where(ChatStateRow.chat_id == bindparam("chat")),
        select(
            literal("i"),
            literal(0),
            no_text,
            InterestRow.keyword,
            InterestRow.user_id,
            cast(null(), JSON),
            InterestRow.updated_at,
            InterestRow.score,
        ).where(InterestRow.user_id == bindparam("user")),
    )


_LOAD = _load_statement()

# PostgreSQL, from the event loop (psycopg placeholders): the same UNION ALL as `_LOAD`.
_LOAD_PG = """
SELECT 't' AS kind, r.id, r.role, r.text, r.user_id, r.skus AS data, r.at, CAST(NULL AS float8) AS score
FROM (SELECT id, role, text, user_id, skus, at FROM conv_turns WHERE chat_id = %(chat)s
      ORDER BY id DESC LIMIT %(limit)s) AS r
UNION ALL
SELECT 's', 0, NULL, NULL, user_id, data, updated_at, NULL FROM conv_chat_state WHERE chat_id = %(chat)s
UNION ALL
SELECT 'i', 0, NULL, keyword, user_id, NULL, updated_at, score FROM conv_user_interests WHERE user_id = %(user)s
"""

# The same read riding along with another statement (parameters of its own; see `read_along`).
_LOAD_ALONG = (
    _LOAD_PG.replace("%(chat)s", "%(m_chat)s")
    .replace("%(user)s", "%(m_user)s")
    .replace("%(limit)s", "%(m_limit)s")
)


def _read_key(chat_id: str, user_id: str, limit: int) -> tuple[str, str, str, int]:
    return ("conversation", chat_id, user_id, limit)


# PostgreSQL: the whole write of one message as data-modifying CTEs of one statement (its own transaction).
# The new rows come as JSON so the statement text never changes: parsed and planned once per connection.
# The CTEs can also ride along with another statement (`bot.storage.aio.WriteBatch`).
_COMMIT_CTES = (
    """conv_turns_new AS (
    INSERT INTO conv_turns (chat_id, user_id, role, text, skus, at)
    SELECT %(chat)s, r.user_id, r.role, r.text, r.skus, r.at
    FROM json_to_recordset(CAST(%(turns)s AS json))
        AS r(user_id text, role text, text text, skus json, at timestamptz)
)""",
    """conv_state_new AS (
    INSERT INTO conv_chat_state (chat_id, user_id, data, updated_at)
    VALUES (%(chat)s, %(user)s, CAST(%(state)s AS json), %(now)s)
    ON CONFLICT (chat_id) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at,
        user_id = coalesce(nullif(EXCLUDED.user_id, ''), conv_chat_state.user_id)
)""",
    """conv_interests_dropped AS (
    DELETE FROM conv_user_interests
    WHERE %(replace)s AND user_id = %(user)s AND NOT (keyword = ANY(CAST(%(keywords)s AS text[])))
)""",
    """conv_interests_kept AS (
    INSERT INTO conv_user_interests (user_id, keyword, score, updated_at)
    SELECT %(user)s, r.keyword, r.score, r.updated_at
    FROM json_to_recordset(CAST(%(interests)s AS json)) AS r(keyword text, score float8, updated_at timestamptz)
    ON CONFLICT (user_id, keyword) DO UPDATE SET score = EXCLUDED.score, updated_at = EXCLUDED.updated_at
    WHERE (conv_user_interests.score, conv_user_interests.updated_at)
        IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.updated_at)
)""",
)
_COMMIT_PG = "WITH " + ",\n".join(_COMMIT_CTES) + "\nSELECT 1"
_STATE_INSERT = sqlite.insert(ChatStateRow)
_UPSERT_STATE_SQLITE = _STATE_INSERT.on_conflict_do_update(
    index_elements=[ChatStateRow.chat_id],
    set_={
        "data": _STATE_INSERT.excluded.data,
        "updated_at": _STATE_INSERT.excluded.updated_at,
        "user_id": func.coalesce(func.nullif(_STATE_INSERT.excluded.user_id, ""), ChatStateRow.user_id),
    },
)
_INTEREST_INSERT = sqlite.insert(InterestRow)
_UPSERT_INTEREST_SQLITE = _INTEREST_INSERT.on_conflict_do_update(
    index_elements=[InterestRow.user_id, InterestRow.keyword],
    set_={"score": _INTEREST_INSERT.excluded.score, "updated_at": _INTEREST_INSERT.excluded.updated_at},
    # an unchanged row is not rewritten (InterestProfile.updated keeps the keywords a message did not touch)
    where=or_(
        InterestRow.score != _INTEREST_INSERT.excluded.score,
        InterestRow.updated_at != _INTEREST_INSERT.excluded.updated_at,
    ),
)
