"""Staff commands for running the shop from the chat: /ingest a catalog file, /stats at a glance.

/ingest works on the document the channel downloaded into `Inbound.document_bytes` (Telegram: a CSV or
JSONL file sent with the caption /ingest, or /ingest as a reply to such a file). The file is validated
and ingested by `knowledge.ingest` into the live index; the reply lists rejected rows with line numbers,
so staff can fix the file and send it again — nothing valid is lost because of a bad row.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bot.domain.commands import STAFF_ONLY, CommandRegistry
from bot.domain.language import detect_language
from bot.domain.messages import Inbound, Outbound
from bot.prompts import Messages
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

CATALOG_SUFFIXES = (".csv", ".jsonl", ".json")
MAX_LISTED_ERRORS = 20


class IngestResult(Protocol):
    """The parts of `knowledge.ingest.IngestReport` the reply shows."""

    @property
    def added(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def removed(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def errors(self) -> Sequence[Any]: ...
    @property
    def seconds(self) -> float: ...


@dataclass
class StaffCommands:
    """The handlers; each source is optional so /stats shows what this deployment can know."""

    messages: Messages
    ingest: Callable[[Path], IngestResult]  # blocking: runs in a worker thread
    catalog_size: Callable[[], int]
    turns_since: Callable[[datetime], int] | None = None
    open_handoffs: Callable[[], Awaitable[int]] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def register(self, registry: CommandRegistry) -> None:
        registry.register(
            "ingest",
            self.on_ingest,
            roles=STAFF_ONLY,
            zh="导入商品目录（附 CSV/JSONL 文件）",
            en="Import a catalog (attach a CSV/JSONL file)",
        )
        registry.register(
            "stats",
            self.on_stats,
            roles=STAFF_ONLY,
            zh="商品数、今日对话、待处理人工请求",
            en="Catalog size, today's chats, open handoffs",
        )

    def _reply(self, inbound: Inbound, key: str, **values: object) -> Outbound:
        lang = detect_language(inbound.command_args, inbound.language_hint)
        return Outbound(
            chat_id=inbound.chat_id, text=self.messages.get(key, lang, **values), thread_id=inbound.thread_id
        )

    async def on_ingest(self, inbound: Inbound) -> list[Outbound]:
        attachment = inbound.attachment
        if inbound.document_bytes is None or attachment is None:
            return [self._reply(inbound, "staff_ingest_no_document")]
        name = Path(attachment.file_name or "catalog.csv").name
        if Path(name).suffix.lower() not in CATALOG_SUFFIXES:
            return [self._reply(inbound, "staff_ingest_bad_type", name=name)]
        async with self._lock:  # one catalog change at a time
            try:
                report = await asyncio.to_thread(self._ingest_bytes, name, inbound.document_bytes)
            except (KnowledgeError, UnicodeDecodeError, ValueError) as exc:
                log.info("/ingest of %s rejected: %s", name, exc)
                return [self._reply(inbound, "staff_ingest_failed", name=name, reason=str(exc)[:300])]
        lang = detect_language(inbound.command_args, inbound.language_hint)
        lines = [
            self.messages.get(
                "staff_ingest_done",
                lang,
                name=name,
                added=report.added,
                updated=report.updated,
                unchanged=report.unchanged,
                rejected=report.rejected,
                seconds=f"{report.seconds:.1f}",
            )
        ]
        if report.errors:
            lines.append(self.messages.get("staff_ingest_rejected_title", lang))
            lines += [f"• {error}" for error in report.errors[:MAX_LISTED_ERRORS]]
            if len(report.errors) > MAX_LISTED_ERRORS:
                lines.append(
                    self.messages.get("staff_ingest_more", lang, count=len(report.errors) - MAX_LISTED_ERRORS)
                )
        log.info(
            "/ingest %s: +%d ~%d =%d rejected %d",
            name,
            report.added,
            report.updated,
            report.unchanged,
            report.rejected,
        )
        return [Outbound(chat_id=inbound.chat_id, text="\n".join(lines), thread_id=inbound.thread_id)]

    def _ingest_bytes(self, name: str, content: bytes) -> IngestResult:
        with tempfile.TemporaryDirectory(prefix="xiaoer-ingest-") as folder:
            path = Path(folder) / name
            path.write_bytes(content)
            return self.ingest(path)

    async def on_stats(self, inbound: Inbound) -> list[Outbound]:
        unknown = "—"
        products = await asyncio.to_thread(self.catalog_size)
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        turns = await asyncio.to_thread(self.turns_since, midnight) if self.turns_since else unknown
        handoffs = await self.open_handoffs() if self.open_handoffs else unknown
        return [self._reply(inbound, "staff_stats", products=products, messages=turns, handoffs=handoffs)]


def register_staff_commands(
    registry: CommandRegistry,
    *,
    messages: Messages,
    index: Any,
    data_dir: Path,
    conversations: Any = None,
    handoff: Any = None,
) -> StaffCommands:
    """Wire /ingest and /stats to the live index, the conversation store and the handoff service."""
    from knowledge.ingest import ingest_path  # the knowledge library is only needed once staff ingest

    def ingest(path: Path) -> IngestResult:
        return ingest_path(path, index=index, data_dir=data_dir)

    commands = StaffCommands(
        messages=messages,
        ingest=ingest,
        catalog_size=index.count,
        turns_since=getattr(conversations, "count_turns", None),
        open_handoffs=getattr(handoff, "open_count", None),
    )
    commands.register(registry)
    return commands
