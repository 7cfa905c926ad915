"""Short follow-ups about an after-sales or policy issue ("运费谁出" after "面霜瓶子碎了")."""

from __future__ import annotations

import pytest

from bot.conversation.issue_followup import (
    ask_about,
    continues_issue,
    continues_order,
    lost_order_number,
    names_other_topic,
    other_item,
    with_issue,
)


@pytest.mark.parametrize(
    "text",
    [
        "运费谁出",
        "要多久内反馈",
        "怎么申请",
        "可以换吗",
        "能换新吗",
        "要我自己付运费吗",
        "what's the warranty on it",
    ],
)
def test_short_questions_about_the_issue_continue_it(text: str) -> None:
    assert continues_issue(text)


@pytest.mark.parametrize(
    "text",
    [
        "推荐一款保湿面霜",
        "有没有500以内的跑鞋",
        "hello",
        "",
        "我想问一下这个退款的事情，之前在你们家买了好几样东西一直都没有收到任何通知，到底怎么回事呢",
    ],
)
def test_other_messages_do_not(text: str) -> None:
    assert not continues_issue(text)


def test_the_follow_up_is_read_with_its_issue() -> None:
    assert with_issue("运费谁出", "收到的面霜瓶子碎了") == "收到的面霜瓶子碎了，运费谁出"
    assert with_issue("运费谁出", "") == "运费谁出"


def test_a_follow_up_naming_its_own_policy_matter_is_a_new_question() -> None:
    assert names_other_topic("可以退货吗", "多久发货")  # returns after shipping: its own question
    assert names_other_topic("can I return it?", "how long does shipping take")
    assert not names_other_topic(
        "运费谁出", "收到的面霜瓶子碎了"
    )  # the damaged item's postage: the same issue
    assert not names_other_topic("退款多久到账", "我要退款，瓶子碎了")  # the issue named the refund already


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("那滑板车呢", "滑板车"),
        ("那电饭煲呢？", "电饭煲"),
        ("空气炸锅的呢", "空气炸锅"),
        ("换成坚果怎么样", "坚果"),
        ("and for pans?", "pans"),
        ("what about the kettle", "kettle"),
        ("那个呢", None),  # a reference
        ("黑色的呢", None),  # a refinement
        ("42码的呢", None),
        ("那退货呢", None),  # a policy matter of its own
        ("便宜点的呢", None),
        ("推荐一款保湿面霜", None),
    ],
)
def test_another_item_is_read_from_a_short_follow_up(text: str, item: str | None) -> None:
    assert other_item(text) == item


def test_the_issue_is_asked_again_about_the_other_item() -> None:
    assert ask_about("耳机保修多久", "电饭煲", [(0, 2)]) == "电饭煲保修多久"
    assert ask_about("面霜拆封了能退吗", "坚果", [(0, 2)]) == "坚果拆封了能退吗"
    assert ask_about("what's the warranty on earbuds?", "pans", [(23, 30)]) == "what's the warranty on pans?"
    assert ask_about("保修多久", "电饭煲", []) == "电饭煲保修多久"
    assert ask_about("how long is the warranty", "pans", []) == "pans how long is the warranty"


@pytest.mark.parametrize(
    "text",
    [
        "能帮我查一下吗",
        "帮我查查呗",
        "已经五天了",
        "it's been 5 days and nothing arrived",
        "can you check it for me?",
    ],
)
def test_short_order_follow_ups_go_on_with_the_order(text: str) -> None:
    assert continues_order(text)


@pytest.mark.parametrize("text", ["推荐个耳机", "运费多少", "好的谢谢", "what colours does it come in"])
def test_other_messages_are_no_order_follow_up(text: str) -> None:
    assert not continues_order(text)


@pytest.mark.parametrize(
    ("text", "lost"),
    [
        ("订单号我忘了，怎么查", True),
        ("不记得订单号了怎么办", True),
        ("I lost my order number, how do I find it?", True),
        ("can't find my order number", True),
        ("XE7002 怎么还没有物流单号", False),  # a tracking number not there yet: the order flow's question
        ("我的订单号是 XE20261127001", False),
    ],
)
def test_a_lost_order_number_is_told_apart(text: str, lost: bool) -> None:
    assert lost_order_number(text) is lost
