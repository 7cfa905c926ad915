"""The Chroma adapter: names, flat metadata, error translation, and the server (HttpClient) path."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from knowledge.chroma import ChromaVectorStore, collection_name
from knowledge.embeddings import USEEmbedder
from knowledge.errors import StoreUnavailable
from knowledge.factory import open_product_index
from knowledge.hybrid import HybridProductIndex, product_metadata
from knowledge.models import QueryFilters
from knowledge.simple_tokens import SimpleKeywordExtractor
from tests.support.chroma_server import ChromaServer, _free_port, chroma_server  # noqa: F401 (fixture)
from tests.support.retrieval_products import PRODUCTS


@pytest.mark.parametrize(
    ("embedder", "expected"),
    [
        ("usem3-512", "products_usem3-512"),
        ("openai-text-embedding-3-small", "products_openai-text-embedding-3-small"),
        ("bge/m3:latest", "products_bge-m3-latest"),
    ],
)
def test_collection_names_are_sanitised(embedder: str, expected: str) -> None:
    assert collection_name(embedder) == expected


def test_collection_names_respect_chroma_limits() -> None:
    long = collection_name("x" * 1000)
    assert 3 <= len(long) <= 512 and long[-1].isalnum()
    assert len(collection_name("", prefix="p")) >= 3


def test_metadata_is_flat_scalars_and_carries_the_product() -> None:
    for product in PRODUCTS:
        meta = product_metadata(product)
        assert all(isinstance(value, str | int | float | bool) for value in meta.values())
        assert product.model_validate_json(str(meta["product"])) == product
    assert "price_cents" not in product_metadata(PRODUCTS[12])  # no price → no key, never None
    assert product_metadata(PRODUCTS[0])["price_cents"] == 89900


def test_store_round_trip_with_precomputed_vectors(tmp_path: Path) -> None:
    store = ChromaVectorStore("products_test", data_dir=tmp_path)
    vectors = np.eye(3, 8, dtype=np.float32)
    store.upsert(["a", "b", "c"], vectors, [{"n": 1}, {"n": 2}, {"n": 3}], ["a", "b", "c"])
    assert store.count() == 3
    nearest = store.query(vectors[1], 2)
    assert nearest[0][0] == "b" and nearest[0][1] == pytest.approx(1.0, abs=1e-5)
    ids, metas, loaded = store.load_all(page=2)
    assert sorted(ids) == ["a", "b", "c"] and loaded.shape == (3, 8) and len(metas) == 3
    store.delete(["a"])
    assert store.count() == 2


def test_unreachable_server_is_store_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="Chroma"):
        open_product_index(
            tmp_path,
            chroma_url=f"http://127.0.0.1:{_free_port()}",
            embedder=USEEmbedder(),
            extractor=SimpleKeywordExtractor(),
        )


def test_foreign_records_are_store_unavailable_not_a_traceback(tmp_path: Path) -> None:
    store = ChromaVectorStore(collection_name("usem3-512"), data_dir=tmp_path)
    store.upsert(["x"], np.ones((1, 512), dtype=np.float32), [{"title": "not ours"}], ["x"])
    with pytest.raises(StoreUnavailable, match="did not write"):
        HybridProductIndex(tmp_path, embedder=USEEmbedder(), extractor=SimpleKeywordExtractor())


@pytest.mark.slow
def test_server_path_end_to_end(chroma_server: ChromaServer, tmp_path: Path) -> None:  # noqa: F811
    name = f"products_test-{uuid.uuid4().hex[:8]}"
    embedder = USEEmbedder()
    index = HybridProductIndex(
        tmp_path / "a",
        embedder=embedder,
        extractor=SimpleKeywordExtractor(),
        chroma_url=chroma_server.url,
        collection=name,
    )
    assert index.upsert(PRODUCTS).added == len(PRODUCTS)
    assert index.search("蓝牙耳机", k=1)[0].sku in {"EAR-SONY", "EAR-CHEAP"}
    assert index.search("跑鞋", filters=QueryFilters(brand="李宁"))[0].sku == "SHOE-LINING"
    # Another replica with its own (empty) data dir sees the same catalog through the server.
    replica = HybridProductIndex(
        tmp_path / "b",
        embedder=embedder,
        extractor=SimpleKeywordExtractor(),
        chroma_url=chroma_server.url,
        collection=name,
    )
    assert replica.count() == len(PRODUCTS) and replica.get("KIT-WOK") == PRODUCTS[9]
    assert replica.search("不粘锅")[0].sku == "KIT-WOK"
    assert replica.delete(["KIT-WOK"]) == 1
    assert (
        HybridProductIndex(
            tmp_path / "a",
            embedder=embedder,
            extractor=SimpleKeywordExtractor(),
            chroma_url=chroma_server.url,
            collection=name,
        ).get("KIT-WOK")
        is None
    )


@pytest.mark.slow
def test_search_keeps_answering_when_the_server_goes_away(tmp_path: Path) -> None:
    with ChromaServer() as server:
        index = HybridProductIndex(
            tmp_path, embedder=USEEmbedder(), extractor=SimpleKeywordExtractor(), chroma_url=server.url
        )
        index.upsert(PRODUCTS)
        before = [hit.sku for hit in index.search("降噪耳机", k=3)]
    assert [hit.sku for hit in index.search("降噪耳机", k=3)] == before  # from the in-memory snapshot
    with pytest.raises(StoreUnavailable):
        index.upsert([PRODUCTS[0].model_copy(update={"stock": 1})])  # writes need the store
