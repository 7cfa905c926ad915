"""Understanding learnt from a sixth shop's own catalog (coffee, tea, kitchenware, camping:
tests/data/coffee_camping_catalog.csv): purposes that are not categories, other-script brand names in titles,
orderings by a temperature, and kinds named only by a tag in the other language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.conversation.kinds import titled_kind
from bot.conversation.ordering import measure, order, ordering_in
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product
from knowledge.query import QueryParser
from knowledge.vocabulary import learnt_brand_aliases

DATA = Path(__file__).parent / "data"
COFFEE = DATA / "coffee_camping_catalog.csv"


@cache
def _shop() -> tuple[QueryParser, InMemoryProductIndex, dict[str, Product]]:
    products = load_catalog(COFFEE).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index, {p.sku: p for p in products}


def _search(text: str) -> list[str]:
    parser, index, _ = _shop()
    parsed = parser.parse(text)
    return [h.sku for h in index.search(" ".join(parsed.keywords), k=20, filters=parsed.filters)]


@pytest.mark.parametrize(
    ("text", "category", "sku"),
    [
        ("有没有适合露营的保温壶", None, "FLK-STA-1L"),  # a bottle for camping, filed under 保温杯
        ("露营用的保温壶", None, "FLK-STA-1L"),
        ("适合露营的保温杯", "厨具/保温杯", "FLK-STA-1L"),  # the kind named after the purpose is the category
    ],
)
def test_a_purpose_before_another_kind_is_no_category(text: str, category: str | None, sku: str) -> None:
    parser, _, _ = _shop()
    assert parser.parse(text).filters.category == category
    assert sku in _search(text)


def test_a_purpose_alone_still_names_its_category() -> None:
    parser, _, _ = _shop()
    assert parser.parse("适合露营的").filters.category == "露营"
    assert parser.parse("露营装备").filters.category == "露营"


def test_a_brands_other_name_is_learnt_from_its_titles() -> None:
    products = load_catalog(COFFEE).products
    assert learnt_brand_aliases(products) == {"凯乐石": "KAILAS"}  # all three KAILAS titles say 凯乐石
    parser, _, _ = _shop()
    assert parser.parse("凯乐石鹅绒睡袋多少钱").filters.brand == "KAILAS"
    assert _search("凯乐石鹅绒睡袋") == ["BAG-KZ-DOWN"]  # no longer the Sea to Summit down bag too


def test_one_products_word_after_its_brand_is_no_alias() -> None:
    # a single title cannot tell a brand's other name from a series or a kind ("Kovea 韩国 卡式炉")
    solo = [
        Product(sku="A", title="Kovea 韩国 卡式炉", brand="Kovea"),
        Product(sku="B", title="德龙 Dedica 咖啡机", brand="德龙"),
        Product(sku="C", title="Foo 福 一号", brand="Foo"),
        Product(sku="D", title="Foo 福 二号", brand="Foo"),
        Product(sku="E", title="Bar 咖啡机 X1", brand="Bar"),
        Product(sku="F", title="Bar 咖啡机 X2", brand="Bar"),
    ]
    # 福 is one character; 咖啡机 is a kind word of the catalog
    assert learnt_brand_aliases(solo, kinds=["咖啡机"]) == {}


def test_warmth_is_the_lowest_comfort_temperature() -> None:
    cold, hours = measure("-10℃"), measure("3-8小时")
    assert cold is not None and cold.amount == -10 and cold.dimension == "temperature"
    assert hours is not None and hours.amount == 8  # a range's dash is no minus sign
    _, _, products = _shop()
    bags = [p for p in products.values() if p.category == "露营/睡袋"]
    for text in ("哪个最暖和", "睡袋哪個最暖", "which one is the warmest"):
        ordering = ordering_in(text)
        assert ordering is not None and ordering.attribute == "warmth" and not ordering.descending
        assert order(bags, ordering)[0][0].sku == "BAG-KZ-DOWN"  # -10℃
    cool = ordering_in("哪个最凉快")
    assert cool is not None and order(bags, cool)[0][0].sku == "BAG-NH-U250"  # 15℃


def test_a_kind_named_only_by_a_tag_in_the_other_language_is_sold() -> None:
    _, _, products = _shop()
    assert titled_kind("厨师机", products["BAK-KIT-AID"])  # "KitchenAid … Stand Mixer", tagged 厨师机
    assert titled_kind("保温壶", products["FLK-STA-1L"])
