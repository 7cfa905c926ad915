"""`SqlDialogueStore`: order dialogues in the shared SQL database, so replicas continue each other's turns.

One row per (chat, user): the dialogue as JSON and its `updated_at` (epoch seconds). Expired rows are
ignored on read and removed by `purge`. Table from migration 0008.
"""

from __future__ import annotations

from sqlalchemy import Float, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.orders.dialogue import DIALOGUE_TTL_S, OrderDialogue
from bot.orders.store_sql import database_errors
from bot.storage.db import Base, Database


class OrderDialogueRow(Base):
    __tablename__ = "order_dialogues"

    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class SqlDialogueStore:
    """`DialogueStore` on SQLAlchemy; raises `OrderSourceUnavailable("database")` when the database is down."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sessions = database.sessions

    def get(self, chat_id: str, user_id: str, now: float) -> OrderDialogue | None:
        with database_errors(), self._sessions() as session:
            row = session.get(OrderDialogueRow, (chat_id, user_id))
            if row is None or now - row.updated_at > DIALOGUE_TTL_S:
                return None
            return OrderDialogue.from_json(row.payload)

    def put(self, chat_id: str, user_id: str, dialogue: OrderDialogue) -> None:
        with database_errors(), self._sessions.begin() as session:
            session.merge(
                OrderDialogueRow(
                    chat_id=chat_id,
                    user_id=user_id,
                    payload=dialogue.to_json(),
                    updated_at=dialogue.updated_at,
                )
            )

    def drop(self, chat_id: str, user_id: str) -> None:
        rows = OrderDialogueRow
        with database_errors(), self._sessions.begin() as session:
            session.execute(delete(rows).where(rows.chat_id == chat_id, rows.user_id == user_id))

    def purge(self, before: float) -> int:
        rows = OrderDialogueRow
        with database_errors(), self._sessions.begin() as session:
            result = session.execute(delete(rows).where(rows.updated_at < before))
            return int(getattr(result, "rowcount", 0) or 0)

    def count(self) -> int:
        with database_errors(), self._sessions() as session:
            return len(session.scalars(select(OrderDialogueRow.chat_id)).all())
