"""Short follow-ups about an after-sales or policy issue ("运费谁出" after "面霜瓶子碎了")."""

from __future__ import annotations

import pytest

from bot.conversation.issue_followup import continues_issue, with_issue


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
