"""One contract for every `ProductIndex`: the Chroma + BM25 hybrid and the in-memory one must behave alike."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.embeddings import USEEmbedder
from knowledge.hybrid import HybridProductIndex
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import QueryFilters
from knowledge.protocols import ProductIndex
from tests.support.retrieval_products import NONSENSE_QUERIES, PRODUCTS


@pytest.fixture(scope="module")
def embedder() -> USEEmbedder:
    return USEEmbedder()


@pytest.fixture(scope="module")
def extractor() -> JiebaKeywordExtractor:
    return JiebaKeywordExtractor(build_vocabulary(PRODUCTS))


@pytest.fixture(params=["memory", "hybrid"])
def index(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: USEEmbedder, extractor: JiebaKeywordExtractor
) -> ProductIndex:
    if request.param == "memory":
        return InMemoryProductIndex(extractor=extractor, embedder=embedder)
    return HybridProductIndex(tmp_path, embedder=embedder, extractor=extractor)


@pytest.fixture
def filled(index: ProductIndex) -> ProductIndex:
    """A filled index a test may change."""
    index.upsert(PRODUCTS)
    return index


@pytest.fixture(scope="module", params=["memory", "hybrid"])
def shared(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: USEEmbedder,
    extractor: JiebaKeywordExtractor,
) -> ProductIndex:
    """A filled index shared by the read-only tests (keeps the suite fast)."""
    index: ProductIndex
    if request.param == "memory":
        index = InMemoryProductIndex(extractor=extractor, embedder=embedder)
    else:
        index = HybridProductIndex(tmp_path_factory.mktemp("shared"), embedder=embedder, extractor=extractor)
    index.upsert(PRODUCTS)
    return index


def top_sku(index: ProductIndex, query: str, **kwargs: object) -> str | None:
    hits = index.search(query, **kwargs)  # type: ignore[arg-type]
    return hits[0].sku if hits else None


def test_implements_the_protocol(index: ProductIndex) -> None:
    assert isinstance(index, ProductIndex)
    assert index.count() == 0 and index.skus() == set() and index.search("耳机") == []


def test_upsert_skips_unchanged_and_updates_changed(index: ProductIndex) -> None:
    first = index.upsert(PRODUCTS)
    assert (first.added, first.updated, first.unchanged) == (len(PRODUCTS), 0, 0)
    again = index.upsert(PRODUCTS)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(PRODUCTS))
    cheaper = PRODUCTS[0].model_copy(update={"price": Decimal("699.00")})
    changed = index.upsert([cheaper, PRODUCTS[1]])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 1)
    assert index.get("SHOE-PEG41") == cheaper
    assert index.count() == len(PRODUCTS) and index.skus() == {p.sku for p in PRODUCTS}


def test_last_row_of_a_duplicate_sku_wins(index: ProductIndex) -> None:
    renamed = PRODUCTS[0].model_copy(update={"title": "Nike Pegasus 41 新款"})
    summary = index.upsert([PRODUCTS[0], renamed])
    assert summary.added == 1 and index.get(PRODUCTS[0].sku) == renamed


def test_delete_removes_from_get_and_search(filled: ProductIndex) -> None:
    assert filled.delete(["EAR-SONY", "NO-SUCH-SKU"]) == 1
    assert filled.get("EAR-SONY") is None and filled.count() == len(PRODUCTS) - 1
    assert "EAR-SONY" not in {hit.sku for hit in filled.search("索尼降噪耳机", k=10, include_weak=True)}
    assert filled.delete(["EAR-SONY"]) == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("跑步鞋", {"SHOE-PEG41", "SHOE-ULTRA", "SHOE-LINING"}),
        ("Pegasus 41", {"SHOE-PEG41"}),
        ("蓝牙耳机", {"EAR-SONY", "EAR-CHEAP", "EAR-APPLE"}),
        ("wireless earbuds", {"EAR-SONY", "EAR-CHEAP", "EAR-APPLE"}),
        ("保湿面霜", {"SKIN-CREAM"}),
        ("non-stick frying pan", {"KIT-WOK"}),
        ("坚果零食", {"SNACK-NUTS"}),
    ],
)
def test_real_queries_find_the_right_products(shared: ProductIndex, query: str, expected: set[str]) -> None:
    hits = shared.search(query, k=3)
    assert hits, f"no hits for {query!r}"
    assert hits[0].sku in expected


@pytest.mark.parametrize("query", NONSENSE_QUERIES)
def test_nonsense_returns_nothing_unless_weak_hits_are_asked_for(shared: ProductIndex, query: str) -> None:
    assert shared.search(query) == []
    weak = shared.search(query, include_weak=True)
    assert weak and all(hit.explain["weak"] for hit in weak)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_every_mode_finds_an_exact_title(shared: ProductIndex, mode: str) -> None:
    assert top_sku(shared, "索尼 降噪蓝牙耳机", mode=mode) == "EAR-SONY"


def test_unknown_mode_is_an_error(shared: ProductIndex) -> None:
    with pytest.raises(ValueError, match="mode"):
        shared.search("耳机", mode="fuzzy")  # type: ignore[arg-type]


def test_price_filter_excludes_products_without_price(shared: ProductIndex) -> None:
    hits = shared.search("耳机", k=10, filters=QueryFilters(max_price=Decimal("1000")), include_weak=True)
    assert [hit.sku for hit in hits][:1] == ["EAR-CHEAP"]
    assert all(hit.product.price is not None and hit.product.price <= 1000 for hit in hits)
    tea = shared.search("black tea", filters=QueryFilters(min_price=Decimal("0")), include_weak=True)
    assert "SNACK-TEA" not in {hit.sku for hit in tea}
    assert top_sku(shared, "black tea") == "SNACK-TEA"


def test_price_bounds_are_inclusive_and_exact(shared: ProductIndex) -> None:
    band = QueryFilters(min_price=Decimal("89.90"), max_price=Decimal("99"))
    assert {hit.sku for hit in shared.search("零食 耳机", k=10, filters=band, include_weak=True)} == {
        "SNACK-NUTS",
        "EAR-CHEAP",
    }


def test_brand_filter_is_case_insensitive(shared: ProductIndex) -> None:
    hits = shared.search("跑鞋", k=10, filters=QueryFilters(brand="nike"), include_weak=True)
    assert {hit.sku for hit in hits} == {"SHOE-PEG41"}


def test_category_filter_matches_prefix_or_path_part(shared: ProductIndex) -> None:
    prefix = shared.search("鞋", k=10, filters=QueryFilters(category="运动鞋"), include_weak=True)
    assert {hit.sku for hit in prefix} == {"SHOE-PEG41", "SHOE-ULTRA", "SHOE-LINING", "SHOE-HIKE"}
    part = shared.search("鞋", k=10, filters=QueryFilters(category="徒步鞋"), include_weak=True)
    assert {hit.sku for hit in part} == {"SHOE-HIKE"}


def test_size_and_colour_match_multi_valued_attributes(shared: ProductIndex) -> None:
    size = shared.search("跑步鞋", k=10, filters=QueryFilters(attributes={"size": "42"}), include_weak=True)
    assert {hit.sku for hit in size} == {"SHOE-PEG41", "SHOE-HIKE"}  # not "42.5"
    red = shared.search("跑鞋", k=10, filters=QueryFilters(attributes={"color": "红色"}), include_weak=True)
    assert {hit.sku for hit in red} == {"SHOE-LINING"}
    grey = shared.search("背包", filters=QueryFilters(attributes={"颜色": "灰色"}), include_weak=True)
    assert [hit.sku for hit in grey] == ["BAG-BACKPACK"]


def test_in_stock_filter_removes_sold_out_and_unknown(shared: ProductIndex) -> None:
    hits = shared.search("跑步鞋", k=10, filters=QueryFilters(in_stock=True), include_weak=True)
    skus = {hit.sku for hit in hits}
    assert "SHOE-ULTRA" not in skus and "SHOE-PEG41" in skus
    bags = shared.search("双肩包", filters=QueryFilters(in_stock=True), include_weak=True)
    assert "BAG-BACKPACK" not in {hit.sku for hit in bags}


def test_sold_out_products_rank_lower_but_stay(filled: ProductIndex) -> None:
    twin_out = PRODUCTS[1].model_copy(update={"sku": "TWIN-OUT", "stock": 0})
    twin_in = PRODUCTS[1].model_copy(update={"sku": "TWIN-IN", "stock": 4})
    filled.upsert([twin_out, twin_in])
    order = [hit.sku for hit in filled.search("Adidas Ultraboost Light", k=5)]
    assert "TWIN-OUT" in order and order.index("TWIN-IN") < order.index("TWIN-OUT")


def test_no_match_for_a_filter_nobody_passes(shared: ProductIndex) -> None:
    assert shared.search("跑步鞋", filters=QueryFilters(brand="no-such-brand"), include_weak=True) == []


def test_explain_tells_how_a_hit_was_found(shared: ProductIndex) -> None:
    hit = shared.search("苏泊尔 炒锅", filters=QueryFilters(max_price=Decimal("300")))[0]
    assert hit.sku == "KIT-WOK" and hit.bm25_rank == 1 and hit.vector_rank is not None
    for key in ("bm25_rank", "bm25_score", "vector_rank", "vector_distance", "fused", "filters"):
        assert key in hit.explain
    assert "price" in str(hit.explain["filters"])


def test_concurrent_searches_during_ingest(filled: ProductIndex) -> None:
    errors: list[BaseException] = []
    results: list[str | None] = []

    def searcher() -> None:
        try:
            for _ in range(20):
                results.append(top_sku(filled, "不粘锅"))
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for round_ in range(5):
        filled.upsert([p.model_copy(update={"description": f"round {round_}"}) for p in PRODUCTS[:5]])
    for thread in threads:
        thread.join()
    assert not errors
    assert set(results) == {"KIT-WOK"}
