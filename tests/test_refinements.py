"""Refinements that say what to change: another brand, more of the same, bigger or smaller (demo catalog)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation.dialogue_state import merge_filters
from bot.conversation.refinements import (
    asks_cheaper_items,
    asks_more,
    asks_other_brand,
    measure,
    shown_brands,
    size_step,
    sized_from,
)
from bot.conversation.size_miss import size_filter, sizes_offered
from knowledge.models import QueryFilters
from tests.support.core_fixtures import sample_products

P = sample_products()


@pytest.mark.parametrize(
    "text", ["换个牌子", "有别的品牌吗", "其他牌子的呢", "a different brand?", "other brands"]
)
def test_another_brand_is_asked(text: str) -> None:
    assert asks_other_brand(text)


@pytest.mark.parametrize(
    "text", ["还有别的吗", "还有吗？", "再推荐几款", "其他的呢", "any others?", "show me more"]
)
def test_more_is_asked(text: str) -> None:
    assert asks_more(text)


@pytest.mark.parametrize("text", ["还有什么数码产品", "还有充电器吗", "别的颜色", "more expensive ones"])
def test_a_new_request_is_not_more(text: str) -> None:
    assert not asks_more(text)


def test_bigger_and_smaller_compare_sizes_as_numbers_in_one_unit() -> None:
    assert size_step("换个大一点的") == 1 and size_step("有没有小一号的") == -1 and size_step("推荐炒锅") == 0
    wok, power = P["POT-001"], P["CHG-011"]  # a 30 cm wok, a 20000 mAh power bank
    assert measure(wok) == (Decimal("30"), "cm") and measure(power) == (Decimal("20000"), "mah")
    catalog = list(P.values())
    assert [p.sku for p in sized_from(wok, catalog, 1)] == ["POT-003", "POT-004"]  # 32 cm, then 34 cm
    assert [p.sku for p in sized_from(power, catalog, 1)] == ["CHG-010"]  # 24000 mAh
    assert sized_from(P["CHG-010"], catalog, 1) == []  # nothing bigger: said so, never padded
    assert "CHG-010" not in {p.sku for p in sized_from(power, catalog, -1)}


def test_shown_brands_once_each_in_order() -> None:
    assert shown_brands([P["CRM-001"], P["CRM-002"], P["CRM-001"]]) == ("兰蔻", "雅诗兰黛")


def test_a_category_asked_for_by_name_lifts_its_exclusion() -> None:
    ruled_out = QueryFilters(category="数码", exclude_categories=("数码/耳机", "数码/智能手表"))
    merged = merge_filters(ruled_out, QueryFilters(category="数码/智能手表"))
    assert merged.exclude_categories == ("数码/耳机",) and merged.category == "数码/智能手表"


@pytest.mark.parametrize(
    "text", ["换个", "换一批", "换几个看看", "那就换一批吧", "something else", "different ones?"]
)
def test_a_change_asks_for_other_products(text: str) -> None:
    assert asks_more(text)


@pytest.mark.parametrize("text", ["换个牌子", "换个大一点的", "换个颜色"])
def test_a_change_of_one_thing_is_not_a_bare_change(text: str) -> None:
    assert not asks_more(text)


@pytest.mark.parametrize(
    ("text", "cheaper"),
    [
        ("再便宜点", True),
        ("有没有更便宜一些的", True),
        ("还便宜点的呢？", True),
        ("能再便宜点吗", False),
        ("便宜点卖我吧", False),
    ],
)
def test_cheaper_items_are_told_from_a_bargain(text: str, cheaper: bool) -> None:
    assert asks_cheaper_items(text) is cheaper


def test_the_sizes_a_kind_comes_in_are_numbers_in_order() -> None:
    basketball = [p for p in P.values() if p.category.endswith("篮球鞋")]
    assert sizes_offered(basketball, "size") == ["39", "40", "41", "42", "43", "44", "45"]
    assert size_filter({"gender": "男", "size": "35"}) == ("size", "35")
    assert size_filter({"capacity": "500ml"}) is None
