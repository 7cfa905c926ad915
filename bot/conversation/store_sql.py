"""SQLAlchemy implementation of `ConversationStore` (SQLite file by default, PostgreSQL for replicas).

The tables are made by the migrations (`bot.storage.migrate.upgrade_schema`), not here. `load` is one
SELECT (state, recent turns and interests as one UNION ALL) and `commit` one statement on PostgreSQL
(data-modifying CTEs, run as its own transaction); SQLite, in process, runs `commit` as one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    JSON,
    Float,
    Integer,
    String,
    Text,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import Delete, Insert

from bot.conversation.store import ChatMemory, ChatState, Interests, Turn
from bot.domain.clock import utcnow
from bot.storage.db import Base, Database
from bot.storage.types import UTCDateTime


class TurnRow(Base):
    __tablename__ = "conv_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[str] = mapped_column(String(128), index=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True, default="")
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


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
        recent = (
            select(TurnRow.id, TurnRow.role, TurnRow.text, TurnRow.user_id, TurnRow.skus, TurnRow.at)
            .where(TurnRow.chat_id == chat_id)
            .order_by(TurnRow.id.desc())
            .limit(limit)
            .subquery()
        )
        no_text = cast(null(), String)
        query = union_all(
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
            ).where(ChatStateRow.chat_id == chat_id),
            select(
                literal("i"),
                literal(0),
                no_text,
                InterestRow.keyword,
                InterestRow.user_id,
                cast(null(), JSON),
                InterestRow.updated_at,
                InterestRow.score,
            ).where(InterestRow.user_id == user_id),
        )
        with self.database.autocommit.connect() as conn:
            rows = conn.execute(query).all()
        turns = sorted((r for r in rows if r.kind == "t"), key=lambda r: r.id)
        state = next((r.data for r in rows if r.kind == "s"), None)
        return ChatMemory(
            ChatState.from_json(state),
            tuple(Turn(r.role, r.text, r.user_id, tuple(r.data or ()), r.at) for r in turns),
            {r.text: (float(r.score), r.at) for r in rows if r.kind == "i"},
        )

    def commit(
        self,
        chat_id: str,
        user_id: str,
        turns: Sequence[Turn],
        state: ChatState,
        interests: Interests | None = None,
    ) -> None:
        dialect = postgresql if self.database.dialect == "postgresql" else sqlite
        statements: list[Insert | Delete] = []
        if turns:
            statements.append(
                insert(TurnRow).values(
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
                    ]
                )
            )
        upsert = dialect.insert(ChatStateRow).values(
            chat_id=chat_id, user_id=user_id, data=state.to_json(), updated_at=utcnow()
        )
        keep_owner = func.coalesce(func.nullif(upsert.excluded.user_id, ""), ChatStateRow.user_id)
        statements.append(
            upsert.on_conflict_do_update(
                index_elements=[ChatStateRow.chat_id],
                set_={
                    "data": upsert.excluded.data,
                    "user_id": keep_owner,
                    "updated_at": upsert.excluded.updated_at,
                },
            )
        )
        if interests is not None:
            scores = {k[:128]: v for k, v in interests.items()}
            keywords = list(scores)
            statements.append(
                delete(InterestRow).where(
                    InterestRow.user_id == user_id, InterestRow.keyword.not_in(keywords)
                )
            )
            if scores:
                rows = [
                    {"user_id": user_id, "keyword": k, "score": s, "updated_at": at}
                    for k, (s, at) in scores.items()
                ]
                put = dialect.insert(InterestRow).values(rows)
                statements.append(
                    put.on_conflict_do_update(
                        index_elements=[InterestRow.user_id, InterestRow.keyword],
                        set_={"score": put.excluded.score, "updated_at": put.excluded.updated_at},
                    )
                )
        if self.database.dialect == "postgresql":  # one statement, its own transaction: one round trip
            with self.database.autocommit.connect() as conn:
                conn.execute(select(literal(1)).add_cte(*(s.cte(f"w{n}") for n, s in enumerate(statements))))
            return
        with self.database.engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)

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
