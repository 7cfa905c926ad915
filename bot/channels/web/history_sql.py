"""`WebHistory` in the shared SQL database (SQLite or PostgreSQL), so every replica sees every message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.channels.web.history import WebMessage, Who
from bot.storage.db import Base, Database


class WebMessageRow(Base):
    """One widget message (payload = the widget's JSON object)."""

    __tablename__ = "xiaoer_web_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    who: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    handoff_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_xiaoer_web_messages_chat_id", "chat_id", "id"),
        Index("ix_xiaoer_web_messages_handoff", "handoff_id"),
        # Ids are never reused, even after the newest rows are deleted (/forget): open sockets follow the
        # log by "id greater than the last one sent" (SQLite would otherwise hand out max(id)+1 again).
        {"sqlite_autoincrement": True},
    )


class SqlWebHistory:
    """The web message log on SQLAlchemy; ids come from the database, so they grow across replicas.

    Its table comes from the migrations (`bot.storage.migrate`)."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.engine = database.engine
        self._clock = clock
        self._table = WebMessageRow.__table__

    def append(
        self, chat_id: str, who: Who, payload: dict[str, Any], handoff_id: str | None = None
    ) -> WebMessage:
        at = self._clock()
        body = json.dumps(payload, ensure_ascii=False)
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(WebMessageRow).values(
                    chat_id=chat_id, who=who, payload=body, handoff_id=handoff_id, at=at
                )
            )
            new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return WebMessage(new_id, chat_id, who, dict(payload), handoff_id, at)

    def recent(self, chat_id: str, limit: int = 50) -> list[WebMessage]:
        t = self._table
        query = select(t).where(t.c.chat_id == chat_id).order_by(t.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_message(row) for row in reversed(rows)]

    def since(self, chat_ids: Collection[str], after_id: int, limit: int = 500) -> list[WebMessage]:
        if not chat_ids:
            return []
        t = self._table
        query = (
            select(t).where(t.c.id > after_id, t.c.chat_id.in_(list(chat_ids))).order_by(t.c.id).limit(limit)
        )
        with self.engine.connect() as conn:
            return [_message(row) for row in conn.execute(query).all()]

    def chats_since(self, after_id: int) -> tuple[int, set[str]]:
        t = self._table
        with self.engine.connect() as conn:
            latest = conn.execute(select(func.max(t.c.id))).scalar() or 0
            if latest <= after_id:
                return int(latest), set()
            chats = conn.execute(select(t.c.chat_id).where(t.c.id > after_id).distinct()).scalars().all()
        return int(latest), set(chats)

    def for_handoff(self, handoff_id: str) -> list[WebMessage]:
        t = self._table
        query = select(t).where(t.c.handoff_id == handoff_id).order_by(t.c.id)
        with self.engine.connect() as conn:
            return [_message(row) for row in conn.execute(query).all()]

    def purge(self, before: datetime) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(delete(WebMessageRow).where(WebMessageRow.at < before.timestamp())).rowcount
            )

    def forget(self, chat_id: str) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(WebMessageRow).where(WebMessageRow.chat_id == chat_id)).rowcount)


def _message(row: Any) -> WebMessage:
    return WebMessage(
        int(row.id), row.chat_id, row.who, json.loads(row.payload), row.handoff_id, float(row.at)
    )
