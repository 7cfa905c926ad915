"""Kept copy in the shared SQL database (SQLite default, PostgreSQL for scale): table `copy_kept`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from bot.copywriting.kept import KeptCopy
from bot.storage.db import Base, create_schema, make_session_factory


class KeptCopyRow(Base):
    __tablename__ = "copy_kept"

    copy_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    sku: Mapped[str] = mapped_column(String(128), index=True, default="")
    platform: Mapped[str] = mapped_column(String(32))
    tone: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    bullets: Mapped[list[str]] = mapped_column(JSON)
    kept_by: Mapped[str] = mapped_column(String(128), default="")
    kept_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SqlKeptCopyStore:
    """KeptCopyStore on SQLAlchemy; keeping the same copy id again replaces it."""

    def __init__(self, engine: Engine) -> None:
        create_schema(engine, [KeptCopyRow.__table__])  # type: ignore[list-item]
        self._sessions = make_session_factory(engine)

    def keep(self, copy: KeptCopy) -> None:
        with self._sessions.begin() as session:
            session.merge(
                KeptCopyRow(
                    copy_id=copy.copy_id,
                    sku=copy.sku,
                    platform=copy.platform,
                    tone=copy.tone,
                    facts=copy.facts,
                    title=copy.title,
                    text=copy.text,
                    bullets=list(copy.bullets),
                    kept_by=copy.kept_by,
                    kept_at=copy.kept_at,
                )
            )

    def kept_since(self, since: datetime) -> list[KeptCopy]:
        query = select(KeptCopyRow).where(KeptCopyRow.kept_at >= since).order_by(KeptCopyRow.kept_at)
        with self._sessions() as session:
            return [
                KeptCopy(
                    copy_id=row.copy_id,
                    sku=row.sku,
                    platform=row.platform,
                    tone=row.tone,
                    facts=row.facts,
                    title=row.title,
                    text=row.text,
                    bullets=tuple(row.bullets or ()),
                    kept_by=row.kept_by,
                    kept_at=_aware(row.kept_at),
                )
                for row in session.scalars(query)
            ]
