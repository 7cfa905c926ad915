"""A colour filter matches the catalog's other spellings of that colour (catalogs and shoppers mix languages)."""

from __future__ import annotations

from decimal import Decimal

from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product, QueryFilters


def _shoe(sku: str, colour: str) -> Product:
    return Product(
        sku=sku,
        title=f"跑步鞋 running shoe {sku}",
        category="运动鞋/跑步鞋",
        price=Decimal("399"),
        stock=5,
        attributes={"color": colour},
    )


def test_black_matches_黑色_and_the_reverse_but_not_white() -> None:
    index = InMemoryProductIndex()
    index.upsert([_shoe("A", "黑色;白色"), _shoe("B", "black"), _shoe("C", "白色"), _shoe("D", "曜石黑")])
    for asked in ("black", "黑色", "Black"):
        hits = index.search(
            "跑步鞋 running shoe", k=10, filters=QueryFilters(attributes={"color": asked}), include_weak=True
        )
        assert {h.sku for h in hits} == {"A", "B", "D"}, asked


def test_an_unknown_colour_only_matches_itself() -> None:
    index = InMemoryProductIndex()
    index.upsert([_shoe("A", "薄荷绿"), _shoe("B", "黑色")])
    hits = index.search(
        "跑步鞋", k=10, filters=QueryFilters(attributes={"color": "薄荷绿"}), include_weak=True
    )
    assert [h.sku for h in hits] == ["A"]
