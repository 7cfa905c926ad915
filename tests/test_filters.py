"""Index filters: money compared within one currency (or through configured rates), gender, size ranges,
letter sizes, and no padding — every hit of a filtered search satisfies every filter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from knowledge.gender import gender_of_value
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import QueryFilters
from knowledge.money import NO_RATES, ExchangeRates, currency_code
from knowledge.query import QueryParser
from tests.support.outdoor_catalog import outdoor_products

D = Decimal


def _index(rates: ExchangeRates = NO_RATES) -> InMemoryProductIndex:
    products = outdoor_products()
    index = InMemoryProductIndex(JiebaKeywordExtractor(build_vocabulary(products)), rates=rates)
    index.upsert(products)
    return index


def _skus(index: InMemoryProductIndex, filters: QueryFilters) -> set[str]:
    return {h.sku for h in index.search("", k=50, filters=filters)}


def test_a_yuan_budget_never_admits_a_dollar_price_as_yuan() -> None:
    index = _index()
    cheap = _skus(index, QueryFilters(max_price=D(500), currency="CNY"))
    assert cheap == {"BOT-3", "PWR-2", "STV-1"}  # $25.99 and $129.99 are not "under ¥500"
    assert _skus(index, QueryFilters(max_price=D(200), currency="USD")) == {"BOT-2", "PWR-1"}
    assert _skus(index, QueryFilters(max_price=D(500))) == cheap  # no currency = the catalog's own (CNY)


def test_configured_rates_convert_bounds_exactly() -> None:
    index = _index(ExchangeRates.parse("USD:CNY=7.1"))
    assert _skus(index, QueryFilters(max_price=D(500), currency="CNY")) == {
        "BOT-3",
        "PWR-2",
        "STV-1",
        "PWR-1",
    }
    # 129.99 USD = 922.929 CNY: inside ¥900–¥1000, and the inverse rate answers a USD budget over CNY prices
    assert "BOT-2" in _skus(index, QueryFilters(min_price=D(900), max_price=D(1000), currency="CNY"))
    assert _skus(index, QueryFilters(max_price=D(15), currency="USD")) == {"PWR-2"}  # ¥89 ≈ $12.54


def test_exchange_rates_parse_and_compare() -> None:
    rates = ExchangeRates.parse("USD:CNY=7.1; eur:cny=7.8")
    assert rates.rate("USD", "CNY") == D("7.1") and rates.rate("CNY", "USD") == 1 / D("7.1")
    assert rates.convert(D(10), "EUR", "CNY") == D("78.0") and rates.rate("EUR", "USD") is None
    assert rates.compare(D("79"), "CNY", D("19.99"), "USD") == -1  # ¥79 < $19.99 (¥141.93)
    assert ExchangeRates().compare(D("79"), "CNY", D("19.99"), "USD") is None  # never as bare numbers
    assert not ExchangeRates.parse("") and not ExchangeRates.parse(None)
    for bad in ("USD=7", "USD:CNY=0", "USD:USD=1", "USD:CNY=abc"):
        with pytest.raises(ValueError, match="exchange rate"):
            ExchangeRates.parse(bad)
    assert [currency_code(w) for w in ("¥", "RMB", "块", "$", "bucks", "美元", "€", "xyz", "qq")] == [
        "CNY",
        "CNY",
        "CNY",
        "USD",
        "USD",
        "USD",
        "EUR",
        "XYZ",
        None,
    ]


@pytest.mark.parametrize(
    ("value", "skus"),
    [
        ("女", {"JKT-1", "JKT-3"}),  # the women's jacket and the unisex one
        ("female", {"JKT-1", "JKT-3"}),
        ("male", {"JKT-2", "JKT-3"}),  # "Men" in the catalog, unisex too
        ("unisex", {"JKT-3"}),
    ],
)
def test_gender_in_any_language_and_unisex_fits_both(value: str, skus: set[str]) -> None:
    index = _index()
    assert _skus(index, QueryFilters(category="冲锋衣", attributes={"gender": value})) == skus


def test_gender_from_the_title_when_the_catalog_has_no_gender_attribute() -> None:
    from knowledge.models import Product

    products = [
        Product(sku="A", title="Trail Runner Women's", category="Shoes"),
        Product(sku="B", title="Trail Runner Men's", category="Shoes"),
        Product(sku="C", title="情侣款 跑鞋", category="Shoes"),
        Product(sku="D", title="Trail Runner", category="Shoes"),
    ]
    index = InMemoryProductIndex()
    index.upsert(products)
    assert _skus(index, QueryFilters(attributes={"gender": "female"})) == {"A", "C"}


def test_women_first_then_unisex() -> None:
    index = _index()
    hits = index.search("冲锋衣", k=5, filters=QueryFilters(attributes={"gender": "女"}))
    assert hits[0].sku == "JKT-1"


@pytest.mark.parametrize(
    ("size", "skus"),
    [
        ("42", {"BOT-1", "BOT-3"}),  # "39-46" holds 42; 38..44 lists it
        ("39.5", {"BOT-1", "BOT-2"}),  # inside both ranges, not an exact list value
        ("36", {"BOT-2"}),  # "35–40" with an en dash
        ("47", set()),
    ],
)
def test_size_ranges_hold_the_sizes_between(size: str, skus: set[str]) -> None:
    assert _skus(_index(), QueryFilters(category="徒步鞋", attributes={"size": size})) == skus


def test_letter_sizes_in_either_spelling() -> None:
    index = _index()
    assert _skus(index, QueryFilters(attributes={"size": "3XL"})) == {"JKT-3"}  # "M-XXXL"
    assert _skus(index, QueryFilters(attributes={"size": "XL"})) == {"JKT-1", "JKT-2", "JKT-3"}
    assert _skus(index, QueryFilters(attributes={"size": "XS"})) == set()  # "S-XL" starts at S


def test_no_padding_every_filtered_hit_meets_every_filter() -> None:
    index = _index()
    filters = QueryFilters(max_price=D(1000), currency="CNY", category="帐篷")
    hits = index.search("帐篷", k=10, filters=filters)
    assert [h.sku for h in hits] == ["TNT-3"]
    assert index.search("钛 炉头", k=10, filters=filters) == []  # nothing padded in
    weak = index.search("钛 炉头", k=10, filters=filters, include_weak=True)
    assert all(h.sku == "TNT-3" for h in weak)  # include_weak lowers the relevance bar, never the filters


def test_the_parser_reads_gender_and_sizes_for_the_catalog() -> None:
    products = outdoor_products()
    vocabulary = build_vocabulary(products)
    parser = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))
    f = parser.parse("女款冲锋衣 M码").filters
    assert gender_of_value(f.attributes["gender"]) == "female" and f.attributes["size"] == "M"
    assert f.category == "户外/冲锋衣"
    f = parser.parse("men's hiking shoes size 42 under $200").filters
    assert gender_of_value(f.attributes["gender"]) == "male" and f.attributes["size"] == "42"
    assert (f.max_price, f.currency) == (D(200), "USD")
    assert "女款" not in parser.parse("女款冲锋衣").keywords  # a filter, not a keyword


def test_exchange_rates_setting_is_validated_at_start_up_and_handed_to_the_conversation_layer(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from bot.ops.settings import load_settings
    from bot.wiring import open_knowledge

    with pytest.raises(ValidationError, match="exchange rate 'USD=7'"):
        load_settings(XIAOER_EXCHANGE_RATES="USD=7")
    settings = load_settings(XIAOER_DATA_DIR=str(tmp_path), XIAOER_EXCHANGE_RATES="USD:CNY=7.1")
    knowledge = open_knowledge(settings, index=_index())
    assert knowledge.rates.rate("USD", "CNY") == D("7.1")
