"""Bad input, commands, buttons, failures and concurrency: every customer message gets exactly one reply."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.conversation.core import SupportBot
from bot.conversation.hygiene import clean
from bot.conversation.locks import LocalChatLocks
from bot.domain.commands import STAFF_ONLY
from bot.domain.messages import Attachment, Inbound, Outbound, Role
from bot.handoff.outbox import support_chats_for
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.wiring import build_handoff_service
from knowledge.memory_index import InMemoryProductIndex
from tests.support.core_fixtures import Chat, make_bot, sample_knowledge


@pytest.fixture
def bot(tmp_path: Path) -> SupportBot:
    return make_bot(tmp_path)


@pytest.mark.parametrize(
    ("text", "problem", "phrase"),
    [
        ("", "empty", "没有输入"),
        ("   \n\t  ", "empty", "没有输入"),
        ("跑" * 10_000, "too_long", "10000"),
        ("😀😀👍", "emoji_only", "表情"),
        ("\x00\x01\x02\x03\x04binary\x05\x06\x07\x08", "garbage", "没能看懂"),
        ("ÿØÿàJFIFÿÛCÿÄ", "garbage", "没能看懂"),
    ],
)
async def test_bad_input_gets_one_polite_reply(bot: SupportBot, text: str, problem: str, phrase: str) -> None:
    reply = await Chat(bot).say(text, language_hint="zh")
    assert reply.meta["problem"] == problem and phrase in reply.text and not reply.cards


async def test_control_characters_are_stripped_and_the_question_answered(bot: SupportBot) -> None:
    reply = await Chat(bot).say("有没有\x00500以内的\u200b跑鞋\x07")
    assert reply.meta["intent"] == "recommendation" and reply.cards
    assert bot.store.recent("chat-1")[0].text == "有没有500以内的跑鞋"


async def test_attachment_without_text(bot: SupportBot) -> None:
    reply = await Chat(bot).say("", attachment=Attachment("sticker", "file-1"))
    assert "文字" in reply.text


def test_clean_and_locks_are_self_cleaning() -> None:
    assert clean("  a \n b ").text == "a b"
    locks = LocalChatLocks()

    async def run() -> None:
        async with locks.hold("x"):
            assert len(locks) == 1
        assert len(locks) == 0

    asyncio.run(run())


async def test_start_offers_example_buttons_that_act_as_typed(bot: SupportBot) -> None:
    chat = Chat(bot)
    start = await chat.say("/start", language_hint="zh")
    assert "店小二" in start.text and [b.data for b in start.buttons] == ["q:1", "q:2", "q:3"]
    assert all(len(b.data.encode()) <= 64 for b in start.buttons)  # type: ignore[union-attr]
    typed = await Chat(bot, chat_id="other", user_id="other").say(start.buttons[0].label)
    pressed = await chat.press("q:1")
    assert pressed.text == typed.text and [c.sku for c in pressed.cards] == [c.sku for c in typed.cards]


async def test_start_in_english(bot: SupportBot) -> None:
    start = await Chat(bot).say("/start", language_hint="en-GB")
    assert start.text.startswith("Hi!") and start.buttons[1].label == "Recommend noise-cancelling headphones"


async def test_help_unknown_and_refused_commands(bot: SupportBot, caplog: pytest.LogCaptureFixture) -> None:
    async def secret(inbound: Inbound) -> list[Outbound]:
        return [Outbound(inbound.chat_id, "staff only stuff")]

    bot.commands.register("secretstats", secret, roles=STAFF_ONLY, zh="统计", en="Stats")
    chat = Chat(bot)
    help_text = (await chat.say("/help", language_hint="zh")).text
    assert "/reset" in help_text and "/secretstats" not in help_text
    assert "/nope" in (await chat.say("/nope")).text
    with caplog.at_level(logging.WARNING, logger="bot.conversation.core"):
        refused = await chat.say("/secretstats")
    assert "工作人员" in refused.text and "refused /secretstats" in caplog.text
    staff = Chat(bot, chat_id="staff-chat", user_id="boss", role=Role.STAFF)
    assert (await staff.say("/secretstats")).text == "staff only stuff"
    assert "/secretstats" in (await staff.say("/help")).text


async def test_reset_profile_and_forget(bot: SupportBot) -> None:
    chat = Chat(bot)
    await chat.say("推荐一款降噪耳机")
    await chat.say("有没有降噪的蓝牙耳机")
    profile = await chat.say("/profile")
    assert "降噪" in profile.text
    assert "清空" in (await chat.say("/reset")).text
    assert "哪款" in (await chat.say("第一款多少钱")).text  # the list is forgotten
    assert "删除" in (await chat.say("/forget")).text
    assert bot.store.interests("user-1") == {} and bot.store.recent("chat-1") == []
    assert "还没有" in (await chat.say("/profile")).text


async def test_human_without_a_gate_gives_contact_details(bot: SupportBot) -> None:
    reply = await Chat(bot).say("/human")
    assert "400-820-0000" in reply.text


async def test_buttons_details_similar_and_forged(bot: SupportBot) -> None:
    chat = Chat(bot)
    listed = await chat.say("推荐一款降噪耳机")
    sku = listed.cards[0].sku
    details = await chat.press(f"d:{sku}")
    assert details.cards[0].sku == sku and listed.cards[0].title in details.text
    similar = await chat.press(f"s:{sku}")
    assert similar.cards and sku not in [c.sku for c in similar.cards]
    assert "已经下架" in (await chat.press("d:NO-SUCH-SKU")).text
    assert "失效" in (await chat.press("x:whatever")).text
    assert "失效" in (await chat.press("d:" + "A" * 80)).text
    assert "失效" in (await chat.press("q:99")).text


async def test_unanswered_twice_hands_off_with_one_customer_reply(tmp_path: Path) -> None:
    gate = build_handoff_service(prompts_dir=DEFAULT_PROMPTS_DIR, support_chats=support_chats_for(None))
    bot = make_bot(tmp_path, handoff=gate)
    chat = Chat(bot)
    first = await chat.send("asdf qwer 有吗")
    assert [o.chat_id for o in first] == ["chat-1"]
    second = await chat.send("那 zxcv 有吗")  # a second product the shop cannot find
    mine = [o for o in second if o.chat_id == "chat-1"]
    assert len(mine) == 1
    assert any(o.chat_id == "terminal:support" for o in second)  # the support team was asked to join


async def test_refusals_outside_the_shop_never_hand_off_on_their_own(tmp_path: Path) -> None:
    gate = build_handoff_service(prompts_dir=DEFAULT_PROMPTS_DIR, support_chats=support_chats_for(None))
    chat = Chat(make_bot(tmp_path, handoff=gate))
    for text in (
        "那 zxcv 呢",
        "写一首关于大海的诗",
        "qwer zxcv 呢",
    ):  # refused, not missed: no request opened
        out = await chat.send(text)
        assert [o.chat_id for o in out] == ["chat-1"]
        assert "帮不上忙" in out[0].text and "跑鞋" not in out[0].text  # an example from this shop's catalog


async def test_products_we_do_not_sell_offer_a_human_without_opening_one(tmp_path: Path) -> None:
    gate = build_handoff_service(prompts_dir=DEFAULT_PROMPTS_DIR, support_chats=support_chats_for(None))
    chat = Chat(make_bot(tmp_path, handoff=gate))
    first = await chat.send("卖不卖自行车")
    second = await chat.send("你们卖汽车轮胎吗")
    for out, item in ((first, "自行车"), (second, "轮胎")):
        assert [o.chat_id for o in out] == ["chat-1"]  # answered: no request opened unasked
        assert "不卖" in out[0].text and item in out[0].text and "/human" in out[0].text


async def test_human_request_goes_to_the_gate(tmp_path: Path) -> None:
    gate = build_handoff_service(prompts_dir=DEFAULT_PROMPTS_DIR, support_chats=support_chats_for(None))
    bot = make_bot(tmp_path, handoff=gate)
    out = await Chat(bot).send("转人工")
    assert len([o for o in out if o.chat_id == "chat-1"]) == 1
    assert any(o.chat_id == "terminal:support" for o in out)


class BrokenIndex(InMemoryProductIndex):
    """Fault injection: the search backend fails with an unexpected error."""

    def search(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def,override]
        raise RuntimeError("disk on fire")


async def test_unexpected_errors_become_one_apology(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bot = make_bot(tmp_path)
    knowledge = sample_knowledge()
    broken = BrokenIndex(knowledge.extractor)
    bot.index = bot.answerer.index = broken
    bot.raise_errors = False
    with caplog.at_level(logging.ERROR, logger="bot.conversation.core"):
        out = await Chat(bot).send("有没有500以内的跑鞋")
    assert len(out) == 1 and "出了点问题" in out[0].text and "chat=chat-1" in caplog.text
    bot.raise_errors = True
    with pytest.raises(RuntimeError):
        await Chat(bot).send("有没有500以内的跑鞋")


async def test_order_within_a_chat_and_concurrency_across_chats(bot: SupportBot) -> None:
    questions = ["有没有500以内的跑鞋", "第二个有货吗", "第一款有42码吗", "那黑色的呢", "这两款有什么区别"]
    chats = [Chat(bot, chat_id=f"c{n}", user_id=f"u{n}") for n in range(6)]
    tasks = [asyncio.create_task(chat.send(q)) for q in questions for chat in chats]  # interleaved
    results = await asyncio.gather(*tasks)
    assert all(len(out) == 1 for out in results)  # exactly one reply per message
    for chat in chats:
        turns = bot.store.recent(chat.chat_id)
        assert [t.text for t in turns if t.role == "user"] == questions  # processed in the order sent
        assert [t.role for t in turns] == ["user", "assistant"] * len(questions)
    assert len(bot._locks) == 0  # per-chat locks cleaned up


async def test_a_lone_latin_word_keeps_the_chats_language(bot: SupportBot) -> None:
    """ "done", "ok" or a model name in a Chinese chat is answered in Chinese (a one-word "done" once switched an
    order dialogue's handoff notice to English); two English words, or a new chat, are read as English."""
    zh, en = Chat(bot, chat_id="zh-chat"), Chat(bot, chat_id="en-chat")
    await zh.say("有没有500以内的跑鞋")
    await en.say("wireless earbuds under $50?")

    def said(chat: str, text: str) -> Inbound:
        return Inbound(chat_id=chat, user_id="user-1", text=text, role=Role.CUSTOMER)

    assert await bot.language_for(said("zh-chat", "done"), "done") == "zh"
    assert await bot.language_for(said("zh-chat", "iPhone"), "iPhone") == "zh"
    assert await bot.language_for(said("zh-chat", "any waterproof ones?"), "any waterproof ones?") == "en"
    assert await bot.language_for(said("en-chat", "ok"), "ok") == "en"
    assert await bot.language_for(said("new-chat", "hello"), "hello") == "en"
    assert await bot.language_for(said("new-chat", "42"), "42") == "zh"
    reply = await zh.say("ok")
    assert reply.text and any("\u4e00" <= ch <= "\u9fff" for ch in reply.text), reply.text
