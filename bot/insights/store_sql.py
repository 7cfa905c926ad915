"""Insights records in the shared SQL database: tables `insight_turns` and `insight_events` (made by the
migrations, `bot.storage.migrate`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, delete, insert, select
from sqlalchemy.exc import StatementError
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


# PostgreSQL: a batch of turns in one fixed statement, the rows as one JSON array (`_insert_turns_pg`).
_TURN_COLUMNS = (
    ("at", "timestamptz"),
    ("channel", "text"),
    ("user", "text"),
    ("chat", "text"),
    ("text", "text"),
    ("language", "text"),
    ("intent", "text"),
    ("keywords", "json"),
    ("filters", "json"),
    ("skus", "json"),
    ("answered", "boolean"),
    ("top_score", "float8"),
    ("matched", "boolean"),
)
_INSERT_TURNS_PG = (
    "INSERT INTO insight_turns ("
    + ", ".join('"' + name + '"' for name, _ in _TURN_COLUMNS)
    + ")\nSELECT "
    + ", ".join('r."' + name + '"' for name, _ in _TURN_COLUMNS)
    + "\nFROM json_to_recordset(CAST(%(rows)s AS json))\n    AS r("
    + ", ".join('"' + name + '" ' + kind for name, kind in _TURN_COLUMNS)
    + ")"
)


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
        """The whole batch or nothing. PostgreSQL: one fixed statement with the rows as JSON
        (`_insert_turns_pg`). SQLite: multi-row INSERTs from one cached statement whatever the batch size
        (SQLAlchemy's "insertmanyvalues", which the psycopg dialect applies to statements with RETURNING —
        without it, psycopg sends one INSERT per row). Up to `ONE_STATEMENT_ROWS` turns that is one INSERT,
        atomic by itself: it runs in autocommit (one round trip instead of BEGIN, INSERT, COMMIT); a larger
        batch runs in a transaction."""
        if not turns:
            return
        if self.database.dialect == "postgresql":
            self._insert_turns_pg(turns)
            return
        engine = self.database.autocommit if len(turns) <= ONE_STATEMENT_ROWS else self.database.engine
        with engine.begin() as conn:
            conn.execute(insert(TurnRow).returning(TurnRow.id), [_row(turn) for turn in turns])

    def _insert_turns_pg(self, turns: Sequence[TurnRecord]) -> None:
        """PostgreSQL: the batch as ONE fixed `INSERT … SELECT FROM json_to_recordset(%(rows)s)` in
        autocommit (`_INSERT_TURNS_PG`) — one statement and one round trip, all rows or none, whatever the
        batch size. Why not a multi-row INSERT: its text grows with the batch (~15 placeholders a row), so
        neither SQLAlchemy nor psycopg can cache it (splitting and binding it was ~7 % of a replica's CPU
        under bench/load.py). Why not COPY: a COPY is open on the server from its start until the client,
        woken by the server's go-ahead, has sent the rows and the end — on a busy replica the writer thread
        first waits for the GIL, and the server waits with it. Here the rows go with the statement.

        The payload is built before anything is sent: a value SQLAlchemy would refuse (a naive time) raises
        `StatementError` as it would; driver errors come as SQLAlchemy's `DBAPIError`s."""
        utc, dialect = UTCDateTime(), self.database.engine.dialect
        rows = []
        for turn in turns:
            values = _row(turn)
            try:
                at = utc.process_bind_param(turn.at, dialect)
            except ValueError as exc:
                raise StatementError(str(exc), _INSERT_TURNS_PG, None, exc) from exc
            values["at"] = None if at is None else at.isoformat()
            rows.append(values)
        with self.database.autocommit.connect() as conn:
            conn.exec_driver_sql(_INSERT_TURNS_PG, {"rows": json.dumps(rows, ensure_ascii=False)})

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
