"""`SqlAfterSalesStore`: after-sales requests in the shared SQL database (SQLite / PostgreSQL, replicas).

A status change is one conditional `UPDATE … WHERE id = ? AND status IN (allowed sources)`; its rowcount
says whether this caller won. Times are ISO 8601 text (offset kept) plus an epoch column for ordering.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Float, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.orders.aftersales import OPEN_STATUSES, TRANSITIONS, AfterSalesRequest, RequestStatus
from bot.orders.eligibility import RequestKind
from bot.orders.errors import InvalidTransition, RequestNotFound
from bot.orders.store_sql import database_errors
from bot.storage.db import Base, Database

_OPEN = [status.value for status in OPEN_STATUSES]


class AfterSalesRow(Base):
    __tablename__ = "aftersales_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[str] = mapped_column(String(40))
    created_ts: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    verdict_decision: Mapped[str] = mapped_column(String(16), default="")
    verdict_rule: Mapped[str] = mapped_column(String(32), default="")
    photos: Mapped[str] = mapped_column(Text, default="[]")
    decided_by: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(Text, default="")


def _to_request(row: AfterSalesRow) -> AfterSalesRequest:
    return AfterSalesRequest(
        id=row.id,
        order_key=row.order_key,
        kind=RequestKind(row.kind),
        status=RequestStatus(row.status),
        chat_id=row.chat_id,
        user_id=row.user_id,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
        reason=row.reason,
        verdict_decision=row.verdict_decision,
        verdict_rule=row.verdict_rule,
        photos=tuple(json.loads(row.photos or "[]")),
        decided_by=row.decided_by,
        note=row.note,
    )


class SqlAfterSalesStore:
    """`AfterSalesStore` on SQLAlchemy (its table comes from the migrations: `bot.storage.migrate`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sessions = database.sessions

    def create(self, request: AfterSalesRequest) -> AfterSalesRequest:
        with database_errors(), self._sessions.begin() as session:
            existing = session.scalars(
                select(AfterSalesRow)
                .where(
                    AfterSalesRow.order_key == request.order_key,
                    AfterSalesRow.kind == request.kind.value,
                    AfterSalesRow.status.in_(_OPEN),
                )
                .order_by(AfterSalesRow.created_ts)
                .limit(1)
            ).first()
            if existing is not None:
                return _to_request(existing)
            session.add(
                AfterSalesRow(
                    id=request.id,
                    order_key=request.order_key,
                    kind=request.kind.value,
                    status=request.status.value,
                    chat_id=request.chat_id,
                    user_id=request.user_id,
                    created_at=request.created_at.isoformat(),
                    created_ts=request.created_at.timestamp(),
                    updated_at=request.updated_at.isoformat(),
                    reason=request.reason,
                    verdict_decision=request.verdict_decision,
                    verdict_rule=request.verdict_rule,
                    photos=json.dumps(list(request.photos)),
                    decided_by=request.decided_by,
                    note=request.note,
                )
            )
        return request

    def get(self, request_id: str) -> AfterSalesRequest | None:
        with database_errors(), self._sessions() as session:
            row = session.get(AfterSalesRow, request_id)
            return _to_request(row) if row is not None else None

    def for_order(self, order_key: str) -> list[AfterSalesRequest]:
        with database_errors(), self._sessions() as session:
            rows = session.scalars(
                select(AfterSalesRow)
                .where(AfterSalesRow.order_key == order_key)
                .order_by(AfterSalesRow.created_ts, AfterSalesRow.id)
            ).all()
            return [_to_request(row) for row in rows]

    def open_requests(self, limit: int = 50) -> list[AfterSalesRequest]:
        with database_errors(), self._sessions() as session:
            rows = session.scalars(
                select(AfterSalesRow)
                .where(AfterSalesRow.status.in_(_OPEN))
                .order_by(AfterSalesRow.created_ts, AfterSalesRow.id)
                .limit(limit)
            ).all()
            return [_to_request(row) for row in rows]

    def forget_user(self, chat_id: str, user_id: str) -> int:
        with database_errors(), self._sessions.begin() as session:
            result = session.connection().execute(
                update(AfterSalesRow)
                .where(AfterSalesRow.chat_id == chat_id, AfterSalesRow.user_id == user_id)
                .values(reason="", photos="[]")
            )
            return result.rowcount

    def purge(self, before: datetime) -> int:
        """Blank reason and photos of the requests created before `before` (retention)."""
        with database_errors(), self._sessions.begin() as session:
            result = session.connection().execute(
                update(AfterSalesRow)
                .where(
                    AfterSalesRow.created_ts < before.timestamp(),
                    (AfterSalesRow.reason != "") | (AfterSalesRow.photos != "[]"),
                )
                .values(reason="", photos="[]")
            )
            return result.rowcount

    def move(
        self, request_id: str, target: RequestStatus, *, by: str, at: datetime, note: str = ""
    ) -> AfterSalesRequest:
        sources = [status.value for status in TRANSITIONS.get(target, frozenset())]
        with database_errors(), self._sessions.begin() as session:
            result = session.connection().execute(  # Core execution: a typed rowcount
                update(AfterSalesRow)
                .where(AfterSalesRow.id == request_id, AfterSalesRow.status.in_(sources))
                .values(status=target.value, updated_at=at.isoformat(), decided_by=by, note=note)
            )
            row = session.get(AfterSalesRow, request_id, populate_existing=True)
            if row is None:
                raise RequestNotFound(f"no after-sales request {request_id}")
            if result.rowcount != 1:
                raise InvalidTransition(request_id, row.status, target.value)
            return _to_request(row)
