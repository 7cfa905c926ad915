"""SupportBot on the real sample catalog: transcripts with follow-ups (zh and en), policies, not-found, memory."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.conversation.core import SupportBot
from bot.domain.messages import Outbound
from tests.support.core_fixtures import Chat, make_bot, sample_knowledge

INDEX = sample_knowledge().index


def product(sku: str):  # type: ignore[no-untyped-def]
    found = INDEX.get(sku)
    assert found is not None
    return found


def prices(reply: Outbound) -> list[Decimal]:
    return [product(c.sku).price for c in reply.cards]  # type: ignore[misc]


@pytest.fixture
def bot(tmp_path: Path) -> SupportBot:
    return make_bot(tmp_path)


async def test_chinese_transcript_with_follow_ups(bot: SupportBot) -> None:
    chat = Chat(bot)
    first = await chat.say("有没有500以内的跑鞋")
    assert first.meta["intent"] == "recommendation" and first.meta["language"] == "zh"
    assert len(first.cards) >= 3
    assert all(c.sku.startswith("RUN-") for c in first.cards)
    assert all(p <= 500 for p in prices(first))
    for card in first.cards:  # every listed product is quoted with its catalog price
        assert card.price_text and card.price_text in first.text and card.title in first.text
        assert [b.data for b in card.buttons if b.data] == [f"d:{card.sku}", f"s:{card.sku}"]

    second = product(first.cards[1].sku)
    reply = await chat.say("第二个有货吗")
    assert second.title in reply.text and ("有货" in reply.text) == bool(second.stock)

    first_product = product(first.cards[0].sku)
    reply = await chat.say("第一款有42码吗")
    has_42 = "42" in first_product.attributes.get("size", "").split(";")
    assert first_product.title in reply.text
    assert ("有 42 码" in reply.text) == has_42 and ("没有 42 码" in reply.text) == (not has_42)

    black = await chat.say("那黑色的呢")
    assert black.cards, black.text
    assert all(
        "黑色" in product(c.sku).attributes["color"] and product(c.sku).price <= 500 for c in black.cards
    )
    assert all(c.sku.startswith("RUN-") for c in black.cards)

    cheaper = await chat.say("有没有更便宜的")
    floor = min(prices(black))
    cheapest_already = "最便宜" in cheaper.text  # nothing cheaper: said so, with the cheapest shown again
    if cheapest_already:
        assert "更便宜" in cheaper.text and prices(cheaper) == [floor]
    else:
        assert cheaper.cards and all(p < floor for p in prices(cheaper))

    compare = await chat.say("这两款有什么区别")
    shown = black.cards if cheapest_already else cheaper.cards
    a, b = product(shown[0].sku), product(shown[1].sku)
    assert compare.meta["intent"] == "comparison"
    assert a.title in compare.text and b.title in compare.text
    assert a.price_text() in compare.text and b.price_text() in compare.text


async def test_english_transcript_over_the_chinese_catalog(bot: SupportBot) -> None:
    chat = Chat(bot, chat_id="en-chat", user_id="en-user")
    first = await chat.say("Do you have running shoes under 500 yuan?")
    assert first.meta["language"] == "en" and first.text.startswith("Here are")
    assert first.cards and all(c.sku.startswith("RUN-") for c in first.cards)
    assert all(p <= 500 for p in prices(first))

    second = product(first.cards[1].sku)
    reply = await chat.say("is the second one in stock?")
    assert second.title in reply.text and "in stock" in reply.text

    cheapest = min((product(c.sku) for c in first.cards), key=lambda p: p.price)
    reply = await chat.say("the cheaper one")
    assert reply.cards[0].sku == cheapest.sku and cheapest.price_text() in reply.text

    reply = await chat.say("How long does shipping take?")
    assert reply.meta["intent"] == "policy" and "Shipping" in reply.text


async def test_policy_answers_quote_the_policy(bot: SupportBot) -> None:
    reply = await Chat(bot).say("可以退货吗？")
    assert reply.meta["intent"] == "policy"
    assert "七天无理由" in reply.text or "7 天" in reply.text
    assert "**" not in reply.text  # Markdown emphasis is removed for chat


async def test_direct_question_without_context_searches(bot: SupportBot) -> None:
    reply = await Chat(bot).say("Pegasus 41 有42码吗")
    pegasus = product("RUN-001")
    assert reply.cards[0].sku == "RUN-001" and pegasus.title in reply.text and "有 42 码" in reply.text


async def test_attribute_question_about_the_product_in_focus(bot: SupportBot) -> None:
    chat = Chat(bot)
    listed = await chat.say("有没有防晒霜")
    first = product(listed.cards[0].sku)
    await chat.say("第一款多少钱")
    reply = await chat.say("SPF多少")
    assert first.title in reply.text and first.attributes["spf"] in reply.text


async def test_ordinal_without_anything_shown_asks_which(bot: SupportBot) -> None:
    reply = await Chat(bot).say("第二个多少钱")
    assert "哪款" in reply.text and not reply.cards


async def test_ordinal_out_of_range(bot: SupportBot) -> None:
    chat = Chat(bot)
    shown = await chat.say("推荐一款降噪耳机")
    reply = await chat.say("第九个多少钱")
    assert f"{len(shown.cards)} 款" in reply.text


async def test_not_found_is_honest_and_offers_alternatives_and_a_human(bot: SupportBot) -> None:
    reply = await Chat(bot).say("有没有汽车轮胎")
    assert "没有" in reply.text and "/human" in reply.text
    assert all(c.price_text is None or c.price_text in reply.text for c in reply.cards)


async def test_small_talk_greeting_and_out_of_scope(bot: SupportBot) -> None:
    chat = Chat(bot)
    assert "店小二" in (await chat.say("你好")).text
    assert "不客气" in (await chat.say("thanks!")).text  # one Latin word keeps the chat's language
    assert "welcome" in (await Chat(bot, chat_id="en-chat").say("thanks!")).text
    out = await chat.say("今天天气怎么样")
    assert out.meta["intent"] == "out_of_scope" and not out.cards


async def test_memory_is_persisted_per_chat(bot: SupportBot) -> None:
    chat, other = Chat(bot), Chat(bot, chat_id="chat-2", user_id="user-2")
    listed = await chat.say("推荐一款降噪耳机")
    await other.say("有没有防晒霜")
    reply = await chat.say("第一款多少钱")  # resolves against chat-1's list, not chat-2's
    assert product(listed.cards[0].sku).title in reply.text
    turns = bot.store.recent("chat-1")
    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[1].skus == tuple(c.sku for c in listed.cards)


def test_interests_nudge_the_ranking_by_at_most_one_place() -> None:
    from bot.conversation.profile import rerank

    hits = INDEX.search("耳机", k=5)
    plain = [h.sku for h in hits]
    marked = [i for i, h in enumerate(hits) if "降噪" in h.product.search_text()]
    unmarked = [i for i, h in enumerate(hits) if i not in marked]
    assert marked and unmarked, plain
    ranked = [h.sku for h in rerank(hits, [("降噪", 3.0)])]
    assert sorted(ranked) == sorted(plain)
    for i, sku in enumerate(plain):
        assert ranked.index(sku) >= i - 1  # nobody jumps more than one place
    climbers = [i for i in marked if i > 0 and i - 1 in unmarked]
    assert all(ranked.index(plain[i]) == i - 1 for i in climbers)
    assert rerank(hits, []) == hits


async def test_the_interest_profile_learns_product_words_only(bot: SupportBot) -> None:
    chat = Chat(bot, user_id="profile-user")
    for text in ("what city is it going to? just say yes or no", "how much did I pay, say it", "退货要几天"):
        await chat.say(text)
    assert bot.store.interests("profile-user") == {}  # questions about orders and policies teach nothing
    await chat.say("有没有500以内的跑鞋")
    learned = set(bot.store.interests("profile-user"))
    assert learned and not learned & {"much", "city", "say", "pay", "退货"}
    assert any("跑鞋" in word for word in learned), learned
