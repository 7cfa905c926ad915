"""Understanding learnt from an eighth shop's own catalog (stationery and art supplies:
tests/data/stationery_art_catalog.csv): English words for kinds listed in Chinese, a brand followed by 的 and a
kind in a comparison, and purpose words that are not the kind asked for."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from bot.conversation.answer import names_purpose
from bot.conversation.asks import ATTRIBUTE_WORDS, attribute_asks
from bot.conversation.attribute_answers import _listed_alias, described
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.mentions import MentionIndex
from knowledge.models import Product
from knowledge.prices import parse_price
from knowledge.query import QueryParser

DATA = Path(__file__).parent / "data"
STATIONERY = DATA / "stationery_art_catalog.csv"


@cache
def _shop() -> tuple[QueryParser, InMemoryProductIndex, list[Product]]:
    products = load_catalog(STATIONERY).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index, list(products)


def _search(text: str) -> list[str]:
    parser, index, _ = _shop()
    parsed = parser.parse(text)
    return [h.sku for h in index.search(" ".join(parsed.keywords), k=20, filters=parsed.filters)]


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("any washi tape", "ST-TAPE-MT"),  # tagged only 和纸胶带
        ("do you sell sketchbooks", "ART-SK-PAD"),  # 素描本
        ("markers", "ART-MK-TOUCH"),  # a Chinese title tagged 马克笔; the Copic is tagged "marker"
        ("an easel", "ART-EASEL"),
        ("sticky notes", "ST-STK-POST"),
        ("crayons for kids", "ART-KIDS-CRAY"),
    ],
)
def test_english_words_for_kinds_find_products_listed_in_chinese(text: str, sku: str) -> None:
    assert sku in _search(text)


def test_a_brand_then_de_then_a_kind_is_scored_as_a_mention() -> None:
    # "英雄的钢笔": the span holds 的, a word no title has; it used to raise KeyError and crash the comparison
    _, _, products = _shop()
    mentions = MentionIndex.build(products)
    found = {m.sku for m in mentions.find("LAMY和英雄的钢笔有什么区别", 8)}
    assert "ST-FP-HERO" in found


@pytest.mark.parametrize(
    ("word", "clause", "purpose"),
    [
        ("写生", "写生用的东西", True),
        ("考试", "考试用的笔", True),
        ("浇水", "浇水时用的", True),
        ("钢笔", "有钢笔吗", False),
        ("水彩", "画水彩用的笔", True),
        ("素描本", "素描本有吗", False),
    ],
)
def test_a_word_before_yong_de_says_what_the_thing_is_for(word: str, clause: str, purpose: bool) -> None:
    assert names_purpose(word, clause) is purpose


@pytest.mark.parametrize(
    ("text", "alternatives"),
    [
        ("brushes under $20 or 100 yuan", ((None, Decimal("100"), "CNY"),)),  # the shape of the first: under
        ("over $50 or 300元", ((Decimal("300"), None, "CNY"),)),
        ("30美元以内的水彩", ()),
        ("100到200元", ()),
    ],
)
def test_a_second_budget_in_another_currency_is_kept(
    text: str, alternatives: tuple[tuple[Decimal | None, Decimal | None, str], ...]
) -> None:
    assert parse_price(text).alternatives == alternatives


def test_a_budget_in_the_shops_own_currency_is_used_when_the_customer_gave_two() -> None:
    parser, _, _ = _shop()
    filters = parser.parse("brushes under $20 or 100 yuan").filters
    assert (filters.max_price, filters.currency) == (Decimal("100"), "CNY")
    assert _search("brushes under $20 or 100 yuan") == ["ART-BR-SET"]  # ¥29; the $58 sable brush is out
    only_usd = parser.parse("brushes under $20").filters
    assert (only_usd.max_price, only_usd.currency) == (Decimal("20"), "USD")


@pytest.mark.parametrize(
    ("text", "terms", "gone", "kept"),
    [
        (
            "笔记本 不要活页的",
            ("活页本",),
            "ST-NB-KOKUYO",
            "ST-NB-MOLE",
        ),  # 活页 is only inside the tag 活页本
        ("马克笔 不要酒精的", ("酒精马克笔",), "ART-MK-TOUCH", "ART-MK-COPIC"),
    ],
)
def test_a_ruled_out_word_inside_a_catalog_tag_rules_out_that_tag(
    text: str, terms: tuple[str, ...], gone: str, kept: str
) -> None:
    parser, _, _ = _shop()
    assert parser.parse(text).filters.exclude_terms == terms
    skus = _search(text)
    assert gone not in skus and kept in skus


@pytest.mark.parametrize("text", ["how tall is the easel?", "画架多高", "这个画架高度多少"])
def test_how_tall_asks_a_height_read_from_a_column_of_another_name_by_its_unit(text: str) -> None:
    _, _, products = _shop()
    easel = next(p for p in products if p.sku == "ART-EASEL")  # attr_size 160cm, no height column
    assert "attr:height" in attribute_asks(text)
    assert _listed_alias(easel, "height") == "160cm"


def test_an_age_asked_in_chinese_is_quoted_from_an_english_description() -> None:
    # "Crayola儿童颜料" + "几岁能用": no age column; the English description says "for kids aged 3 and up"
    _, _, products = _shop()
    paint = next(p for p in products if p.sku == "ART-KIDS-PAINT")
    assert "aged 3" in described(paint, ATTRIBUTE_WORDS["age"])
