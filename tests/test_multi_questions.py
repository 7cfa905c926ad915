"""A message asking about a product AND a shop rule (bot/conversation/multi_questions.py): cut into clauses,
the rule clauses apart from the rest, and — through the real offline bot — every part answered in order."""

from __future__ import annotations

import pytest

from bot.conversation.multi_questions import is_question, question_parts, split_questions


def test_clauses_are_cut_at_question_ends_commas_and_also() -> None:
    assert question_parts("Pegasus 41 有42码吗？可以分期吗") == ["Pegasus 41 有42码吗", "可以分期吗"]
    assert question_parts("Sony WH-1000XM5 多少钱，满多少包邮") == ["Sony WH-1000XM5 多少钱", "满多少包邮"]
    assert question_parts("Is the Keep yoga mat in stock? Also do you accept PayPal?") == [
        "Is the Keep yoga mat in stock",
        "Also do you accept PayPal",
    ]
    assert question_parts("How much is the Momentum 4, and can I return it?") == [
        "How much is the Momentum 4",
        "and can I return it",
    ]
    assert question_parts("推荐跑鞋") == ["推荐跑鞋"]


@pytest.mark.parametrize("text", ["可以分期吗", "满多少包邮", "do you accept PayPal?", "保修多久"])
def test_questions_are_told_from_statements(text: str) -> None:
    assert is_question(text)
    assert not is_question("我老公最近开始跑马拉松了")


def _rule(part: str) -> bool:
    return any(w in part for w in ("分期", "包邮", "保修", "PayPal"))


def _product(part: str) -> bool:
    return any(w in part for w in ("Pegasus", "耳机", "跑鞋", "yoga mat"))


def test_a_split_needs_a_rule_part_and_a_product_part_and_keeps_the_rest_in_order() -> None:
    split = split_questions("我想给他买跑鞋，预算1500以内，可以分期吗", _rule, _product)
    assert split is not None
    assert split.policy == ("可以分期吗",) and split.rest == "我想给他买跑鞋，预算1500以内"
    assert not split.policy_first
    first = split_questions("能分期吗？Pegasus 41 有42码吗", _rule, _product)
    assert first is not None and first.policy_first
    assert split_questions("耳机保修多久？能分期吗", _rule, _product) is None  # rules only
    assert split_questions("推荐跑鞋，500以内", _rule, _product) is None  # products only
    assert split_questions("Pegasus 41 有42码吗", _rule, _product) is None  # one clause
