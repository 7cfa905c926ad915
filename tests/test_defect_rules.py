"""After-sales by the defect named (bot/conversation/policy_scope.py, bot/orders/conversation.py): a problem the
customer caused ranks the warranty's exclusions first, a new defect inside a thread is read on its own, and a
rule question while the order flow waits for a number or proof is the policy's to answer."""

from __future__ import annotations

import pytest

from bot.conversation.policy_scope import caused_by_customer, names_new_problem, problem_topics
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
