"""Insights through the real bot: every customer turn is recorded pseudonymised and redacted, PII never
reaches the LLM, and staff get `/insights` with charts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.domain.clock import utcnow
from bot.domain.messages import Inbound, Role
from bot.insights.recorder import TurnRecorder
from bot.ops.settings import load_settings
from bot.wiring import build_support_bot, make_chat_model
from tests.support.core_fixtures import sample_knowledge
from tests.support.openai_server import OpenAIServer

PHONE = "13812345678"


def _bot(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    config = load_settings(XIAOER_DATA_DIR=str(tmp_path / "data"), **settings)
    llm = make_chat_model(config)
    return build_support_bot(config, knowledge=sample_knowledge(True), llm=llm, raise_errors=True)


async def test_turns_are_recorded_pseudonymous_and_redacted(tmp_path: Path) -> None:
    bot = _bot(tmp_path)
    try:
        assert isinstance(bot.recorder, TurnRecorder)
        await bot.handle(Inbound("4242", "4242", f"有没有500以内的跑鞋？我电话{PHONE}", channel="telegram"))
        await bot.handle(Inbound("4242", "4242", "有卖飞机发动机吗", channel="telegram"))
        now = utcnow()
        turns = bot.recorder.store.turns(now - timedelta(hours=1), now + timedelta(minutes=1))
        assert len(turns) == 2
        first, second = turns
        assert PHONE not in first.text and "[phone]" in first.text
        assert first.user != "4242" and len(first.user) == 16
        assert first.intent == "recommendation" and first.skus and first.answered
        assert first.filters.get("max_price") in {"500", "500.00"}
        # "we don't sell aircraft engines" answers the customer, and the turn stays a catalog gap for insights
        assert second.answered and second.matched is False and not second.skus
    finally:
        bot.close()


async def test_pii_never_reaches_the_llm(tmp_path: Path, openai_server: OpenAIServer) -> None:
    bot = _bot(tmp_path, OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="k", XIAOER_LLM_MAX_RETRIES=0)
    try:
        await bot.handle(Inbound("c", "u", f"跑鞋推荐一下，我的手机是{PHONE}，订单号 202611230001234"))
        await bot.handle(Inbound("c", "u", "第二个多少钱"))
        sent = json.dumps(openai_server.requests, ensure_ascii=False)
        assert openai_server.requests and PHONE not in sent and "202611230001234" not in sent
    finally:
        bot.close()


async def test_staff_get_insights_with_charts_and_customers_are_refused(tmp_path: Path) -> None:
    bot = _bot(tmp_path)
    try:
        await bot.handle(Inbound("c1", "u1", "有没有降噪耳机"))
        staff = await bot.handle(Inbound("s", "9", "/insights 7d", role=Role.STAFF))
        assert len(staff) == 1 and "1" in staff[0].text
        assert {name for name, _ in staff[0].images} >= {"trending_keywords.png", "unanswered.png"}
        assert all(png.startswith(b"\x89PNG") for _, png in staff[0].images)
        refused = await bot.handle(Inbound("c1", "u1", "/insights"))
        assert len(refused) == 1 and not refused[0].images
    finally:
        bot.close()


async def test_the_core_records_whether_shown_products_matched_the_request(tmp_path: Path) -> None:
    bot = _bot(tmp_path)
    try:
        assert isinstance(bot.recorder, TurnRecorder)
        for n, text in enumerate(("有iPhone 16吗", "Pegasus有吗", "红色的耳机", "退货要几天")):
            await bot.handle(Inbound(f"m{n}", f"m{n}", text, channel="telegram"))
        now = utcnow()
        turns = {
            t.text: t for t in bot.recorder.store.turns(now - timedelta(hours=1), now + timedelta(minutes=1))
        }
        assert turns["有iPhone 16吗"].matched is False  # answered with the closest (chargers), not a match
        assert turns["Pegasus有吗"].matched is True
        assert turns["红色的耳机"].matched is False
        assert turns["退货要几天"].matched is None  # a policy question is no product request
    finally:
        bot.close()


async def test_messenger_ids_and_introduced_names_never_reach_the_insights_store(tmp_path: Path) -> None:
    """Through the real store path: the text is redacted and its keywords come from the redacted text."""
    bot = _bot(tmp_path)
    said = [
        "我叫张三，微信号: abc_123，推荐一双跑鞋",
        "收件人 王五 QQ 12345678 有降噪耳机吗",
        "my name is Alice Smith, WeChat: foo123, any sunscreen?",
        "加我 wxid_abc123 我是李四，要充电宝",
        "我是跑步新手，推荐李宁跑鞋",  # no name here: a product word and a brand stay
    ]
    try:
        assert isinstance(bot.recorder, TurnRecorder)
        for text in said:
            await bot.handle(Inbound("77", "77", text, channel="telegram"))
        now = utcnow()
        turns = bot.recorder.store.turns(now - timedelta(hours=1), now + timedelta(minutes=1))
        assert len(turns) == len(said)
        stored = " ".join(t.text + " " + " ".join(t.keywords) for t in turns)
        for personal in ("张三", "abc_123", "王五", "12345678", "Alice", "Smith", "foo123", "wxid", "李四"):
            assert personal not in stored
        assert "[name]" in turns[0].text and "[messenger-id]" in turns[0].text
        assert turns[-1].text == said[-1] and "李宁" in turns[-1].keywords
    finally:
        bot.close()
