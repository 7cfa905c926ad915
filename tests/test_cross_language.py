"""Across languages: a Chinese query finds a product listed only in English and the other way round, through the
synonym and brand-alias files (folded for BM25 in both directions) — and character n-grams of a Chinese query do
not drag an English listing under the relevance threshold."""

from __future__ import annotations

import pytest

from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from tests.support.outdoor_catalog import outdoor_products


@pytest.fixture(scope="module")
def index() -> InMemoryProductIndex:
    products = outdoor_products()
    index = InMemoryProductIndex(
        JiebaKeywordExtractor(build_vocabulary(products))
    )  # keywords only: no encoder
    index.upsert(products)
    return index


@pytest.mark.parametrize(
    ("query", "sku"),
    [
        ("充电宝", "PWR-1"),  # "Anker PowerCore 10000 Portable Charger", tagged power bank
        ("移动电源", "PWR-1"),
        ("安克的充电宝", "PWR-1"),  # the brand by its Chinese alias
        ("安克 移动电源", "PWR-1"),
    ],
)
def test_a_chinese_query_finds_an_english_listing(index: InMemoryProductIndex, query: str, sku: str) -> None:
    hits = index.search(query, k=3)
    assert hits and hits[0].sku == sku and not hits[0].explain["weak"]


def test_an_english_query_finds_chinese_listings(index: InMemoryProductIndex) -> None:
    assert {"BOT-1", "BOT-3"} <= {h.sku for h in index.search("hiking shoes", k=5)}
    assert {"JKT-1", "JKT-3"} <= {h.sku for h in index.search("waterproof 冲锋衣", k=5)}


def test_chinese_ngrams_do_not_sink_an_english_listing(index: InMemoryProductIndex) -> None:
    [hit] = [h for h in index.search("充电宝", k=5, include_weak=True) if h.sku == "PWR-1"]
    assert hit.explain["coverage"] == 1.0  # scored on the query's words, which fold to the listing's


def test_an_unrelated_query_still_finds_nothing(index: InMemoryProductIndex) -> None:
    assert index.search("量子计算机", k=3) == [] and index.search("quantum computer", k=3) == []
