"""Staff commands /copy /describe /keywords through the real SupportBot: parsing, replies, refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.conversation.core import SupportBot
from bot.conversation.store import InMemoryConversationStore
from bot.copywriting import CopyLibrary, CopyService, register_copy_commands
from bot.copywriting.commands import parse_copy_args
from bot.domain.commands import CommandRegistry
from bot.domain.messages import Inbound, Role
from bot.ops.settings import DEFAULT_PROMPTS_DIR, load_settings
from bot.wiring import build_support_bot
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.keywords import JiebaKeywordExtractor
from knowledge.memory_index import InMemoryProductIndex

LIBRARY = CopyLibrary.load(DEFAULT_PROMPTS_DIR)


@pytest.fixture(scope="module")
def index() -> InMemoryProductIndex:
    extractor = JiebaKeywordExtractor()
    index = InMemoryProductIndex(extractor)
    index.upsert(load_catalog(SAMPLE_CATALOG).products)
    return index


@pytest.fixture
def bot(index: InMemoryProductIndex, tmp_path: Path) -> SupportBot:
    settings = load_settings(XIAOER_DATA_DIR=str(tmp_path))
    return build_support_bot(
        settings, index=index, store=InMemoryConversationStore(), use_llm=False, raise_errors=True
    )


def _say(text: str, role: Role = Role.STAFF, lang: str | None = None) -> Inbound:
    return Inbound(chat_id="staff-1", user_id="u-7", text=text, role=role, language_hint=lang)


def test_arguments_parse_from_the_end_in_any_order() -> None:
    service = CopyService(LIBRARY)
    assert parse_copy_args("RUN-001 xiaohongshu playful 3", service).__dict__ == {
        "subject": "RUN-001",
        "platform": "xiaohongshu",
        "tone": "playful",
        "variants": 3,
    }
    assert parse_copy_args("真丝 连衣裙 轻奢 小红书", service).__dict__ == {
        "subject": "真丝 连衣裙",
        "platform": "xiaohongshu",
        "tone": "luxury",
        "variants": 1,
    }
    assert parse_copy_args("蓝牙耳机 9", service).variants == 5  # capped
    assert parse_copy_args("2024", service).subject == "2024"  # a lone number is the subject
    assert parse_copy_args("", service).subject == ""


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AGENT])
async def test_non_staff_are_refused_by_the_registry(bot: SupportBot, role: Role) -> None:
    for name, args in (("copy", "RUN-001 taobao"), ("describe", "降噪 耳机"), ("keywords", "RUN-001")):
        [reply] = await bot.handle(_say(f"/{name} {args}", role))
        assert f"/{name}" in reply.text and ("仅限" in reply.text or "staff only" in reply.text)
        assert "【" not in reply.text and "Pegasus" not in reply.text  # no copy was produced


async def test_copy_for_a_sku_gives_n_variants_with_ids(bot: SupportBot) -> None:
    replies = await bot.handle(_say("/copy RUN-001 amazon professional 2", lang="en"))
    assert [r.meta["copy_id"] for r in replies] == ["RUN-001-amazon-v1", "RUN-001-amazon-v2"]
    first = replies[0].text
    assert first.startswith("[RUN-001-amazon-v1] Amazon")
    assert 3 <= first.count("\n• ") <= 5 and "Pegasus" in first
    assert replies[0].text != replies[1].text  # variants differ for A/B tests


async def test_copy_for_free_keywords_and_usage(bot: SupportBot) -> None:
    [reply] = await bot.handle(_say("/copy 桑蚕丝 睡衣 小红书"))
    assert "小红书" in reply.text and "桑蚕丝" in reply.text and "-xiaohongshu-v1" in reply.text
    [missing] = await bot.handle(_say("/copy RUN-999 taobao"))
    assert "RUN-999" in missing.text and "没有" in missing.text
    [usage] = await bot.handle(_say("/copy"))
    assert "taobao" in usage.text and "playful" in usage.text


async def test_describe_is_grounded_in_the_matching_catalog_product(bot: SupportBot, index) -> None:
    [reply] = await bot.handle(_say("/describe 头戴式 降噪 耳机"))
    first_sku = reply.text.rsplit("参考商品：", 1)[1].split(",")[0].strip()
    product = index.get(first_sku)
    assert product is not None and product.title.split()[0] in reply.text
    forms = CopyService(LIBRARY).glossary.forms  # an English value is said in Chinese (60h → 60小时)
    values = [value.split(";")[0] for value in product.attributes.values()]
    assert any(form in reply.text for value in values for form in forms(value))
    [unmatched] = await bot.handle(_say("/describe 量子 飞船 引擎"))
    assert "没有匹配的商品" in unmatched.text


async def test_keywords_are_ranked_and_marked_when_in_the_title(bot: SupportBot) -> None:
    [reply] = await bot.handle(_say("/keywords RUN-001"))
    lines = reply.text.splitlines()
    assert lines[1].startswith("1. ") and any(line.endswith(" ✓") for line in lines[1:])
    [text_reply] = await bot.handle(_say("/keywords 夏季 透气 速干 运动T恤"))
    assert "1. " in text_reply.text


def test_commands_are_staff_only_in_the_registry() -> None:
    registry = CommandRegistry()
    register_copy_commands(registry, CopyService(LIBRARY))
    assert [c.name for c in registry.for_role(Role.STAFF)] == ["copy", "describe", "keywords"]
    assert registry.for_role(Role.CUSTOMER) == [] and registry.for_role(Role.AGENT) == []


@pytest.mark.parametrize("kind", ["memory", "sql"])
async def test_staff_keep_a_copy_variant_for_fine_tuning(
    kind: str, index: InMemoryProductIndex, tmp_path: Path
) -> None:
    from bot.copywriting.kept import InMemoryKeptCopyStore, KeptCopyStore
    from bot.copywriting.store_sql import SqlKeptCopyStore
    from tests.support.databases import migrated_database

    db = migrated_database(f"sqlite:///{tmp_path / 'kept.db'}")
    store: KeptCopyStore = InMemoryKeptCopyStore() if kind == "memory" else SqlKeptCopyStore(db)
    registry = CommandRegistry()
    register_copy_commands(registry, CopyService(LIBRARY, index=index), kept=store)
    copy, keep = registry.get("copy"), registry.get("keep")
    assert copy is not None and keep is not None and not keep.allowed(Role.CUSTOMER)
    [reply] = await copy.handler(_say("/copy RUN-007 taobao"))
    assert "/keep RUN-007-taobao-v1" in reply.text
    [unknown] = await keep.handler(_say("/keep RUN-999-taobao-v1"))
    assert "找不到" in unknown.text
    [kept] = await keep.handler(_say("/keep RUN-007-taobao-v1"))
    assert "已保留" in kept.text
    await keep.handler(_say("/keep RUN-007-taobao-v1"))  # keeping twice keeps one
    [row] = store.kept_since(datetime(2000, 1, 1, tzinfo=UTC))
    assert row.copy_id == "RUN-007-taobao-v1" and row.platform == "taobao" and row.kept_by == "u-7"
    assert "超轻21" in row.facts and row.title and row.text and row.bullets
    db.dispose()
