"""The bare-不 eval set (tests/data/bare_not_cases.yaml): what a bare 不 rules out, per catalog."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.query import QueryParser
from knowledge.yaml_data import load_yaml

DATA = Path(__file__).parent / "data"
CATALOGS = {
    "sample": SAMPLE_CATALOG,
    "other": DATA / "other_catalog.csv",
    "pets_cycling": DATA / "pets_cycling_catalog.csv",
    "baby_beauty": DATA / "baby_beauty_catalog.csv",
    "home_music": DATA / "home_music_catalog.csv",
}
CASES = load_yaml((DATA / "bare_not_cases.yaml").read_text(encoding="utf-8"))


@cache
def parser(catalog: str) -> QueryParser:
    products = load_catalog(CATALOGS[catalog]).products
    vocabulary = build_vocabulary(products)
    return QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['catalog']}:{c['text']}" for c in CASES])
def test_a_bare_not_rules_out_exactly_the_listed_features(case: dict[str, object]) -> None:
    filters = parser(str(case["catalog"])).parse(str(case["text"])).filters
    assert list(filters.exclude_terms) == case["exclude"]


def test_the_catalog_words_starting_with_not_are_read_once_per_parser() -> None:
    """The lookup set holds 不 + the next character of every catalog word starting with 不, nothing else."""
    assert parser("sample")._not_starts == frozenset({"不粘", "不锈"})
    assert parser("baby_beauty")._not_starts == frozenset()
