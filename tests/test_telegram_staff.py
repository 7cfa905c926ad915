"""Staff /ingest and /stats over the real ingest pipeline (in-memory index), plus their role checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation.store import InMemoryConversationStore, Turn
from bot.domain.commands import CommandRegistry
from bot.domain.messages import Attachment, Inbound, Role
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import load_messages
from bot.staff.commands import StaffCommands, register_staff_commands
from knowledge.memory_index import InMemoryProductIndex

CSV = (
    "sku,title,brand,category,price,currency,stock,description\n"
    "T-1,轻量跑鞋,Acme,运动鞋/跑步鞋,299.00,CNY,10,透气网面\n"
    "T-2,降噪耳机,Acme,数码/耳机,499.00,CNY,3,主动降噪\n"
    "T-3,坏行,Acme,数码/耳机,not-a-price,CNY,3,价格错误\n"
).encode()


class OpenRequests:
    async def open_count(self) -> int:
        return 2


@pytest.fixture
def setup(
    tmp_path: Path,
) -> tuple[CommandRegistry, StaffCommands, InMemoryProductIndex, InMemoryConversationStore]:
    registry = CommandRegistry()
    index = InMemoryProductIndex()
    store = InMemoryConversationStore()
    commands = register_staff_commands(
        registry,
        messages=load_messages(DEFAULT_PROMPTS_DIR),
        index=index,
        data_dir=tmp_path,
        conversations=store,
        handoff=OpenRequests(),
    )
    return registry, commands, index, store


def staff(text: str, name: str = "", content: bytes | None = None, lang: str = "en") -> Inbound:
    attachment = Attachment("document", "f1", name, "text/csv") if name else None
    return Inbound(
        chat_id="900",
        user_id="900",
        text=text,
        role=Role.STAFF,
        channel="telegram",
        language_hint=lang,
        attachment=attachment,
        document_bytes=content,
    )


def test_commands_are_staff_only(setup: tuple) -> None:
    registry = setup[0]
    for name in ("ingest", "stats"):
        command = registry.get(name)
        assert command is not None and command.allowed(Role.STAFF)
        assert not command.allowed(Role.CUSTOMER) and not command.allowed(Role.AGENT)


async def test_ingest_reports_counts_and_rejected_rows_with_line_numbers(setup: tuple) -> None:
    registry, _, index, _ = setup
    (reply,) = await registry.get("ingest").handler(staff("/ingest", "new.csv", CSV))
    assert reply.chat_id == "900"
    assert reply.text.startswith("Imported new.csv: 2 added, 0 updated, 0 unchanged, 1 rejected")
    assert "line 4:" in reply.text  # header is line 1
    assert index.count() == 2 and index.get("T-2").title == "降噪耳机"
    (again,) = await registry.get("ingest").handler(staff("/ingest", "new.csv", CSV))
    assert "0 added, 0 updated, 2 unchanged" in again.text  # re-sending the same file changes nothing


async def test_ingest_without_a_file_or_with_the_wrong_kind_explains_politely(setup: tuple) -> None:
    ingest = setup[0].get("ingest").handler
    (missing,) = await ingest(staff("/ingest", lang="zh"))
    assert "/ingest" in missing.text and "CSV" in missing.text
    (wrong,) = await ingest(staff("/ingest", "photo.png", b"\x89PNG"))
    assert "photo.png" in wrong.text and ".csv" in wrong.text
    assert setup[2].count() == 0


async def test_a_file_that_is_not_a_catalog_is_refused_and_nothing_changes(setup: tuple) -> None:
    ingest = setup[0].get("ingest").handler
    (reply,) = await ingest(staff("/ingest", "notes.csv", b"hello,world\nfoo,bar\n"))
    assert reply.text.startswith("Could not import notes.csv:")
    assert setup[2].count() == 0


async def test_stats_shows_catalog_size_todays_messages_and_open_handoffs(setup: tuple) -> None:
    registry, _, _, store = setup
    await registry.get("ingest").handler(staff("/ingest", "new.csv", CSV))
    store.append("c1", Turn("user", "hi", "u1"))
    store.append("c1", Turn("assistant", "hello", "u1"))
    store.append("c2", Turn("user", "old", "u2", at=datetime.now(UTC) - timedelta(days=2)))
    (reply,) = await registry.get("stats").handler(staff("/stats"))
    assert reply.text.splitlines()[1:] == [
        "Catalog: 2 products",
        "Conversation messages today: 2",
        "Open handoff requests: 2",
    ]
