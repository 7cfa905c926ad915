"""Kept copy in the shared SQL database (SQLite default, PostgreSQL for scale): table `copy_kept` (made by the
migrations, `bot.storage.migrate`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.copywriting.kept import KeptCopy
from bot.storage.db import Base, Database
from bot.storage.types import UTCDateTime


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
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SqlKeptCopyStore:
    """KeptCopyStore on SQLAlchemy; keeping the same copy id again replaces it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sessions = database.sessions

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
                    kept_at=row.kept_at,
                )
                for row in session.scalars(query)
            ]
