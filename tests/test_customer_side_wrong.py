"""TESTER-13c "WRONG" answers, as kinds (issue 13, session 6b): a product model is no order number and one
customer's failed proofs never lock another out; shipping to Hong Kong, Macau, Taiwan or abroad is its own
region; an English clause makes a mixed message English; a counter-offer, a hold and a review reward are
offer questions; a payment/invoice clause beside a product question is found; an open "what do you
recommend?" asks for the shop's range; `chat --new` leaves nothing of the earlier chat. The whole replies are
checked by tests/data/customer_side.yaml (tests/test_customer_side_eval.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.chat_cmds import _start_over
from bot.conversation.offer_questions import find_offer_ask
from bot.conversation.regions import about_region, asked_region
from bot.conversation.shop_range import asks_shop_range
from bot.conversation.side_questions import side_question, states
from bot.domain.language import detect_language
from tests.support.order_chat import Customer, order_bot


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("包郵到香港嗎？Sony WH-1000XM5", "港澳台"),
        ("經理已經答應我免運費到澳門", "港澳台"),
        ("寄到台湾几天", "港澳台"),
        ("I live in Kowloon, can you ship?", "港澳台"),
        ("can you ship to Auckland?", "海外"),
        ("do you ship internationally?", "海外"),
        ("寄到新加坡要多久", "海外"),
        ("ship to the USA?", "海外"),
        ("新疆包邮吗", ""),
        ("寄到杭州几天到", ""),
        ("Nike Pegasus 41 多少钱", ""),
        ("the Sony hk-style earbuds", ""),  # "hk" inside a word is no place
    ],
)
def test_places_outside_the_mainland_are_found(text: str, region: str) -> None:
    assert asked_region(text) == region


def test_a_bullet_speaks_about_a_region_in_either_language() -> None:
    assert about_region("**港澳台及海外**：暂不支持配送。", "港澳台")
    assert about_region("Hong Kong, Macau, Taiwan and overseas: we do not ship there yet.", "海外")
    assert not about_region("包邮门槛：单笔订单实付满 ¥99 包邮（中国大陆…）", "港澳台")


@pytest.mark.parametrize(
    ("text", "kind", "rest"),
    [
        ("Pegasus 41 男款 899 太贵了，800 卖不卖？", "bargain", "Pegasus 41 男款 899 太贵了"),
        ("赤兔7 PRO 四百行不行", "bargain", "赤兔7 PRO"),
        ("would you take 700 for the Pegasus 41?", "bargain", "for the Pegasus 41?"),
        ("帮我留一双 Pegasus 41 到周五可以吗", "hold", ""),
        ("Can you reserve one for me until Monday?", "hold", ""),
        ("Is the Soundcore A20i free if I write a review?", "offer", "Is the Soundcore A20i"),
        ("好评返现吗", "offer", ""),
        ("晒图送什么吗", "offer", ""),
    ],
)
def test_counter_offers_holds_and_review_rewards_are_offer_questions(text: str, kind: str, rest: str) -> None:
    ask = find_offer_ask(text)
    assert ask is not None and ask.kind == kind, ask
    assert ask.rest.strip(" ，,?？") == rest.strip(" ，,?？")


@pytest.mark.parametrize("text", ["送到周五能到吗", "留言板在哪", "1200 元以内的可以吗", "帮我留意一下新款"])
def test_look_alikes_are_no_hold_or_counter_offer(text: str) -> None:
    ask = find_offer_ask(text)
    assert ask is None or ask.kind not in ("hold", "bargain"), ask


@pytest.mark.parametrize(
    ("text", "term", "stated"),
    [
        ("能开专票吗？买 Sony 耳机", "专票", False),
        ("Sony 耳机多少钱，支持货到付款吗", "", True),
        ("能开纸质发票吗，要买 Pegasus 41", "纸质发票", False),
        ("Can you issue a VAT special invoice? I want the Sony", "VAT special invoice", False),
        ("Pegasus 41 可以分期吗", "", True),
    ],
)
def test_payment_and_invoice_clauses_beside_a_product_question(text: str, term: str, stated: bool) -> None:
    side = side_question(text)
    assert side is not None and side.term == term
    assert states(side, "发票：支持开具电子普通发票，在订单详情中申请") is stated


@pytest.mark.parametrize("text", ["Pegasus 41 多少钱", "有没有42码的跑鞋", "我的发货地址改一下"])
def test_no_payment_clause_in_plain_questions(text: str) -> None:
    assert side_question(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Pegasus 41 男款多少钱 and can you give me a 20% student discount?", "en"),
        ("Sony WH-1000XM5 多少钱 and could you give me a 10% discount please?", "en"),
        ("AirPods Pro 2 和 Sony WF-1000XM5 哪个好", "zh"),
        ("有没有Nike的跑鞋", "zh"),
        ("Sony WH-1000XM5 多少钱", "zh"),
    ],
)
def test_an_english_clause_makes_a_mixed_message_english(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "open_ask"),
    [
        ("推荐点东西", True),
        ("推荐一下", True),
        ("有什么推荐的东西吗", True),
        ("what do you recommend?", True),
        ("any recommendations?", True),
        ("recommend me something good", True),
        ("推荐一下跑鞋", False),
        ("what do you recommend for running?", False),
        ("有什么推荐的耳机吗", False),
    ],
)
def test_an_open_recommendation_request_asks_for_the_shop_range(text: str, open_ask: bool) -> None:
    assert asks_shop_range(text) is open_ask


async def test_a_product_model_beside_an_address_is_no_order_number(tmp_path: Path) -> None:
    """TESTER-13c: "WH-1000XM5" was read as an order number (a failed proof) whenever digits of an address
    came with it; a few such messages locked every customer who named it."""
    bot = order_bot(tmp_path)
    try:
        for n in range(7):  # more than the lockout's limit, from one customer
            reply = await Customer(bot, chat_id=f"terminal:m{n % 2}", user_id="m").say(
                "寄到 成都市武侯区 天府大道北段 1700 号，Sony WH-1000XM5 几天到？"
            )
            assert "订单号" not in reply and "不匹配" not in reply and "尝试" not in reply, reply
        fresh = await Customer(bot, chat_id="terminal:f", user_id="f").say("WH-1000XM5 到哪了")
        assert "收到订单号 WH-1000XM5" not in fresh and "Too many" not in fresh, fresh
    finally:
        bot.close()


async def test_chat_new_forgets_the_earlier_words(tmp_path: Path) -> None:
    """After `chat --new`, an English first message never refers to what the earlier chat asked for."""
    bot = order_bot(tmp_path)
    try:
        shop = Customer(bot, chat_id="terminal:n", user_id="n")
        await shop.say("推荐点东西")
        await shop.say("有没有 Nike 跑鞋")
        await _start_over(bot, "terminal:n", "n")
        reply = await shop.say("what do you recommend?")
        assert "Nike" not in reply and "东西" not in reply and "跑鞋" not in reply.split("\n")[0], reply
    finally:
        bot.close()


def test_a_bare_amount_after_a_price_demand_is_cut_with_it() -> None:
    """A "change the price to 300" — the 300 is the demand's figure (left behind it read as a ¥300 budget and hid
    the ¥1499 answer); "… off the Sony WH-1000XM5" keeps the item named after the demand."""
    from bot.conversation.demands import cut_demands

    rest, demands = cut_demands(
        "Please change the price to 300 and I'll pay you directly. How much is the Ultraboost Light?"
    )
    assert "300" not in rest and "Ultraboost Light" in rest
    assert "pay you directly" in " ".join(d.text for d in demands)
    rest, _ = cut_demands("give me 50% off the Sony WH-1000XM5 and tell me the final price")
    assert rest.startswith("the Sony WH-1000XM5")
