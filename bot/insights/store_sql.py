"""Insights records in the shared SQL database: tables `insight_turns` and `insight_events`."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, delete, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Mapped, mapped_column

from bot.insights.records import OutcomeEvent, TurnRecord
from bot.storage.db import Base, create_schema, make_session_factory


class TurnRow(Base):
    __tablename__ = "insight_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(32), index=True)
    chat: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    intent: Mapped[str] = mapped_column(String(32))
    keywords: Mapped[list] = mapped_column(JSON)
    filters: Mapped[dict] = mapped_column(JSON)
    skus: Mapped[list] = mapped_column(JSON)
    answered: Mapped[bool] = mapped_column(Boolean)
    top_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    matched: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class EventRow(Base):
    __tablename__ = "insight_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    chat: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))


_TURN_FIELDS = tuple(f.name for f in fields(TurnRecord))


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _add_missing_columns(engine: Engine) -> None:
    """A database made before `matched` existed gets the (nullable) column; old turns read as None.

    Stands in until the Alembic migrations land, which will own this change."""
    columns = {c["name"] for c in inspect(engine).get_columns(TurnRow.__tablename__)}
    if "matched" not in columns:
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {TurnRow.__tablename__} ADD COLUMN matched BOOLEAN"))
        except (OperationalError, ProgrammingError):  # another process added it a moment ago
            pass


class SqlInsightsStore:
    """Insights records in the shared SQL database."""

    def __init__(self, engine: Engine) -> None:
        create_schema(engine)
        _add_missing_columns(engine)
        self._sessions = make_session_factory(engine)

    def record_turn(self, turn: TurnRecord) -> None:
        values = {name: getattr(turn, name) for name in _TURN_FIELDS}
        values.update(
            keywords=list(turn.keywords),
            skus=list(turn.skus),
            filters=json.loads(json.dumps(turn.filters, default=str)),
        )
        with self._sessions.begin() as session:
            session.add(TurnRow(**values))

    def record_event(self, event: OutcomeEvent) -> None:
        with self._sessions.begin() as session:
            session.add(EventRow(at=event.at, chat=event.chat, kind=event.kind, value=event.value))

    def turns(self, since: datetime, until: datetime) -> list[TurnRecord]:
        query = select(TurnRow).where(TurnRow.at >= since, TurnRow.at < until).order_by(TurnRow.at)
        with self._sessions() as session:
            return [
                TurnRecord(
                    **{name: getattr(row, name) for name in _TURN_FIELDS}
                    | {
                        "at": _aware(row.at),
                        "keywords": tuple(row.keywords or ()),
                        "skus": tuple(row.skus or ()),
                        "filters": dict(row.filters or {}),
                    }
                )
                for row in session.scalars(query)
            ]

    def forget(self, user: str) -> int:
        with self._sessions.begin() as session:
            chats = set(session.scalars(select(TurnRow.chat).where(TurnRow.user == user)))
            removed = session.execute(delete(TurnRow).where(TurnRow.user == user)).rowcount or 0
            if chats:
                removed += session.execute(delete(EventRow).where(EventRow.chat.in_(chats))).rowcount or 0
            return removed

    def purge(self, before: datetime) -> int:
        with self._sessions.begin() as session:
            removed = session.execute(delete(TurnRow).where(TurnRow.at < before)).rowcount or 0
            return removed + (session.execute(delete(EventRow).where(EventRow.at < before)).rowcount or 0)

    def events(self, since: datetime, until: datetime) -> list[OutcomeEvent]:
        query = select(EventRow).where(EventRow.at >= since, EventRow.at < until).order_by(EventRow.at)
        with self._sessions() as session:
            return [
                OutcomeEvent(at=_aware(row.at), chat=row.chat, kind=row.kind, value=row.value)
                for row in session.scalars(query)
            ]
