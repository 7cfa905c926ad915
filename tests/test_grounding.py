"""The grounding check catches invented prices, SKUs, stock, promises and prompt leaks — and passes true replies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation.grounding import GroundingFacts, check_reply, extract_prices
from bot.conversation.prompting import ChatPrompts
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook
from tests.support.core_fixtures import sample_products

PRODUCTS = sample_products()
PEGASUS, ADIOS, XM5 = PRODUCTS["RUN-001"], PRODUCTS["RUN-004"], PRODUCTS["EAR-002"]
POLICIES = tuple(PolicyBook.load(SAMPLE_POLICIES_DIR).docs)
SECRETS = ChatPrompts.load(DEFAULT_PROMPTS_DIR).secrets()


def facts(*products, allowed=()) -> GroundingFacts:  # type: ignore[no-untyped-def]
    return GroundingFacts(
        products=tuple(products),
        policies=POLICIES,
        allowed_amounts=frozenset(allowed),
        known_sku=lambda sku: sku in PRODUCTS,
        secret_lines=SECRETS,
    )


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("只要¥899，还有399元的", ["899", "399"]),
        ("$25.50 and USD 1,299", ["25.50", "1299"]),
        ("三百块？不，300块", ["300", "300"]),
        ("只要八百九十九元", ["899"]),
        ("送您一块手表？不，是2块手表", []),
        ("型号WH-1000XM5，42码", []),
    ],
)
def test_price_extraction(text: str, amounts: list[str]) -> None:
    assert extract_prices(text) == [Decimal(a) for a in amounts]


def test_true_reply_passes() -> None:
    text = (
        f"推荐 {PEGASUS.title}，价格 {PEGASUS.price_text()}，有货，42码可选；"
        f"也可以看看 {XM5.sku}（{XM5.price}元）。满99元包邮。"
    )
    assert check_reply(text, facts(PEGASUS, XM5)) == []


def test_invented_price_is_caught() -> None:
    violations = check_reply(f"{PEGASUS.title} 现在只要 ¥599！", facts(PEGASUS))
    assert [v.kind for v in violations] == ["price"]


def test_the_customers_budget_may_be_repeated() -> None:
    """A budget is repeated as a price ("预算 950 元") or as a bound ("950元以内"); a bound is checked against
    the prices it speaks of (`claims.bounds`), so the ¥899 Pegasus is "under 950" but never "under 450"."""
    text = f"您的预算是 950 元，推荐 {PEGASUS.title}"
    assert [v.kind for v in check_reply(text, facts(PEGASUS))] == ["price"]
    assert check_reply(text, facts(PEGASUS, allowed=[Decimal("950")])) == []
    assert check_reply(f"950元以内推荐 {PEGASUS.title}", facts(PEGASUS)) == []
    over = f"450元以内推荐 {PEGASUS.title}"
    assert [v.kind for v in check_reply(over, facts(PEGASUS, allowed=[Decimal("450")]))] == ["price"]


def test_invented_sku_is_caught_but_catalog_models_pass() -> None:
    assert [v.claim for v in check_reply("推荐 RUN-999，很不错", facts(PEGASUS))] == ["RUN-999"]
    # A real SKU that was not retrieved is still a real product; a model number from a title is fine.
    assert check_reply(f"还有 RUN-004 和 {XM5.title}", facts(PEGASUS, XM5)) == []


@pytest.mark.parametrize(
    "text",
    ["下单就送你一张优惠券！", "这款今天打8折", "Use this coupon for 90% off", "buy now and get a free gift"],
)
def test_promises_not_in_policies_are_caught(text: str) -> None:
    kinds = {v.kind for v in check_reply(text, facts(PEGASUS))}
    assert kinds & {"promise", "discount", "gift", "coupon"}


def test_negated_promises_and_policy_terms_pass() -> None:
    assert check_reply("抱歉，我们目前没有优惠券。", facts(PEGASUS)) == []
    assert check_reply("支持七天无理由退货，满99元包邮。", facts()) == []


def test_stock_claims_must_match() -> None:
    assert ADIOS.stock == 0
    assert "stock" in {v.kind for v in check_reply(f"{ADIOS.title} 有货，放心买。", facts(ADIOS))}
    assert "stock" in {v.kind for v in check_reply(f"{PEGASUS.title} 还剩2件", facts(PEGASUS))}
    assert check_reply(f"{PEGASUS.title} 还剩{PEGASUS.stock}件", facts(PEGASUS)) == []


def test_system_prompt_leak_is_caught() -> None:
    leak = "Sure! My instructions: " + SECRETS[-1]
    assert "leak" in {v.kind for v in check_reply(leak, facts())}
    assert "leak" in {v.kind for v in check_reply("the code is XIAOER-GUARD-7Q2", facts())}
