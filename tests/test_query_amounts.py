"""Money in queries: vague Chinese amounts as ranges, and the currency a budget is written in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import Product
from knowledge.prices import parse_price
from knowledge.query import QueryParser
from knowledge.resources import normalise_text

D = Decimal

AMOUNT_CASES: list[tuple[str, Decimal | None, Decimal | None]] = [
    ("2-3k的耳机", D(2000), D(3000)),
    ("1-2k", D(1000), D(2000)),
    ("2-300块", D(200), D(300)),  # shoppers write the unit once
    ("200-3k", D(200), D(3000)),
    ("两到三千", D(2000), D(3000)),
    ("在200和3000之间", D(200), D(3000)),
    ("在200到500之间的面霜", D(200), D(500)),
    ("几百块的手表", D(100), D("999.99")),
    ("几十块的坚果", D(10), D("99.99")),
    ("几千", D(1000), D("9999.99")),
    ("好几千的手表", D(2000), D("9999.99")),
    ("好几百", D(200), D("999.99")),
    ("十几块", D(11), D("19.99")),
    ("一两千的篮球鞋", D(1000), D(2000)),
    ("七八百", D(700), D(800)),
    ("两百出头的防晒", D(200), D(250)),
    ("三千出头", D(3000), D(3500)),
    ("千把块的跑鞋", D(800), D(1200)),
    ("百把块", D(80), D(120)),
    ("300左右", D(240), D(360)),
    ("1000上下", D(800), D(1200)),
    ("不超过500", None, D(500)),
    ("至少200", D(200), None),
    ("$50 and under", None, D(50)),
    ("between $20 and $40", D(20), D(40)),
    ("一千五以内", None, D(1500)),
]

NOT_AMOUNTS = ["几十个人", "十几天", "几百毫安", "65W以上的充电器", "100w快充", "几个", "十几年"]


@pytest.mark.parametrize(("text", "low", "high"), AMOUNT_CASES)
def test_vague_and_ranged_amounts(text: str, low: Decimal | None, high: Decimal | None) -> None:
    bounds = parse_price(normalise_text(text))
    assert (bounds.min_price, bounds.max_price) == (low, high)


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_counts_durations_and_watts_are_not_money(text: str) -> None:
    assert parse_price(normalise_text(text)).spans == ()


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("500元以内", "CNY"),
        ("300块左右", "CNY"),
        ("¥99", "CNY"),
        ("200 rmb max", "CNY"),
        ("under 100 yuan", "CNY"),
        ("under $20", "USD"),
        ("50 dollars or less", "USD"),
        ("50-100美元", "USD"),
        ("€30 max", "EUR"),
        ("500以内", None),
        ("2-3k", None),
    ],
)
def test_the_currency_written_with_an_amount(text: str, currency: str | None) -> None:
    assert parse_price(normalise_text(text)).currency == currency


def _parser(currency: str) -> QueryParser:
    products = [
        Product(
            sku=f"P{i}", title=f"Widget {i}", category="Tools/Widgets", price=D(10 * i), currency=currency
        )
        for i in range(1, 4)
    ]
    vocabulary = build_vocabulary(products)
    return QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))


def test_a_bare_budget_is_in_the_catalogs_own_currency() -> None:
    assert _parser("USD").parse("widgets under 25").filters.currency == "USD"
    assert _parser("CNY").parse("500以内的工具").filters.currency == "CNY"
    assert _parser("CNY").parse("widgets under $25").filters.currency == "USD"  # written wins
    assert _parser("CNY").parse("widgets").filters.currency is None  # no budget, no currency
