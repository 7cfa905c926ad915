"""`SqlHandoffStore`: handoffs, transcripts and message links in the shared SQL database.

SQLite in the data directory by default, PostgreSQL via `XIAOER_DATABASE_URL` (several bot replicas).
Status changes are one conditional `UPDATE … WHERE id = ? AND status IN (…)` whose rowcount says who won,
so two agents (or two replicas) claiming at once can never both succeed. State survives restarts: the
service keeps nothing in memory that the store does not have.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.handoff.state import OPEN, Event, Handoff, Status, TranscriptEntry, sources, target
from bot.handoff.store import MUTABLE_FIELDS, TRANSITION_FIELDS
from bot.storage.db import Base, Database

_FIELDS = [f.name for f in dataclasses.fields(Handoff)]
_OPEN_VALUES = [s.value for s in OPEN]


class HandoffRow(Base):
    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    user_name: Mapped[str] = mapped_column(String(256), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    summary: Mapped[str] = mapped_column(Text, default="")
    support_chat_id: Mapped[str] = mapped_column(String(128), default="")
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    card_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agent_name: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[float] = mapped_column(Float, index=True)
    claimed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_by: Mapped[str] = mapped_column(String(128), default="")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class HandoffMessageRow(Base):
    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    who: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(256), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[float] = mapped_column(Float)
    attachment_kind: Mapped[str] = mapped_column(String(16), default="")


class HandoffLinkRow(Base):
    __tablename__ = "handoff_links"

    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)


def _to_handoff(row: HandoffRow | None) -> Handoff | None:
    if row is None:
        return None
    values = {name: getattr(row, name) for name in _FIELDS}
    values["status"] = Status(row.status)
    values["note_pending"] = bool(row.note_pending)
    return Handoff(**values)


class SqlHandoffStore:
    """HandoffStore on SQLAlchemy (its tables come from the migrations: `bot.storage.migrate`)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sessions = database.sessions
        self._reads = database.reads  # plain lookups: one round trip each (every customer message does one)

    def create(self, handoff: Handoff) -> Handoff:
        with self._sessions.begin() as session:
            existing = session.scalars(
                select(HandoffRow)
                .where(HandoffRow.chat_id == handoff.chat_id, HandoffRow.status.in_(_OPEN_VALUES))
                .order_by(HandoffRow.created_at.desc())
                .limit(1)
            ).first()
            if existing is not None:
                return _to_handoff(existing)  # type: ignore[return-value]
            values = {name: getattr(handoff, name) for name in _FIELDS}
            values["status"] = handoff.status.value
            session.add(HandoffRow(**values))
        return handoff

    def get(self, handoff_id: str) -> Handoff | None:
        with self._sessions() as session:
            return _to_handoff(session.get(HandoffRow, handoff_id))

    def find(self, id_or_prefix: str) -> Handoff | None:
        key = id_or_prefix.strip().lstrip("#").lower()
        if not key or not key.isalnum():
            return None
        with self._sessions() as session:
            rows = session.scalars(select(HandoffRow).where(HandoffRow.id.startswith(key)).limit(2)).all()
            return _to_handoff(rows[0]) if len(rows) == 1 else None

    def _newest(self, *conditions: ColumnElement[bool]) -> Handoff | None:
        with self._reads() as session:
            row = session.scalars(
                select(HandoffRow).where(*conditions).order_by(HandoffRow.created_at.desc()).limit(1)
            ).first()
            return _to_handoff(row)

    def open_for_chat(self, chat_id: str) -> Handoff | None:
        return self._newest(HandoffRow.chat_id == chat_id, HandoffRow.status.in_(_OPEN_VALUES))

    def latest_for_chat(self, chat_id: str) -> Handoff | None:
        return self._newest(HandoffRow.chat_id == chat_id)

    def by_thread(self, support_chat_id: str, thread_id: str) -> Handoff | None:
        return self._newest(HandoffRow.support_chat_id == support_chat_id, HandoffRow.thread_id == thread_id)

    def by_message(self, chat_id: str, message_id: str) -> Handoff | None:
        with self._sessions() as session:
            link = session.get(HandoffLinkRow, (chat_id, message_id))
            return _to_handoff(session.get(HandoffRow, link.handoff_id)) if link else None

    def link_message(self, handoff_id: str, chat_id: str, message_id: str) -> None:
        try:
            with self._sessions.begin() as session:
                session.merge(HandoffLinkRow(chat_id=chat_id, message_id=message_id, handoff_id=handoff_id))
        except IntegrityError:  # a concurrent replica linked the same message first: same meaning
            pass

    def update(self, handoff_id: str, **fields: object) -> Handoff | None:
        bad = set(fields) - MUTABLE_FIELDS
        if bad:
            raise ValueError(f"update cannot change {sorted(bad)}")
        with self._sessions.begin() as session:
            session.execute(update(HandoffRow).where(HandoffRow.id == handoff_id).values(**fields))
        return self.get(handoff_id)

    def transition(self, handoff_id: str, event: Event, **fields: object) -> Handoff | None:
        bad = set(fields) - TRANSITION_FIELDS
        if bad:
            raise ValueError(f"transition cannot set {sorted(bad)}")
        values: dict[str, object] = {"status": target(event).value, **fields}
        if event in (Event.CLAIM, Event.CLOSE, Event.LEAVE):
            values.setdefault("note_pending", False)
        allowed = [s.value for s in sources(event)]
        with self._sessions.begin() as session:
            result = session.connection().execute(  # Core execution: a typed rowcount
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status.in_(allowed))
                .values(**values)
            )
            won = result.rowcount == 1
        return self.get(handoff_id) if won else None

    def rate(self, handoff_id: str, rating: int) -> bool:
        with self._sessions.begin() as session:
            result = session.connection().execute(
                update(HandoffRow)
                .where(
                    HandoffRow.id == handoff_id,
                    HandoffRow.status == Status.CLOSED.value,
                    HandoffRow.rating.is_(None),
                )
                .values(rating=rating)
            )
            return result.rowcount == 1

    def add_message(self, entry: TranscriptEntry) -> None:
        with self._sessions.begin() as session:
            session.add(HandoffMessageRow(**dataclasses.asdict(entry)))

    def forget_user(self, channel: str, user_id: str) -> int:
        mine = select(HandoffRow.id).where(HandoffRow.channel == channel, HandoffRow.user_id == user_id)
        with self._sessions.begin() as session:
            conn = session.connection()
            lines = conn.execute(delete(HandoffMessageRow).where(HandoffMessageRow.handoff_id.in_(mine)))
            conn.execute(delete(HandoffLinkRow).where(HandoffLinkRow.handoff_id.in_(mine)))
            rows = conn.execute(
                update(HandoffRow)
                .where(HandoffRow.channel == channel, HandoffRow.user_id == user_id)
                .values(user_name="", summary="")
            )
            return lines.rowcount + rows.rowcount

    def purge_messages(self, before: float) -> int:
        with self._sessions.begin() as session:
            stale = delete(HandoffMessageRow).where(HandoffMessageRow.at < before)
            return session.connection().execute(stale).rowcount

    def transcript(self, handoff_id: str) -> list[TranscriptEntry]:
        with self._sessions() as session:
            rows = session.scalars(
                select(HandoffMessageRow)
                .where(HandoffMessageRow.handoff_id == handoff_id)
                .order_by(HandoffMessageRow.at, HandoffMessageRow.id)
            ).all()
            return [
                TranscriptEntry(r.handoff_id, r.who, r.text, r.at, r.author, r.attachment_kind) for r in rows
            ]

    def list_open(self) -> list[Handoff]:
        with self._sessions() as session:
            rows = session.scalars(
                select(HandoffRow).where(HandoffRow.status.in_(_OPEN_VALUES)).order_by(HandoffRow.created_at)
            ).all()
            return [h for h in map(_to_handoff, rows) if h is not None]

    def recent_claim_waits(self, limit: int = 20) -> list[float]:
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRow.claimed_at - HandoffRow.created_at)
                .where(HandoffRow.claimed_at.is_not(None))
                .order_by(HandoffRow.claimed_at.desc())
                .limit(limit)
            ).all()
            return [float(r[0]) for r in rows if r[0] is not None]
