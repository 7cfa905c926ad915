"""Embedders: the offline encoder is deterministic and multilingual; the API adapter speaks real HTTP."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.embeddings import OpenAIEmbedder, QueryEmbeddingCache, USEEmbedder, make_embedder
from knowledge.errors import StoreUnavailable
from knowledge.protocols import Embedder
from tests.support.chroma_server import _free_port
from tests.support.openai_server import OpenAIServer


@pytest.fixture(scope="module")
def use() -> USEEmbedder:
    return USEEmbedder()


def test_offline_encoder_is_deterministic_and_normalised(use: USEEmbedder) -> None:
    texts = ["Nike 跑步鞋", "wireless earbuds", ""]
    first, second = use.embed(texts), use.embed(list(reversed(texts)))[::-1]
    assert isinstance(use, Embedder) and first.shape == (3, 512) and first.dtype == np.float32
    np.testing.assert_allclose(first, second, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert use.embed([]).shape == (0, 512)


def test_cross_language_neighbours(use: USEEmbedder) -> None:
    earbuds, headphones_zh, face_cream = use.embed(["wireless earbuds", "蓝牙耳机", "保湿面霜"])
    assert float(earbuds @ headphones_zh) > 0.5
    assert float(earbuds @ face_cream) < 0.2


def test_query_cache_returns_the_same_vector_without_re_encoding(use: USEEmbedder) -> None:
    cache = QueryEmbeddingCache(use, maxsize=2)
    first = cache.embed_query("跑步鞋")
    assert cache.embed_query(" 跑步鞋 ") is first and cache.hits == 1
    cache.embed_query("耳机")
    cache.embed_query("面霜")  # evicts the least recently used
    assert cache.embed_query("跑步鞋") is not first and cache.misses == 4


def test_make_embedder_defaults_offline() -> None:
    assert make_embedder().name == "usem3-512"
    assert make_embedder("usem3").name == "usem3-512"


def test_openai_embedder_against_the_loopback_server(openai_server: OpenAIServer) -> None:
    embedder = make_embedder("text-embedding-3-small", base_url=openai_server.base_url, api_key="test")
    assert isinstance(embedder, OpenAIEmbedder) and embedder.name == "openai-text-embedding-3-small"
    vectors = embedder.embed(["蓝牙耳机", "running shoes"])
    assert (
        vectors.shape == (2, openai_server.embedding_dim)
        and embedder.dimension == openai_server.embedding_dim
    )
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(embedder.embed(["蓝牙耳机"])[0], vectors[0], atol=1e-6)
    assert openai_server.paths and all(path.endswith("/embeddings") for path in openai_server.paths)


def test_openai_embedder_failure_is_store_unavailable() -> None:
    embedder = OpenAIEmbedder("m", base_url=f"http://127.0.0.1:{_free_port()}/v1", api_key="k", timeout_s=2)
    with pytest.raises(StoreUnavailable, match="embedding"):
        embedder.embed(["x"])
