"""What the shop sells: the question recognised (zh + en) and answered from the catalog's departments."""

from __future__ import annotations

import pytest

from bot.conversation.shop_range import asks_open_recommendation, asks_shop_range, shop_range
from tests.support.core_fixtures import sample_products


@pytest.mark.parametrize(
    "text",
    [
        "你们卖什么",
        "你们店都有些什么东西呀",
        "what do you sell?",
        "what kinds of products do you carry",
        "有什么推荐",
    ],
)
def test_the_range_question_is_recognised(text: str) -> None:
    assert asks_shop_range(text)


@pytest.mark.parametrize("text", ["你们有什么耳机", "do you sell running shoes?", "有什么跑鞋推荐"])
def test_a_question_about_one_kind_is_a_search(text: str) -> None:
    assert not asks_shop_range(text)


def test_departments_most_stocked_first_with_their_kinds() -> None:
    ranges = dict(shop_range(list(sample_products().values())))
    assert ranges["数码"] == ["耳机", "充电器", "智能手表"] and set(ranges["运动鞋"]) == {"跑步鞋", "篮球鞋"}
    assert len(ranges) == 8


@pytest.mark.parametrize(
    ("text", "open_ask"),
    [("有什么推荐", True), ("any recommendations?", True), ("你们卖什么", False), ("有什么跑鞋推荐", False)],
)
def test_an_open_recommendation_request_is_told_from_a_range_question(text: str, open_ask: bool) -> None:
    """While products are shown, "有什么推荐" goes on with them (answer.py); "你们卖什么" is the range anyway."""
    assert asks_open_recommendation(text) is open_ask
