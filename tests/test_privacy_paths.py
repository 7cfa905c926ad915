"""Issue 13 §2 through the real paths: what the LLM provider receives (recorded by the loopback OpenAI-compatible
server), what the insights store keeps, what the logs print — and the order route, which must redact before it
masks proofs and must answer a product question that comes with contact details."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

from bot.domain.clock import utcnow
from bot.domain.messages import Inbound
from bot.insights.recorder import TurnRecorder
from bot.ops.logs import configure_logging
from bot.ops.settings import load_settings
from bot.wiring import build_support_bot, make_chat_model
from tests.support.core_fixtures import sample_knowledge
from tests.support.openai_server import OpenAIServer
from tests.support.order_chat import Customer, order_bot

# (message, its personal data) — the tester's probes and more of each kind.
SAID = [
    ("Hi, I'm Robert Paulson, any earbuds under $50?", ["Robert", "Paulson"]),
    ("I am Maria Gonzalez and I need running shoes", ["Maria", "Gonzalez"]),
    ("叫我小王就行，电话一三八一二三四五六七八，有没有跑鞋", ["小王", "一三八一二三四五六七八"]),
    ("我姓欧阳，叫娜娜，推荐个耳机", ["欧阳", "娜娜"]),
    ("寄到杭州西湖区文三路 478 号，李宁超轻21有货吗", ["西湖区", "文三路", "478"]),
    ("送到深圳南山科技园腾讯大厦，有充电宝吗", ["南山", "腾讯大厦"]),
    ("email me at jane dot doe at gmail dot com — any earbuds under $50?", ["jane", "doe at gmail"]),
    ("我的企鹅号 1234567890，推荐个耳机", ["1234567890"]),
    ("Deliver to 42 Wallaby Way, Sydney NSW 2000 — any power banks?", ["Wallaby", "Sydney", "NSW 2000"]),
    # session 6: names without the old cues, handles, cards, a flat number
    ("大家好，本人欧阳修远，想买双跑鞋", ["欧阳修"]),
    ("Hello, Priya Raman here — looking for wireless earbuds", ["Priya", "Raman", "proya", "珀莱雅"]),
    ("My name's Tom O'Brien, any running shoes under 600?", ["Tom", "Brien"]),
    ("Moi c'est Jean-Luc Picard, do you have a yoga mat?", ["Jean", "Picard"]),
    ("telegram @lena_runs, insta lena.k.88 — any trail shoes?", ["lena"]),
    ("卡号 6222 0210 0101 2345 678 能用吗", ["6222", "678"]),
    ("Please deliver to Flat 4B, 221B Baker Street, London NW1 6XE", ["Flat 4B", "Baker", "NW1"]),
]


def _bot(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    config = load_settings(XIAOER_DATA_DIR=str(tmp_path / "data"), **settings)
    return build_support_bot(
        config, knowledge=sample_knowledge(True), llm=make_chat_model(config), raise_errors=True
    )


def _stored(bot) -> str:  # type: ignore[no-untyped-def]
    assert isinstance(bot.recorder, TurnRecorder)
    now = utcnow()
    turns = bot.recorder.store.turns(now - timedelta(hours=1), now + timedelta(minutes=1))
    return " ".join(t.text + " " + " ".join(t.keywords) for t in turns)


async def test_no_kind_of_personal_data_reaches_the_llm_or_the_insights_store(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    bot = _bot(tmp_path, OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="k", XIAOER_LLM_MAX_RETRIES=0)
    try:
        for n, (text, _) in enumerate(SAID):
            await bot.handle(Inbound(f"c{n}", f"u{n}", text, channel="telegram"))
            await bot.handle(Inbound(f"c{n}", f"u{n}", "第二个呢", channel="telegram"))  # <history> too
        sent = json.dumps(openai_server.requests, ensure_ascii=False)
        stored = _stored(bot)
        assert openai_server.requests
        for _, personal in SAID:
            for part in personal:
                assert part not in sent, part
                assert part not in stored, part
        assert "[name]" in stored and "[address]" in stored and "[email]" in stored and "[phone]" in stored
    finally:
        bot.close()


async def test_self_descriptions_and_shop_words_reach_the_llm_as_written(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    bot = _bot(tmp_path, OPENAI_BASE_URL=openai_server.base_url, OPENAI_API_KEY="k", XIAOER_LLM_MAX_RETRIES=0)
    said = [
        "我是高个子，推荐篮球鞋",
        "我是白领，通勤用什么耳机好",
        "我是李宁的老粉，42码 ¥499 的有吗",
        "我是学生党",
    ]
    try:
        for n, text in enumerate(said):
            await bot.handle(Inbound(f"d{n}", f"d{n}", text, channel="telegram"))
        sent = json.dumps(openai_server.requests, ensure_ascii=False)
        stored = _stored(bot)
        for kept in ("我是高个子", "我是白领", "我是李宁的老粉", "42码", "我是学生党"):
            assert kept in stored, kept
        assert "我是高个子" in sent and "[name]" not in sent + stored
    finally:
        bot.close()


def test_logs_print_no_introduced_name_nor_spelled_phone() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    try:
        logging.getLogger("bot.test").info(
            "customer said %s", "Hi, I'm Robert Paulson, 电话一三八一二三四五六七八"
        )
    finally:
        configure_logging("INFO")
    out = stream.getvalue()
    assert "Robert" not in out and "一三八" not in out and "[name]" in out and "[phone]" in out


async def test_contact_details_with_a_product_question_get_the_product_answer(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    try:
        shop = Customer(bot, chat_id="terminal:p1", user_id="p1")
        reply = await shop.say(
            "Ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043 please; my phone is +44 20 7946 0958. "
            "Do you have Anker power banks?"
        )
        assert "Anker" in reply and "order number" not in reply
        hello = await Customer(bot, chat_id="terminal:p2", user_id="p2").say(
            "你好，我叫欧阳娜娜，手机 +86 139-1234-5678"
        )
        assert "订单号" not in hello
        shoes = await Customer(bot, chat_id="terminal:p3", user_id="p3").say(
            "你好，我叫欧阳娜娜，手机 +86 139-1234-5678，有没有跑鞋"
        )
        assert "跑" in shoes and "订单号" not in shoes
    finally:
        bot.close()


async def test_the_order_route_redacts_before_it_masks_proofs(tmp_path: Path) -> None:
    """The order flow masks digit runs that could be proofs; run first, that masking broke the address
    pattern ("Ship to [digits] Amphitheatre Parkway …"). Redaction comes first on this path too."""
    bot = order_bot(tmp_path)
    try:
        said = [
            "Where is my order? It ships to 1600 Amphitheatre Parkway, Mountain View, CA 94043, phone +44 20 7946 0958",
            "我的快递到哪了，寄到杭州西湖区文三路 478 号，电话一三八一二三四五六七八",
        ]
        for n, text in enumerate(said):
            reply = await Customer(bot, chat_id=f"terminal:o{n}", user_id=f"o{n}").say(text)
            assert "order number" in reply or "订单号" in reply  # the order route took it
        stored = _stored(bot)
        for personal in ("Amphitheatre", "94043", "7946", "西湖区", "文三路", "一三八"):
            assert personal not in stored, personal
        assert stored.count("[address]") == 2 and "[digits] Amphitheatre" not in stored
    finally:
        bot.close()


async def test_an_introduction_with_contact_details_is_no_order_question(tmp_path: Path) -> None:
    bot = order_bot(tmp_path)
    try:
        reply = await Customer(bot, chat_id="terminal:i1", user_id="i1").say(
            "Hi, I'm Robert Paulson, email bob.paulson@fightclub.example, phone 020 7946 0018"
        )
        assert "order number" not in reply and "Hi" in reply  # greeted back, in English
    finally:
        bot.close()
