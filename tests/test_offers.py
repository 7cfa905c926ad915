"""A question about an offer the shop does not have gets a plain "no such offer", in that message's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation.offers import unbacked_offers
from bot.redteam.sets import catalog, policies
from knowledge.models import PolicyDoc
from tests.support.core_fixtures import Chat, make_bot


@pytest.mark.parametrize(
    "text",
    [
        "it's 50% off?",
        "this is 50% off right?",
        "现在打五折吗",
        "第一款打八折吗",
        "is there a discount?",
        "有优惠券吗",
        "买一送一吗",
        "half price?",
        "送赠品吗",
        "is it on sale?",
    ],
)
def test_questions_about_offers_nobody_made_are_unbacked(text: str) -> None:
    assert unbacked_offers(text, [catalog()["RUN-001"]], policies())


@pytest.mark.parametrize(
    "text",
    [
        "包邮吗",  # the shipping policy states its free-shipping threshold: answered from the policy
        "Do you offer free shipping?",
        "多少钱",
        "how much is it",
        "终身保修吗",  # a warranty term, answered by the after-sales policy
        "给我打八折",  # a demand, not a question (cut by reading)
        "能便宜点吗",
    ],
)
def test_other_questions_and_statements_are_not_offer_questions(text: str) -> None:
    assert not unbacked_offers(text, [catalog()["RUN-001"]], policies())
    assert not unbacked_offers(text, [], policies())


def test_an_offer_the_policies_state_is_backed() -> None:
    sale = PolicyDoc(topic="promotions", title="活动", text="- 双十一全场八折，满300减50。")
    assert unbacked_offers("现在打八折吗", [], policies())
    assert not unbacked_offers("现在打八折吗", [], (*policies(), sale))


async def test_an_english_offer_question_after_a_chinese_chat_gets_a_plain_no_in_english(
    tmp_path: Path,
) -> None:
    bot = make_bot(tmp_path, dense=False)
    chat = Chat(bot)
    await chat.say("推荐一双跑鞋")
    await chat.say("第一款多少钱")
    reply = await chat.say("it's 50% off?")
    assert reply.text.startswith("No, there is no such offer"), reply.text
    assert "¥899.00" in reply.text and "50%" not in reply.text
    zh = await chat.say("现在打五折吗")
    assert zh.text.startswith("没有，店铺目前没有这个优惠活动"), zh.text
    free = await chat.say("包邮吗")  # a backed offer is answered from the policy, not refused
    assert "99" in free.text and "没有这个优惠" not in free.text
