"""`SqlVerificationStore`: verification attempts and verified links in the shared SQL database (replicas).

`try_attempt` counts and records in one transaction, serialised per key: a transaction-scoped advisory lock
on PostgreSQL (keys locked in sorted order, so two attempts never deadlock) and SQLite's single writer (the
transaction writes first, which takes SQLite's write lock before counting) — the same scheme as the shared
rate limiter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Float, Index, Integer, String, delete, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.orders.store_sql import database_errors
from bot.orders.verification_store import AttemptTicket, VerifiedLink, retry_after
from bot.storage.db import Base, Database


def advisory_key(key: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_xact_lock` (Python's hash() differs per process)."""
    digest = hashlib.blake2b(b"xiaoer-order-verify\x00" + key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class VerificationAttemptRow(Base):
    """One attempt against one key (a hashed user or order), kept while it can still count."""

    __tablename__ = "order_verification_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_order_verification_attempts_key_at", "key", "at"),)


class VerifiedLinkRow(Base):
    __tablename__ = "order_verified_links"

    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    order_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    verified_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class SqlVerificationStore:
    """`VerificationStore` on SQLAlchemy (its tables come from the migrations: `bot.storage.migrate`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.engine = database.engine
        self._sessions = database.sessions

    def try_attempt(self, keys: Sequence[str], now: float, window_s: float, limit: int) -> AttemptTicket:
        attempts = VerificationAttemptRow
        ordered = sorted(set(keys))
        with database_errors(), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                for key in ordered:
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key("verify:" + key)}
                    )
            # Writing first takes SQLite's write lock, so the counts below cannot race another process.
            conn.execute(delete(attempts).where(attempts.key.in_(ordered), attempts.at <= now - window_s))
            wait = 0.0
            for key in ordered:
                times = list(conn.execute(select(attempts.at).where(attempts.key == key)).scalars())
                if len(times) >= limit:
                    wait = max(wait, retry_after(times, now, window_s, limit))
            if wait > 0 or limit <= 0:
                return AttemptTicket(False, retry_after_s=wait)
            ids = []
            for key in keys:
                result = conn.execute(insert(attempts).values(key=key, at=now).returning(attempts.id))
                ids.append(int(result.scalar_one()))
        return AttemptTicket(True, tuple(ids))

    def clear_attempt(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with database_errors(), self.engine.begin() as conn:
            conn.execute(delete(VerificationAttemptRow).where(VerificationAttemptRow.id.in_(list(ids))))

    def save_link(self, link: VerifiedLink) -> None:
        with database_errors(), self._sessions.begin() as session:
            session.merge(
                VerifiedLinkRow(
                    chat_id=link.chat_id,
                    user_id=link.user_id,
                    order_key=link.order_key,
                    verified_at=link.verified_at,
                    expires_at=link.expires_at,
                )
            )

    def links(self, chat_id: str, user_id: str, now: float) -> list[VerifiedLink]:
        with database_errors(), self._sessions() as session:
            rows = session.scalars(
                select(VerifiedLinkRow)
                .where(
                    VerifiedLinkRow.chat_id == chat_id,
                    VerifiedLinkRow.user_id == user_id,
                    VerifiedLinkRow.expires_at > now,
                )
                .order_by(VerifiedLinkRow.verified_at.desc(), VerifiedLinkRow.order_key.desc())
            ).all()
            return [
                VerifiedLink(row.chat_id, row.user_id, row.order_key, row.verified_at, row.expires_at)
                for row in rows
            ]

    def drop_links(self, chat_id: str, user_id: str) -> int:
        links = VerifiedLinkRow
        with database_errors(), self.engine.begin() as conn:
            result = conn.execute(delete(links).where(links.chat_id == chat_id, links.user_id == user_id))
            return int(result.rowcount or 0)

    def purge(self, before: float) -> int:
        attempts, links = VerificationAttemptRow, VerifiedLinkRow
        with database_errors(), self.engine.begin() as conn:
            removed = conn.execute(delete(attempts).where(attempts.at < before)).rowcount or 0
            removed += conn.execute(delete(links).where(links.expires_at < before)).rowcount or 0
        return int(removed)
