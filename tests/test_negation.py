"""Exclusions: what a customer rules out is filtered away by the index and never searched for."""

from __future__ import annotations

import pytest

from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import QueryFilters
from knowledge.negation import find_negations
from knowledge.query import QueryParser
from knowledge.resources import normalise_text
from tests.support.outdoor_catalog import outdoor_products


@pytest.mark.parametrize(
    ("text", "scopes"),
    [
        ("不要李宁的", ["李宁"]),
        ("不要华为的，也不要小米", ["华为", "小米"]),
        ("除了耳机还有什么数码产品", ["耳机"]),
        ("别推碳板的", ["碳板"]),
        ("兰蔻和海蓝之谜就算了", ["兰蔻和海蓝之谜"]),
        ("电饭煲不用看了，我家有", ["电饭煲"]),
        ("有没有不是入耳式的耳机", ["入耳式"]),
        ("black running shoes, but not nike", ["nike"]),
        ("anything except apple and huawei?", ["apple and huawei"]),
        ("tents without a footprint", ["a footprint"]),
        # the cue after its object ("耳机也不要", "X和Y都不要"): the clause before it
        ("耳机也不要", ["耳机"]),
        ("苹果和韶音都不要", ["苹果和韶音"]),
        # not exclusions: questions, degrees, price caps, "other"
        ("是不是防水的", []),
        ("不要太贵", []),
        ("不太贵的跑鞋", []),
        ("not sure what to buy", []),
        ("除了三只松鼠还有别的牌子吗", ["三只松鼠"]),
        ("不想要了退回去,邮费谁出", []),
        # a brand starting with a degree word ("so…", "too…") is still ruled out
        ("earbuds except sony", ["sony"]),
        ("not sony or apple please", ["sony or apple"]),
        ("not so loud please", []),
    ],
)
def test_negated_scopes(text: str, scopes: list[str]) -> None:
    norm = normalise_text(text)
    assert [n.scope_text(norm).strip() for n in find_negations(norm)] == scopes


@pytest.fixture(scope="module")
def sample() -> tuple[QueryParser, InMemoryProductIndex]:
    products = load_catalog(SAMPLE_CATALOG).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index


@pytest.fixture(scope="module")
def outdoor() -> tuple[QueryParser, InMemoryProductIndex]:
    products = outdoor_products()
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index


def _search(setup: tuple[QueryParser, InMemoryProductIndex], text: str) -> tuple[QueryFilters, set[str]]:
    parser, index = setup
    parsed = parser.parse(text)
    hits = index.search(" ".join(parsed.keywords), k=50, filters=parsed.filters)
    return parsed.filters, {h.sku for h in hits}


def test_an_excluded_brand_is_filtered_out_not_searched_for(sample) -> None:  # type: ignore[no-untyped-def]
    parser, _ = sample
    parsed = parser.parse("不要李宁的跑鞋")
    assert parsed.filters.exclude_brands == ("李宁",) and parsed.filters.brand is None
    assert "李宁" not in parsed.keywords
    _, skus = _search(sample, "不要李宁的跑鞋")
    assert skus and not skus & {"RUN-005", "RUN-006", "RUN-007"}


def test_several_brands_categories_colours_and_attribute_values(sample) -> None:  # type: ignore[no-untyped-def]
    parser, _ = sample
    f = parser.parse("1000以内的降噪耳机，不要华为的，也不要小米").filters
    assert set(f.exclude_brands) == {"华为", "小米"} and f.category == "数码/耳机"
    f = parser.parse("除了手表，数码类还有什么").filters
    assert f.exclude_categories == ("数码/智能手表",) and f.category == "数码"
    assert parser.parse("charger 有吗，不要 white 的").filters.exclude_attributes == (("color", "white"),)
    assert parser.parse("有没有不是入耳式的耳机").filters.exclude_attributes == (("type", "入耳式"),)
    assert parser.parse("42码的跑鞋，别推碳板的").filters.exclude_terms == ("碳板",)
    f = parser.parse("smartwatch, anything except Apple and Huawei?").filters
    assert set(f.exclude_brands) == {"Apple", "华为"}


