"""Without an order source, an order question that already carries its order number asks only for the proof of
identity (tester12e C14: the number was asked for again); without the number, both are asked for."""

from __future__ import annotations

from pathlib import Path

from tests.support.core_fixtures import Chat, make_bot


async def test_an_order_number_given_up_front_is_not_asked_for_again(tmp_path: Path) -> None:
    chat = Chat(make_bot(tmp_path))
    reply = await chat.say("我的快递到哪了？订单号 XE20261127001")
    assert "请提供订单号" not in reply.text and "订单号已收到" in reply.text
    assert "手机号后四位" in reply.text and "/human" in reply.text
    english = await Chat(make_bot(tmp_path / "en")).say("where is my parcel? order number XE20261127001")
    assert "Please send the order number" not in english.text and "last 4 digits" in english.text


async def test_without_the_number_both_are_asked_for(tmp_path: Path) -> None:
    reply = await Chat(make_bot(tmp_path)).say("我的快递到哪了")
    assert "请提供订单号" in reply.text and "手机号后四位" in reply.text


async def test_a_payment_time_after_a_dispatch_question_applies_the_cutoff(tmp_path: Path) -> None:
    chat = Chat(make_bot(tmp_path))
    await chat.say("今天下单什么时候发货")
    reply = await chat.say("我是晚上9点付的款")
    assert "21:00" in reply.text and "16:00" in reply.text and "下一个工作日" in reply.text
    assert "帮不上忙" not in reply.text
