"""Understanding from a shop's OWN catalog: two catalogs in domains the demo does not have (baby goods and
cosmetics; home appliances, lighting, furniture and instruments), their words, exclusions and kinds — and the
conversation sets written over them, run through the offline bot."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.conversation.kinds import KindCatalog, titled_kind
from bot.evaluation.cases import load_cases
from bot.evaluation.environment import open_environment
from bot.evaluation.runner import run_conversations
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product, QueryFilters
from knowledge.query import QueryParser

DATA = Path(__file__).parent / "data"
BABY = DATA / "baby_beauty_catalog.csv"
HOME = DATA / "home_music_catalog.csv"


@cache
def _shop(path: Path) -> tuple[QueryParser, InMemoryProductIndex, dict[str, Product]]:
    products = load_catalog(path).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index, {p.sku: p for p in products}


def _search(path: Path, text: str) -> tuple[QueryFilters, list[str]]:
    parser, index, _ = _shop(path)
    parsed = parser.parse(text)
    hits = index.search(" ".join(parsed.keywords), k=50, filters=parsed.filters)
    return parsed.filters, [h.sku for h in hits]


@pytest.mark.parametrize(
    ("path", "text", "word"),
    [
        (HOME, "吉他弦有吗", "吉他弦"),  # a tag, not 吉他 + 弦
        (BABY, "宝宝身体乳", "身体乳"),
        (BABY, "有没有敏感肌能用的", "敏感肌"),  # an attribute value
        (HOME, "想要个护眼的台灯", "护眼"),
        (BABY, "豆沙色的口红", "豆沙色"),
    ],
)
def test_the_catalogs_own_tags_and_values_are_words(path: Path, text: str, word: str) -> None:
    parser, _, _ = _shop(path)
    assert word in parser.parse(text).keywords


def test_a_tag_containing_another_categorys_name_names_its_own_category() -> None:
    parser, _, _ = _shop(HOME)
    assert parser.vocabulary.term_categories.get("吉他弦") == "乐器/配件"
    assert "民谣吉他" not in parser.vocabulary.term_categories  # tagged on guitars: 吉他 is right
    assert parser.parse("吉他弦有吗").filters.category == "乐器/配件"
    assert parser.parse("民谣吉他有吗").filters.category == "乐器/吉他"
    _, skus = _search(HOME, "吉他弦有吗")
    assert skus[0] == "ACC-002" and not any(s.startswith("GTR-") for s in skus)


@pytest.mark.parametrize(
    ("path", "text", "gone", "kept"),
    [
        (HOME, "电钢琴，不要美元标价的", {"KEY-003"}, {"KEY-002", "KEY-004"}),
        (HOME, "ukulele without USD prices", {"UKE-002"}, {"UKE-001"}),
        (BABY, "奶瓶 不要美金的", {"BTL-003"}, {"BTL-001", "BTL-002", "BTL-004"}),
        (BABY, "口红，别推人民币标价的", {"LIP-001", "LIP-002", "LIP-003"}, {"LIP-005"}),
    ],
)
def test_a_currency_can_be_ruled_out(path: Path, text: str, gone: set[str], kept: set[str]) -> None:
    filters, skus = _search(path, text)
    assert any(key == "currency" for key, _ in filters.exclude_attributes)
    assert kept <= set(skus) and not gone & set(skus)


def test_a_single_currency_catalog_reads_no_currency_exclusion() -> None:
    parser, _, _ = _shop(DATA / "other_catalog.csv")
    single = QueryParser(
        build_vocabulary([p for p in load_catalog(BABY).products if p.currency == "CNY"]), parser.extractor
    )
    assert not single.parse("不要美元标价的口红").filters.exclude_attributes


def test_an_excluded_colour_keeps_products_also_sold_in_another_when_nothing_else_is_left() -> None:
    # every desk lamp comes in white; the IKEA one also in dark grey: the customer can have that one
    filters, skus = _search(HOME, "不要白色的台灯")
    assert filters.category == "灯具/台灯" and skus == ["LMP-003"]
    # when some products are not offered in the colour at all, only those are shown
    _, skus = _search(BABY, "奶瓶，不要粉色的")
    assert set(skus) == {"BTL-001", "BTL-003"}


def test_a_tag_in_the_other_language_names_the_product() -> None:
    _, _, products = _shop(BABY)
    lotion = products["BODY-003"]  # "Aveeno Baby Daily Moisture Lotion 8oz", tagged 身体乳
    assert titled_kind("身体乳", lotion) and not titled_kind("面霜", lotion)
    assert [p.sku for p in KindCatalog(list(products.values())).of_kind("身体乳")] == ["BODY-003"]
    _, _, home = _shop(HOME)
    # tags in the title's own language still do not name it: a lamp tagged 学习 is not a 学习 product
    assert not titled_kind("学习", home["LMP-001"])
    assert titled_kind("humidifier", home["HUM-001"]) is False  # tags "加湿器;静音…": no English tag
    assert titled_kind("air purifier", home["AIR-001"]) is False


# The conversation sets over these catalogs (tests/data/*_conversations.yaml): how many pass offline today.
# Raise a floor when a fix makes more pass; never lower one.
SETS = [
    ("baby_beauty_conversations.yaml", BABY, None, 44),
    ("home_music_conversations.yaml", HOME, DATA / "home_music_policies", 46),
]


@pytest.mark.parametrize(("cases", "catalog", "policies", "floor"), SETS)
async def test_the_conversation_sets_over_other_shops(
    tmp_path: Path, cases: str, catalog: Path, policies: Path | None, floor: int
) -> None:
    loaded = load_cases(DATA / cases)
    assert len(loaded.cases) >= 50 and sum(len(c.turns) for c in loaded.cases) >= 60
    env = open_environment(tmp_path / "data", clock=loaded.clock, catalog=catalog, policies=policies)
    try:
        report = await run_conversations(env.bot, loaded.cases, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    failures = {r.id: [*r.reasons, *r.grounding] for r in report.results if not r.passed}
    assert report.grounding_errors == 0, failures
    assert sum(r.passed for r in report.results) >= floor, failures
