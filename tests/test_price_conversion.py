"""A product's price asked in another currency (bot/conversation/conversion.py price_conversion_asked, answered in
bot/conversation/answer.py): the target currency is read without an amount; budgets and amount conversions are
not this question; through the real offline bot, no rate → the listed price and a plain "no rate", a configured
rate → the approximate amount labelled as such."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.conversation.conversion import price_conversion_asked
from bot.ops.settings import load_settings
from bot.wiring import build_support_bot
from knowledge.money import ExchangeRates
from tests.support.core_fixtures import Chat, make_bot, sample_knowledge


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("换算成人民币大概多少", "CNY"),
        ("合人民币多少钱", "CNY"),
        ("Sennheiser Momentum 4 多少人民币", "CNY"),
        ("人民币大概多少", "CNY"),
        ("how much is that in RMB?", "CNY"),
        ("what is it in US dollars", "USD"),
    ],
)
def test_a_price_asked_in_another_currency(text: str, code: str) -> None:
    assert price_conversion_asked(text) == code


@pytest.mark.parametrize(
    "text", ["100美元以内的耳机", "19.99美元大概多少人民币", "多少块", "这个多少钱", "500元以内的跑鞋"]
)
def test_budgets_amounts_and_plain_price_questions_are_not(text: str) -> None:
    assert price_conversion_asked(text) is None


async def test_without_a_rate_the_listed_price_and_no_search(tmp_path: Path) -> None:
    chat = Chat(make_bot(tmp_path))
    await chat.say("Sennheiser Momentum 4 多少钱")
    reply = await chat.say("换算成人民币大概多少")
    assert "299.99" in reply.text and "汇率" in reply.text
    assert "没有符合" not in reply.text and "约合" not in reply.text
    english = await Chat(make_bot(tmp_path), chat_id="c2").say("how much is the Anker 737 Power Bank in RMB?")
    assert "59.99" in english.text and "exchange rate" in english.text


async def test_with_a_rate_the_approximate_amount_is_labelled(tmp_path: Path) -> None:
    knowledge = replace(sample_knowledge(), rates=ExchangeRates.parse("USD:CNY=7.1"))
    bot = build_support_bot(
        load_settings(XIAOER_DATA_DIR=str(tmp_path / "data")),
        knowledge=knowledge,
        raise_errors=True,
        use_llm=False,
    )
    reply = await Chat(bot).say("Sennheiser Momentum 4 合人民币多少钱")
    assert "$299.99" in reply.text and "2129.93" in reply.text and "仅供参考" in reply.text
