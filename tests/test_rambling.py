"""Long messages with the request in the middle (bot/conversation/rambling.py) and English question words around
a product name (understanding._missing_name): the story is not searched, "in stock" is not part of a name."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.gifts import names_occasion
from bot.conversation.rambling import focused
from tests.support.core_fixtures import Chat, make_bot


def _kind(clause: str) -> bool:
    return any(k in clause for k in ("被子", "茶叶", "跑鞋", "shoes"))


def test_the_request_clauses_are_kept_and_the_story_dropped() -> None:
    text = "你好呀，最近天气越来越热了，我晚上睡觉老是出汗，想换一床凉快点的被子，你们有没有夏天盖的被子，最好别太贵，谢谢啦"
    assert focused(text, _kind) == "想换一床凉快点的被子，你们有没有夏天盖的被子，最好别太贵"
    assert focused("推荐跑鞋，500以内", _kind) is None  # short: read whole
    assert focused("我妈妈生日快到了，想送她点好茶叶，预算600以内", _kind) is None  # every clause counts


def test_occasions_and_recipients_are_not_products() -> None:
    assert names_occasion("生日") and names_occasion("妈妈")
    assert not names_occasion("瑜伽垫") and not names_occasion("篮球鞋")


async def test_rambling_and_recipient_requests_through_the_bot(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    quilt = await Chat(bot, chat_id="a").say(
        "你好呀，最近天气越来越热了，我晚上睡觉老是出汗，想换一床凉快点的被子，你们有没有夏天盖的被子，最好别太贵，谢谢啦"
    )
    assert "夏凉被" in quilt.text and "冬被" not in quilt.text
    tea = await Chat(bot, chat_id="b").say("送妈妈茶叶")
    assert "龙井" in tea.text and "东方树叶" not in tea.text
    stock = await Chat(bot, chat_id="c").say("Is the Keep yoga mat in stock?")
    assert "Keep 加厚防滑瑜伽垫" in stock.text and "don't have" not in stock.text


def test_a_message_focused_would_not_cut_skips_it() -> None:
    """`may_focus` is False only where `focused` returns None (the core then skips its thread hand-off):
    every message of the conversation sets, with a kind test that calls every clause a product kind."""
    from bot.conversation.rambling import may_focus
    from knowledge.yaml_data import load_yaml

    texts: list[str] = []
    for path in sorted((Path(__file__).parent / "data").glob("*conversations*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"))
        for case in data if isinstance(data, list) else data.get("cases", []):
            turns = case.get("turns", []) if isinstance(case, dict) else []
            texts += [t if isinstance(t, str) else str(t.get("text", "")) for t in turns]
    texts += ["我想给妈妈买个礼物，她平时喜欢喝茶，最近身体不太好，有没有推荐的茶叶", "有没有跑步鞋"]
    assert len(texts) > 100
    for text in texts:
        if not may_focus(text):
            assert focused(text, lambda clause: True) is None, text
    # long but of one clause: nothing to cut, no hand-off; a story of several clauses is focused
    assert not may_focus("Nike Air Zoom Pegasus 41 多少钱") and not may_focus(
        "any running shoes under 1000 yuan?"
    )
    assert may_focus("我想给妈妈买个礼物，她平时喜欢喝茶，最近身体不太好，有没有推荐的茶叶")
