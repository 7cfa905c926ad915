"""A part or figure asked of the product in focus ("水箱多大") and a request for anything ("随便推荐点")."""

from __future__ import annotations

import pytest

from bot.conversation.answer import spread_kinds
from bot.conversation.attribute_answers import feature_lines
from bot.conversation.cards import Phrases
from bot.conversation.conversion import conversion_asked
from bot.conversation.gifts import browse_request
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from bot.prompts import Messages
from knowledge.models import SearchHit
from tests.support.core_fixtures import sample_products

P = sample_products()
ZH = Phrases(Messages(DEFAULT_PROMPTS_DIR / "replies.yaml"), "zh")


def test_a_part_is_answered_from_the_value_or_description_that_names_it() -> None:
    coffee = P["APP-007"]
    assert "1.1L水箱" in feature_lines(ZH, coffee, ["水箱"])[0]
    assert "15bar压力" in feature_lines(ZH, coffee, ["压力"])[0]  # the description's own part, not all of it
    assert "机身只有15cm宽" in feature_lines(ZH, coffee, ["机身"])[0]
    unknown = feature_lines(ZH, P["APP-001"], ["内胆"])[0]
    assert "没有写" in unknown and "内胆" in unknown


@pytest.mark.parametrize("text", ["随便推荐点", "你随便推荐几个吧", "随便看看，有啥推荐的", "surprise me"])
def test_a_request_for_anything_is_browsing(text: str) -> None:
    request = browse_request(text)
    assert request is not None and request.browse and request.vague


@pytest.mark.parametrize(
    "text", ["👶🍼 有什么推荐", "有什么耳机推荐", "推荐一款降噪耳机", "随便吧，500以内的耳机"]
)
def test_a_request_that_names_something_is_not_browsing(text: str) -> None:
    assert browse_request(text) is None


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("19.99美元大概多少人民币", "USD", "CNY"),
        ("500块是多少美元", "CNY", "USD"),
        ("how much is $19.99 in yuan?", "USD", "CNY"),
        ("convert 100 usd to rmb", "USD", "CNY"),
    ],
)
def test_a_conversion_is_asked(text: str, source: str, target: str) -> None:
    asked = conversion_asked(text)
    assert asked is not None and (asked.source, asked.target) == (source, target)


@pytest.mark.parametrize(
    "text", ["100美元以内的耳机", "Sennheiser多少钱", "这个多少人民币", "$300 以内的头戴耳机"]
)
def test_a_budget_or_a_price_question_is_no_conversion(text: str) -> None:
    assert conversion_asked(text) is None


def test_a_department_spreads_its_kinds_and_one_kind_stays_as_ranked() -> None:
    shoes = [SearchHit(P[s], 1.0) for s in ("RUN-005", "RUN-007", "RUN-011", "BSK-006", "BSK-007")]
    assert [h.sku for h in spread_kinds(shoes, "运动鞋")] == [
        "RUN-005",
        "BSK-006",
        "RUN-007",
        "BSK-007",
        "RUN-011",
    ]
    running = shoes[:3]
    assert spread_kinds(running, "运动鞋") == running
    assert spread_kinds(shoes, "运动鞋/跑步鞋") == shoes  # a kind asked: no other kind is lifted
