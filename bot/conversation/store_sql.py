"""SQLAlchemy implementation of `ConversationStore` (SQLite file by default, PostgreSQL for replicas).

The tables are made by the migrations (`bot.storage.migrate.upgrade_schema`), not here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.conversation.store import ChatState, Turn
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
