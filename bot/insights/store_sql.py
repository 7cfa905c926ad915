"""Insights records in the shared SQL database: tables `insight_turns` and `insight_events` (made by the
migrations, `bot.storage.migrate`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, delete, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Mapped, mapped_column

from bot.insights.records import OutcomeEvent, TurnRecord
from bot.storage.db import Base, Database
from bot.storage.types import UTCDateTime


class TurnRow(Base):
    __tablename__ = "insight_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(32), index=True)
    chat: Mapped[str] = mapped_column(String(32))  # not indexed: no query reads turns by chat (0012)
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
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    chat: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))


# Turns written by ONE multi-row INSERT: below SQLAlchemy's insertmanyvalues page (1000 rows by default) and,
# at ~15 columns a row, far below PostgreSQL's 65535 bind parameters a statement.
ONE_STATEMENT_ROWS = 500
_TURN_FIELDS = tuple(f.name for f in fields(TurnRecord))


def _csv_payload(
    turns: Sequence[TurnRecord], names: Sequence[str], nullable: Sequence[str], sql: str, dialect: Dialect
) -> bytes:
    """`turns` as the UTF-8 CSV body of `COPY … (FORMAT csv, FORCE_NULL (the nullable columns))`, columns
    `names`: every value quoted (so an empty text stays empty), None as `""` (read as NULL in the FORCE_NULL
    columns `nullable`, the only ones that may hold None), JSON columns as JSON text, times as aware UTC ISO 8601.
    Raises `StatementError` for a value SQLAlchemy would refuse too (a naive time), before anything is sent."""
    utc = UTCDateTime()
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for turn in turns:
        values = _row(turn)
        try:
            at = utc.process_bind_param(turn.at, dialect)
        except ValueError as exc:
            raise StatementError(str(exc), sql, None, exc) from exc
        values["at"] = at.isoformat() if at is not None else None
        for name in ("keywords", "skus", "filters"):
            values[name] = json.dumps(values[name], ensure_ascii=False)
        for name in names:
            if values[name] is None and name not in nullable:  # '""' would store an empty text instead
                raise StatementError(f"None for the NOT NULL column {name}", sql, None, None)
        writer.writerow([values[n] for n in names])
    return out.getvalue().encode()


def _row(turn: TurnRecord) -> dict[str, object]:
    values = {name: getattr(turn, name) for name in _TURN_FIELDS}
    values.update(
        keywords=list(turn.keywords),
        skus=list(turn.skus),
        filters=json.loads(json.dumps(turn.filters, default=str)),
    )
    return values


class SqlInsightsStore:
    """Insights records in the shared SQL database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sessions = database.sessions

    def record_turn(self, turn: TurnRecord) -> None:
        self.record_turns([turn])

    def record_turns(self, turns: Sequence[TurnRecord]) -> None:
        """The whole batch or nothing, as multi-row INSERTs from one cached statement whatever the batch size
        (SQLAlchemy's "insertmanyvalues", which the psycopg dialect applies to statements with RETURNING —
        without it, psycopg sends one INSERT per row). Up to `ONE_STATEMENT_ROWS` turns that is one INSERT,
        atomic by itself: it runs in autocommit (one round trip instead of BEGIN, INSERT, COMMIT); a larger
        batch runs in a transaction."""
        if not turns:
            return
        if self.database.dialect == "postgresql":
            self._copy_turns(turns)
            return
        engine = self.database.autocommit if len(turns) <= ONE_STATEMENT_ROWS else self.database.engine
        with engine.begin() as conn:
            conn.execute(insert(TurnRow).returning(TurnRow.id), [_row(turn) for turn in turns])

    def _copy_turns(self, turns: Sequence[TurnRecord]) -> None:
        """PostgreSQL: the batch as ONE `COPY … FROM STDIN` in autocommit — one statement, so all rows or
        none, whatever the batch size. Why not the multi-row INSERT: its text grows with the batch (~15
        placeholders a row), so neither SQLAlchemy nor psycopg can cache it, and splitting and binding it was
        ~7 % of a replica's CPU under bench/load.py; COPY streams the rows and costs the server less too.

        The whole payload (CSV, `_csv_payload`) is built before the COPY starts and sent in one write: the
        server holds an open COPY only for the time the bytes take, not while a busy client formats rows
        (row by row, psycopg flushes every 32 KiB between rows — the server waited on the client mid-COPY)."""
        names = [c.name for c in TurnRow.__table__.columns if c.name != "id"]
        quote = self.database.engine.dialect.identifier_preparer.quote
        nullable = [c.name for c in TurnRow.__table__.columns if c.nullable and c.name != "id"]
        sql = (
            f"COPY {quote(TurnRow.__tablename__)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
            f" (FORMAT csv, FORCE_NULL ({', '.join(quote(n) for n in nullable)}))"
        )
        payload = _csv_payload(turns, names, nullable, sql, self.database.engine.dialect)
        with self.database.autocommit.connect() as conn:
            raw: Any = conn.connection.driver_connection  # the psycopg connection (autocommit)
            driver_error = conn.dialect.loaded_dbapi.Error
            try:
                with raw.cursor() as cursor, cursor.copy(sql) as copy:
                    copy.write(payload)
            except driver_error as exc:  # raised as SQLAlchemy raises driver errors (callers catch those)
                if raw.closed:  # the server dropped it: the pool must not hand it out again
                    conn.invalidate(exc)
                raise DBAPIError.instance(sql, None, exc, driver_error) from exc

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
            conn = session.connection()  # Core execution: a typed rowcount
            removed = conn.execute(delete(TurnRow).where(TurnRow.user == user)).rowcount
            if chats:
                removed += conn.execute(delete(EventRow).where(EventRow.chat.in_(chats))).rowcount
            return removed

    def purge(self, before: datetime) -> int:
        with self._sessions.begin() as session:
            conn = session.connection()
            removed = conn.execute(delete(TurnRow).where(TurnRow.at < before)).rowcount
            return removed + conn.execute(delete(EventRow).where(EventRow.at < before)).rowcount

    def events(self, since: datetime, until: datetime) -> list[OutcomeEvent]:
        query = select(EventRow).where(EventRow.at >= since, EventRow.at < until).order_by(EventRow.at)
        with self._sessions() as session:
            return [
                OutcomeEvent(at=row.at, chat=row.chat, kind=row.kind, value=row.value)
                for row in session.scalars(query)
            ]
