"""The hybrid index on disk: reopening keeps everything, and re-ingest work is proportional to what changed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.embeddings import USEEmbedder
from knowledge.factory import open_product_index
from knowledge.hybrid import HybridProductIndex
from knowledge.models import QueryFilters
from knowledge.simple_tokens import SimpleKeywordExtractor
from tests.support.retrieval_products import PRODUCTS


class CountingExtractor(SimpleKeywordExtractor):
    """Records every text it tokenises, so a test can see what was (not) re-tokenised."""

    def __init__(self, fingerprint: str = "simple-v1") -> None:
        self.fingerprint = fingerprint
        self.texts: list[str] = []

    def tokenize(self, text: str) -> list[str]:
        self.texts.append(text)
        return super().tokenize(text)


class CountingEmbedder(USEEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed(texts)


@pytest.fixture(scope="module")
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


def test_reopen_in_a_fresh_object_keeps_products_vectors_and_bm25(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    first = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    first.upsert(PRODUCTS)
    before = [hit.sku for hit in first.search("蓝牙耳机", k=5)]
    del first
    extractor = CountingExtractor()
    reopened = HybridProductIndex(tmp_path, embedder=embedder, extractor=extractor)
    assert extractor.texts == []  # the persisted BM25 index was loaded, nothing re-tokenised
    assert reopened.count() == len(PRODUCTS) and reopened.get("KIT-WOK") == PRODUCTS[9]
    assert [hit.sku for hit in reopened.search("蓝牙耳机", k=5)] == before
    summary = reopened.upsert(PRODUCTS)
    assert summary.unchanged == len(PRODUCTS) and summary.added == summary.updated == 0


def test_only_changed_skus_are_embedded_and_tokenised(tmp_path: Path, embedder: CountingEmbedder) -> None:
    extractor = CountingExtractor()
    index = HybridProductIndex(tmp_path, embedder=embedder, extractor=extractor)
    index.upsert(PRODUCTS)
    extractor.texts.clear()
    embedded = embedder.embedded
    changed = PRODUCTS[4].model_copy(update={"price": Decimal("1599.00")})
    summary = index.upsert([*PRODUCTS[:4], changed, *PRODUCTS[5:]])
    assert (summary.updated, summary.unchanged) == (1, len(PRODUCTS) - 1)
    assert embedder.embedded - embedded == 1
    assert extractor.texts == [changed.title, changed.search_text()[len(changed.title) :]]
    reopened = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    assert reopened.get(changed.sku) == changed
    hits = reopened.search("降噪耳机", k=5, filters=QueryFilters(max_price=Decimal("1600")))
    assert changed.sku in {hit.sku for hit in hits}


def test_a_new_vocabulary_retokenises_on_open(tmp_path: Path, embedder: CountingEmbedder) -> None:
    HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor("vocab-1")).upsert(PRODUCTS)
    extractor = CountingExtractor("vocab-2")
    reopened = HybridProductIndex(tmp_path, embedder=embedder, extractor=extractor)
    assert len(extractor.texts) == 2 * len(PRODUCTS)  # title + the rest, per product
    assert reopened.search("不粘锅")[0].sku == "KIT-WOK"


def test_a_lost_bm25_directory_is_rebuilt_from_chroma(tmp_path: Path, embedder: CountingEmbedder) -> None:
    HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor()).upsert(PRODUCTS)
    for path in sorted((tmp_path / "bm25").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    reopened = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    assert reopened.search("菜刀", mode="bm25")[0].sku == "KIT-KNIFE"


def test_deletes_survive_reopen(tmp_path: Path, embedder: CountingEmbedder) -> None:
    index = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    index.upsert(PRODUCTS)
    assert index.delete(["KIT-KNIFE"]) == 1
    reopened = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    assert "KIT-KNIFE" not in reopened.skus() and reopened.count() == len(PRODUCTS) - 1
    assert "KIT-KNIFE" not in {hit.sku for hit in reopened.search("菜刀", include_weak=True)}


def test_open_product_index_uses_the_catalog_vocabulary(tmp_path: Path, embedder: CountingEmbedder) -> None:
    index = open_product_index(tmp_path / "data", embedder=embedder)
    assert type(index.extractor).__name__ == "JiebaKeywordExtractor"
    index.upsert(PRODUCTS[:3])
    assert (tmp_path / "data" / "chroma").is_dir() and (tmp_path / "data" / "bm25").is_dir()
    assert open_product_index(tmp_path / "data", embedder=embedder).count() == 3


def test_refresh_picks_up_changes_made_by_another_process(tmp_path: Path, embedder: CountingEmbedder) -> None:
    bot_side = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    assert bot_side.refresh() is False and bot_side.count() == 0
    ingest_side = HybridProductIndex(tmp_path, embedder=embedder, extractor=CountingExtractor())
    ingest_side.upsert(PRODUCTS)
    assert bot_side.search("不粘锅") == []  # still the old snapshot …
    assert bot_side.refresh() is True  # … until it notices the new catalog version
    assert bot_side.search("不粘锅")[0].sku == "KIT-WOK" and bot_side.refresh() is False
    ingest_side.delete(["KIT-WOK"])
    assert bot_side.refresh() is True and bot_side.get("KIT-WOK") is None
