"""The fine-tuning export's reader of the shared database: conversation memory, handoffs, kept copy.

It reads the tables the bot's stores write (`conv_turns`; `handoffs` and `handoff_messages`; `copy_kept`) by
reflection, so the export depends on their columns, not on the stores' code; a table that does not exist
yet (a bot that never handed off) reads as empty.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, inspect, select

from bot.finetune.source import Conversation, HandledChat, KeptCopyRecord, Line
from bot.storage.db import Database

_ROLES = {"user": "customer", "assistant": "bot", "agent": "agent", "customer": "customer", "bot": "bot"}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _epoch(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


class SqlTrafficSource:
    """TrafficSource over the bot's SQL database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self.engine = engine = database.engine
        names = set(inspect(engine).get_table_names())
        metadata = MetaData()
        self._tables = {
            name: Table(name, metadata, autoload_with=engine)
            for name in ("conv_turns", "handoffs", "handoff_messages", "copy_kept")
            if name in names
        }

    def conversations(self, since: datetime, until: datetime) -> list[Conversation]:
        turns = self._tables.get("conv_turns")
        if turns is None:
            return []
        query = (
            select(turns.c.chat_id, turns.c.role, turns.c.text, turns.c.at)
            .where(turns.c.at >= since, turns.c.at < until)
            .order_by(turns.c.chat_id, turns.c.at, turns.c.id)
        )
        lines: dict[str, list[Line]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chat_id, role, text, at in conn.execute(query):
                if role in _ROLES and text:
                    lines[chat_id].append(Line(_ROLES[role], text, _aware(at)))
        return [Conversation(chat, tuple(found)) for chat, found in sorted(lines.items())]

    def handled_chats(self, since: datetime, until: datetime) -> list[HandledChat]:
        handoffs, messages = self._tables.get("handoffs"), self._tables.get("handoff_messages")
        if handoffs is None or messages is None:
            return []
        query = (
            select(
                handoffs.c.id,
                handoffs.c.chat_id,
                handoffs.c.created_at,
                handoffs.c.closed_at,
                handoffs.c.rating,
            )
            .where(handoffs.c.created_at >= since.timestamp(), handoffs.c.created_at < until.timestamp())
            .order_by(handoffs.c.created_at)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
            found: dict[str, list[Line]] = defaultdict(list)
            if rows:
                entries = select(messages.c.handoff_id, messages.c.who, messages.c.text, messages.c.at).where(
                    messages.c.handoff_id.in_([r[0] for r in rows])
                )
                for handoff_id, who, text, at in conn.execute(entries.order_by(messages.c.at, messages.c.id)):
                    if who in ("customer", "agent") and text:
                        found[handoff_id].append(Line(who, text, _epoch(at) or datetime.now(UTC)))
        return [
            HandledChat(chat_id, _epoch(created) or since, _epoch(closed), rating, tuple(found[handoff_id]))
            for handoff_id, chat_id, created, closed, rating in rows
        ]

    def kept_copies(self, since: datetime, until: datetime) -> list[KeptCopyRecord]:
        kept = self._tables.get("copy_kept")
        if kept is None:
            return []
        query = select(kept).where(kept.c.kept_at >= since, kept.c.kept_at < until).order_by(kept.c.kept_at)
        with self.engine.connect() as conn:
            return [
                KeptCopyRecord(
                    copy_id=row.copy_id,
                    platform=row.platform,
                    tone=row.tone,
                    facts=row.facts,
                    title=row.title,
                    text=row.text,
                    bullets=tuple(row.bullets or ()),
                    kept_at=_aware(row.kept_at),
                )
                for row in conn.execute(query)
            ]
