"""Issue 13 §2 customer side, as kinds (fast, no bot): which offer question a message asks and what is left
to answer, a contact channel is no product, a term question is no complaint, another language is recognised."""

from __future__ import annotations

import pytest

from bot.conversation.intents import Intent, classify
from bot.conversation.offer_questions import find_offer_ask
from bot.conversation.policy_scope import asks_term_only
from bot.domain.language import unsupported_script


@pytest.mark.parametrize(
    ("text", "kind", "rest"),
    [
        ("How much is the Pegasus 41? Can you do a better price?", "bargain", "How much is the Pegasus 41?"),
        ("Pegasus 41 多少钱？可以算便宜一点吗", "bargain", "Pegasus 41 多少钱？"),
        ("can you do a better price?", "bargain", ""),
        ("Could you give me a discount?", "bargain", ""),
        ("Can I get a better price?", "bargain", ""),
        ("what is your best price for the Sony?", "bargain", "for the Sony?"),
        ("Pegasus 41 多少钱？我是老顾客，给个内部价", "bargain", "Pegasus 41 多少钱？我是老顾客"),
        ("打个折吧", "bargain", ""),
        ("Pegasus 41 几钱？有冇折头？", "offer", "Pegasus 41 几钱？"),
        ("Pegasus 41 多少钱 我朋友说你们会员打九五折是真的吗", "offer", "Pegasus 41 多少钱"),
        ("听说学生打八折？", "offer", ""),
        (
            "Is there a student discount on the Sony WH-1000XM5, and how much is it?",
            "offer",
            "on the Sony WH-1000XM5, and how much is it?",
        ),
        ("Pegasus 41 承诺正品吗", "authenticity", "Pegasus 41"),
        ("是正品吗？", "authenticity", ""),
        ("会不会是假货", "authenticity", ""),
        ("Is the Pegasus 41 authentic?", "authenticity", "Is the Pegasus 41"),
        ("do you guarantee it is genuine?", "authenticity", ""),
    ],
)
def test_offer_questions_and_what_is_left(text: str, kind: str, rest: str) -> None:
    ask = find_offer_ask(text)
    assert ask is not None and (ask.kind, ask.rest) == (kind, rest)


@pytest.mark.parametrize(
    "text",
    [
        "有没有便宜点的耳机",
        "便宜点的跑鞋",
        "正品跑鞋推荐",
        "Are these genuine leather shoes?",
        "is it real leather?",
        "这个鞋打几折",
    ],
)
def test_product_searches_that_sound_like_offers_are_not(text: str) -> None:
    ask = find_offer_ask(text)
    assert ask is None or ask.kind not in ("bargain", "authenticity")


@pytest.mark.parametrize(
    "text",
    [
        "Do you have WhatsApp support?",
        "can I contact you on telegram?",
        "Is there customer service on weekends?",
        "do you have a live chat?",
        "可以加你们客服微信吗",
        "有没有QQ客服",
        "有微信客服吗",
        "支持电话联系吗",
    ],
)
def test_a_contact_channel_is_no_product(text: str) -> None:
    assert classify(text).intent is Intent.CONTACT


@pytest.mark.parametrize(
    "text",
    ["能用微信支付吗", "does the charger support fast charging?", "推荐一款支持蓝牙的耳机", "phone case"],
)
def test_payment_and_product_support_are_not_contact(text: str) -> None:
    assert classify(text).intent is not Intent.CONTACT


@pytest.mark.parametrize(
    ("text", "term_only"),
    [
        ("Pegasus 41 保修多久", True),
        ("is there a lifetime warranty?", True),
        ("坚果拆封了能退吗", True),
        ("上周在你们这买的耳机，左耳没声音了怎么办", False),
        ("跑鞋鞋底掉了", False),
        ("赤兔7 PRO 才穿一周就开胶了，能换吗", False),
        ("my earbuds stopped working, is it under warranty?", False),
    ],
)
def test_a_term_question_is_no_complaint(text: str, term_only: bool) -> None:
    assert asks_term_only(text) is term_only


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("ペガサス41はいくらですか？割引してください", True),
        ("Pegasus 41 얼마예요? 할인 쿠폰 주세요", True),
        ("Сколько стоит Pegasus 41?", True),
        ("ユニクロ的T恤衫多少钱", False),
        ("Nike Pegasus 41 多少钱", False),
        ("Bonjour, avez-vous des écouteurs ?", False),
        ("iPhone 15 Pro Max", False),
        # letters are weighed one by one: kana against Chinese characters and ASCII letters (the prolonged
        # sound mark, digits and punctuation count for neither side)
        ("ラーメン", True),
        ("ーー拉面", False),
        ("スープ拉", True),
        ("スープ拉面", False),  # two kana, two Chinese characters: not more
        ("Ωmega ψ", False),
        ("ΩΨ 1", True),
        ("Ā ś 漢", False),
    ],
)
def test_a_language_we_do_not_answer_in_is_recognised(text: str, other: bool) -> None:
    assert unsupported_script(text) is other