def test_exclusions_are_applied_by_the_index(sample) -> None:  # type: ignore[no-untyped-def]
    _, skus = _search(sample, "除了手表，数码类还有什么")
    assert skus and not any(s.startswith("WAT-") for s in skus)
    _, skus = _search(sample, "有没有不是入耳式的耳机")
    assert skus and {"EAR-002", "EAR-003", "EAR-005"}.isdisjoint(skus)
    _, skus = _search(sample, "42码的跑鞋，别推碳板的")
    assert skus and {"RUN-004", "RUN-006", "RUN-009", "RUN-010", "RUN-016"}.isdisjoint(skus)
    _, skus = _search(sample, "charger 有吗，不要 white 的")
    assert skus and {"CHG-003", "CHG-004", "CHG-005"}.isdisjoint(skus)


def test_exclusions_over_another_catalog(outdoor) -> None:  # type: ignore[no-untyped-def]
    filters, skus = _search(outdoor, "冲锋衣，不要凯乐石的")
    assert filters.exclude_brands == ("凯乐石",) and skus == {"JKT-2", "JKT-3"}
    filters, skus = _search(outdoor, "徒步鞋 不要黑色的")
    assert filters.exclude_attributes == (("color", "黑色"),) and skus == {"BOT-2", "BOT-3"}
    filters, skus = _search(outdoor, "帐篷, but not Big Agnes")
    assert skus == {"TNT-1", "TNT-3"}


def test_closest_match_keeps_the_exclusions() -> None:
    f = QueryFilters(category="x", brand="y", exclude_brands=("z",), exclude_terms=("t",))
    assert f.exclusions_only() == QueryFilters(exclude_brands=("z",), exclude_terms=("t",))
    assert not f.exclusions_only().is_empty() and QueryFilters().exclusions_only().is_empty()


def test_a_bare_not_before_a_catalog_feature_rules_it_out(sample) -> None:  # type: ignore[no-untyped-def]
    parser, _ = sample
    assert parser.parse("有没有不降噪的耳机").filters.exclude_terms == ("降噪",)
    assert parser.parse("不防水的手表").filters.exclude_terms == ("防水",)
    for text in (
        "是不是防水的",
        "降噪不降噪",
        "不粘锅有吗",
        "不锈钢锅",
        "不贵的耳机",
    ):  # questions, catalog words
        assert parser.parse(text).filters.exclude_terms == (), text


def test_a_negated_feature_is_read_from_the_attribute_named_for_it(sample) -> None:  # type: ignore[no-untyped-def]
    # noise_cancelling = 是/yes (whatever the title's language) is out; 否/no stays, in zh and en
    no_anc = {"EAR-004", "EAR-015", "EAR-017", "EAR-018", "EAR-019"}
    anc = {"EAR-001", "EAR-003", "EAR-012", "EAR-013", "EAR-014", "EAR-016"}
    for text in ("不带降噪的耳机", "earbuds without noise cancelling", "headphones without ANC"):
        _, skus = _search(sample, text)
        assert skus & no_anc and not skus & anc, (text, skus)


def test_english_brand_exclusions_are_not_read_as_the_brand(sample) -> None:  # type: ignore[no-untyped-def]
    parser, _ = sample
    f = parser.parse("earbuds except Sony").filters
    assert f.exclude_brands == ("Sony",) and f.brand is None
    f = parser.parse("not Sony or Apple please").filters
    assert set(f.exclude_brands) == {"Sony", "Apple"} and f.brand is None
    _, skus = _search(sample, "chargers except Anker")
    assert skus and not skus & {"CHG-001", "CHG-002", "CHG-008", "CHG-010"}
