"""BM25 scores rank; IDF coverage is the absolute 'how much of the query is here' signal; persistence is exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.bm25 import KeywordIndex, KeywordStore

DOCS = [["蓝牙", "耳机", "降噪"], ["跑步", "鞋", "nike"], ["耳机", "有线"], ["面霜", "保湿"]]


def test_scores_rank_matching_rows_and_coverage_is_a_share() -> None:
    index = KeywordIndex.build(DOCS)
    scores, coverage = index.scores(["蓝牙", "耳机"])
    assert int(np.argmax(scores)) == 0 and scores[1] == scores[3] == 0
    assert coverage[0] == pytest.approx(1.0) and 0 < coverage[2] < 0.5 and coverage[3] == 0


def test_unknown_words_lower_coverage_and_nonsense_scores_zero() -> None:
    index = KeywordIndex.build(DOCS)
    _, partial = index.scores(["耳机", "asdfgh"])
    assert 0 < partial[0] < 0.5
    scores, coverage = index.scores(["asdfgh"])
    assert not scores.any() and not coverage.any()
    assert not index.scores([])[0].any()


def test_empty_index_answers_empty_arrays() -> None:
    scores, coverage = KeywordIndex.build([]).scores(["耳机"])
    assert scores.shape == coverage.shape == (0,)


def test_store_reloads_only_for_the_same_rows_and_tokenizer(tmp_path: Path) -> None:
    store = KeywordStore(tmp_path / "bm25")
    index = KeywordIndex.build(DOCS)
    skus, hashes = ["a", "b", "c", "d"], ["h1", "h2", "h3", "h4"]
    store.save(skus, hashes, DOCS, index, "tok-1")
    loaded = store.load_index(skus, hashes, "tok-1")
    assert loaded is not None
    np.testing.assert_allclose(loaded.scores(["耳机"])[0], index.scores(["耳机"])[0])
    assert store.load_index(skus, ["h1", "h2", "h3", "changed"], "tok-1") is None
    assert store.load_index(skus, hashes, "tok-2") is None
    assert store.load_tokens("tok-1")["b"] == ("h2", ["跑步", "鞋", "nike"])
    assert store.load_tokens("tok-2") == {}
    assert KeywordStore(tmp_path / "missing").load_tokens("tok-1") == {}
