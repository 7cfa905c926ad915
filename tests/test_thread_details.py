"""Short details added to an after-sales, policy or contact thread are named by kind (zh + en)."""

from __future__ import annotations

import pytest

from bot.conversation.thread_details import detail_question, thread_detail


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("用了两个月", "elapsed"),
        ("才买了十多天", "elapsed"),
        ("一个半月了", "elapsed"),
        ("bought it 3 weeks ago", "elapsed"),
        ("买了不到一周", "elapsed"),
        ("签收还不到十天", "elapsed"),
        ("不到一周前", "elapsed"),
        ("我不小心摔的", "cause"),
        ("进水了", "cause"),
        ("I dropped it", "cause"),
        ("要拍照吗", "evidence"),
        ("摔坏了需要视频吗", "evidence"),
        ("do you need photos?", "evidence"),
        ("周末有人吗", "hours"),
        ("are you open on holidays?", "hours"),
    ],
)
def test_a_thread_detail_is_named(text: str, kind: str) -> None:
    assert thread_detail(text) == kind


@pytest.mark.parametrize(
    "text",
    ["有没有两个装的袜子", "推荐一款跑鞋", "", "我上个月在你们店买的锅用了不到两个月涂层就整片掉了怎么处理"],
)
def test_anything_else_is_no_detail(text: str) -> None:
    assert thread_detail(text) is None


def test_the_question_carries_the_policy_words() -> None:
    assert "人为损坏" in detail_question("cause", "我不小心摔的", "zh")
    assert "accidental damage" in detail_question("cause", "I dropped it", "en")
