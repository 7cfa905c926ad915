"""Product mentions (entity linking) over the sample catalog and over a catalog built here, plus orderings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation.named import CatalogNames
from bot.conversation.ordering import Ordering, measure, order, ordering_in
from knowledge.mentions import MentionIndex
from knowledge.models import Product
from tests.support.core_fixtures import sample_knowledge, sample_products

P = sample_products()
INDEX = CatalogNames(sample_knowledge(dense=False).index.mention_index, P.get)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("森海塞尔 Momentum 4 什么价格", [("EAR-016",)]),
        ("pegasus41多少钱", [("RUN-001", "RUN-020")]),
        ("索尼 WF1000XM5 有货吗", [("EAR-002",)]),
        ("ＡｉｒＰｏｄｓ　Ｐｒｏ　２多少钱", [("EAR-003",)]),
        ("我要那个 XM5 头戴的，多少钱", [("EAR-001",)]),
        ("华为GT5多少钱", [("WAT-001",)]),
        ("kayano31多少钱", [("RUN-012",)]),
        ("Sony WH-1000XM5 和 Bose QC Ultra 有什么区别", [("EAR-001",), ("EAR-014",)]),
        ("美的电饭煲和米家电饭煲有什么区别", [("APP-001",), ("APP-002",)]),
        ("Invincible 3 和女款 Pegasus 41 哪个轻", [("RUN-002",), ("RUN-020",)]),
        ("AirPods Max 多少钱", []),
        ("Anker PowerCore 10000 有吗", []),
        ("华为的耳机有哪些", []),
        ("推荐一款不粘锅", []),
        ("what's the cheapest sunscreen you have?", []),
        ("looking for women's running shoes size 38", []),  # a kind; Brooks' title merely has the words
        ("Brooks Ghost 16 size 38", [("RUN-018",)]),
    ],
)
def test_sample_catalog_mentions(text: str, expected: list[tuple[str, ...]]) -> None:
    assert [m.skus for m in INDEX.find(text)] == expected


def test_mentions_are_built_from_any_catalog() -> None:
    books = [
        Product(sku="B1", title="三体（全三册）", brand="重庆出版社", category="图书/小说", tags=("科幻",)),
        Product(
            sku="B2", title="The Three-Body Problem (English Edition)", brand="Tor", category="图书/小说"
        ),
        Product(
            sku="K1", title="Victorinox Fibrox Chef's Knife 8 inch", brand="Victorinox", category="厨房/刀具"
        ),
    ]
    built = MentionIndex.build(books)
    index = CatalogNames(lambda: built, {p.sku: p for p in books}.get)
    assert [m.skus for m in index.find("三体多少钱")] == [("B1",)]
    assert [m.skus for m in index.find("three-body problem price")] == [("B2",)]
    assert [m.skus for m in index.find("victorinox chef knife")] == [("K1",)]
    assert index.find("科幻小说推荐") == []


def test_orderings_parse_units_and_keep_currencies_apart() -> None:
    assert measure("8小时（含盒24小时）").amount == 8  # type: ignore[union-attr]
    assert measure("14天").amount == 336 and measure("10 days").amount == 240  # type: ignore[union-attr]
    assert measure("1.5kg").amount == 1500 and measure("1008").dimension == "count"  # type: ignore[union-attr]
    assert ordering_in("你们家最轻的跑鞋是哪双") == Ordering("weight", False, True)
    assert ordering_in("which headphones have the longest battery life?") == Ordering("battery", True, True)
    assert ordering_in("便宜的那个有货吗") is None
    cheapest = order([P["EAR-017"], P["EAR-019"], P["EAR-011"]], Ordering("price", False, True))
    assert cheapest[0][0].sku == "EAR-019" and all(p.currency == "CNY" for p, _ in cheapest)
    lightest = order([P["RUN-005"], P["RUN-007"], P["BSK-001"]], Ordering("weight", False, True))
    assert [p.sku for p, _ in lightest] == ["RUN-007", "RUN-005"]  # BSK-001 lists no weight
    assert order([P["WAT-001"], P["WAT-006"]], Ordering("battery", True, True))[0][1].amount == Decimal(576)


def test_each_side_of_a_comparison_names_one_product() -> None:
    assert [m.skus for m in INDEX.find("龙井和铁观音哪个贵")] == [("TEA-001",), ("TEA-002",)]
    assert [m.skus for m in INDEX.find("COROS PACE 3 跟佳明265比，续航差多少")] == [
        ("WAT-006",),
        ("WAT-005",),
    ]
    assert INDEX.find("耳机和充电器哪个好") == []
