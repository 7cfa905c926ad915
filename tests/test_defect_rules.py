"""After-sales by the defect named (bot/conversation/policy_scope.py, bot/orders/conversation.py): a problem the
customer caused ranks the warranty's exclusions first, a new defect inside a thread is read on its own, and a
rule question while the order flow waits for a number or proof is the policy's to answer."""

from __future__ import annotations

import pytest

from bot.conversation.policy_scope import (
    caused_by_customer,
    names_new_problem,
    problem_topics,
    term_of_problem,
)
from bot.orders.conversation import _asks_rule


@pytest.mark.parametrize(
    "text",
    [
        "耳机摔坏了能保修吗",
        "头盔摔坏了能保修吗",
        "手表进水了还能保修吗",
        "充电器我自己拆开修过，还能保修吗",
        "I dropped my earbuds and now they don't work",
        "I crashed with it, is that covered?",
    ],
)
def test_a_problem_the_customer_caused_asks_the_warranty_first(text: str) -> None:
    assert caused_by_customer(text)
    assert problem_topics(text)[0] == "warranty"


@pytest.mark.parametrize(
    "text", ["快递摔坏了", "收到的锅是摔坏的", "the pan arrived cracked, dropped in transit"]
)
def test_damage_on_the_way_is_still_an_arrival_problem(text: str) -> None:
    assert not caused_by_customer(text)


def test_a_new_defect_in_a_thread_is_its_own_problem() -> None:
    assert names_new_problem("涂层掉了能换吗", "锅收到的时候是破的")
    assert names_new_problem("铁锅生锈了算质量问题吗", "不粘锅涂层掉了")
    assert not names_new_problem("可以换吗", "不粘锅涂层掉了")
    assert not names_new_problem("涂层掉了还能换吗", "不粘锅涂层掉了")


@pytest.mark.parametrize("text", ["涂层掉了能换吗", "鞋底开胶了能换吗", "铁锅生锈了算质量问题吗"])
def test_a_rule_question_about_a_defect_is_not_the_flow_s(text: str) -> None:
    assert _asks_rule(text)


@pytest.mark.parametrize("text", ["我要退货", "13800001234", "什么时候发货", "XE20261104004"])
def test_requests_proofs_and_status_questions_stay_with_the_flow(text: str) -> None:
    assert not _asks_rule(text)


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ("保修多久", "电饭煲不加热了"),
        ("what is the warranty on it?", "The pan I received is dented"),
        ("how long is the warranty?", "my rice cooker won't heat up"),
    ],
)
def test_a_term_asked_after_a_defect_is_that_item_s_term(text: str, issue: str) -> None:
    assert term_of_problem(text, issue)


@pytest.mark.parametrize(
    ("text", "issue"),
    [("保修多久", "多久发货"), ("能开发票吗", "电饭煲不加热了"), ("保修吗", "瑜伽垫有几种")],
)
def test_a_term_after_no_defect_or_no_term_is_a_question_of_its_own(text: str, issue: str) -> None:
    assert not term_of_problem(text, issue)


def test_a_warranty_asked_about_an_item_that_arrived_damaged_quotes_the_warranty_first() -> None:
    assert problem_topics("The pan I received is dented，what is the warranty on it?")[0] == "warranty"
    assert problem_topics("The pan I received is dented")[0] == "returns"
