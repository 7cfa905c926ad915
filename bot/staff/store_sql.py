"""`StaffStore` on the shared SQL database: accounts, console sessions and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.staff.accounts import AccountError, AuditEntry, ConsoleSession, StaffAccount, StaffRole
from bot.storage.db import Base, Database


class StaffAccountRow(Base):
    __tablename__ = "xiaoer_staff_accounts"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[float] = mapped_column(Float)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsoleSessionRow(Base):
    __tablename__ = "xiaoer_console_sessions"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_xiaoer_console_sessions_expires", "expires_at"),)


class AuditRow(Base):
    __tablename__ = "xiaoer_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    who: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_xiaoer_audit_log_at", "at"),)


class SqlStaffStore:
    """`StaffStore` on SQLAlchemy (its tables come from the migrations: `bot.storage.migrate`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.engine = database.engine

    def add_account(self, account: StaffAccount) -> None:
        row = {
            "name": account.name,
            "role": account.role.value,
            "password_hash": account.password_hash,
            "created_at": account.created_at,
            "disabled": account.disabled,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(StaffAccountRow).values(**row))
        except IntegrityError as exc:
            raise AccountError(f"an account named {account.name!r} exists already") from exc

    def account(self, name: str) -> StaffAccount | None:
        t = StaffAccountRow.__table__
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.name == name)).first()
        return _account(row) if row is not None else None

    def accounts(self) -> list[StaffAccount]:
        t = StaffAccountRow.__table__
        with self.engine.connect() as conn:
            return [_account(row) for row in conn.execute(select(t).order_by(t.c.name)).all()]

    def set_password(self, name: str, password_hash: str) -> bool:
        query = (
            update(StaffAccountRow).where(StaffAccountRow.name == name).values(password_hash=password_hash)
        )
        with self.engine.begin() as conn:
            result = conn.execute(query)
        return bool(result.rowcount)

    def set_disabled(self, name: str, disabled: bool) -> bool:
        query = update(StaffAccountRow).where(StaffAccountRow.name == name).values(disabled=disabled)
        with self.engine.begin() as conn:
            result = conn.execute(query)
        return bool(result.rowcount)

    def add_session(self, session: ConsoleSession) -> None:
        values = {
            "token_digest": session.token_digest,
            "name": session.name,
            "role": session.role.value,
            "csrf": session.csrf,
            "created_at": session.created_at,
            "expires_at": session.expires_at,
        }
        with self.engine.begin() as conn:
            conn.execute(insert(ConsoleSessionRow).values(**values))

    def session(self, token_digest: str) -> ConsoleSession | None:
        t = ConsoleSessionRow.__table__
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.token_digest == token_digest)).first()
        if row is None:
            return None
        return ConsoleSession(
            row.token_digest, row.name, StaffRole(row.role), row.csrf, row.created_at, row.expires_at
        )

    def drop_session(self, token_digest: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.token_digest == token_digest))

    def drop_expired(self, now: float) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at <= now)).rowcount
            )

    def drop_sessions_of(self, name: str) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.name == name)).rowcount)

    def audit(self, entry: AuditEntry) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(AuditRow).values(
                    at=entry.at, who=entry.who, action=entry.action, target=entry.target, detail=entry.detail
                )
            )

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        t = AuditRow.__table__
        query = select(t).order_by(t.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [AuditEntry(r.at, r.who, r.action, r.target, r.detail) for r in conn.execute(query).all()]


def _account(row: Row[Any]) -> StaffAccount:
    return StaffAccount(row.name, StaffRole(row.role), row.password_hash, row.created_at, bool(row.disabled))
