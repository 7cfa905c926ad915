"""Keyword relevance: a bm25s index over catalog tokens, plus the share of the query it covers.

BM25 ranks; the IDF-weighted *coverage* (how much of the query's information a product contains, 0..1) is an
absolute signal the relevance threshold can use, which raw BM25 scores are not. The index is immutable: an
ingest batch builds a new one (from per-SKU cached tokens) and swaps it in, so readers never see half a rebuild.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from knowledge.script import is_han

TOKEN_CACHE = "tokens.json"
MANIFEST = "manifest.json"
FORMAT_VERSION = 2


def _redundant(token: str) -> bool:
    """An unseen Chinese word of 3+ characters is also present as its character bigrams; count those instead."""
    return len(token) >= 3 and all(is_han(ch) for ch in token)


class KeywordIndex:
    """BM25 over one token list per row; rows are aligned with the snapshot's SKUs."""

    def __init__(self, retriever: bm25s.BM25 | None, num_docs: int) -> None:
        self._retriever = retriever
        self.num_docs = num_docs
        if retriever is not None:
            indptr = np.asarray(retriever.scores["indptr"])
            self._df = np.diff(indptr)
            self._vocab: dict[str, int] = retriever.vocab_dict
            self._indices = np.asarray(retriever.scores["indices"])
            self._indptr = indptr
        else:
            self._df = np.zeros(0, dtype=np.int64)
            self._vocab = {}

    @classmethod
    def build(cls, tokens: Sequence[Sequence[str]]) -> KeywordIndex:
        if not tokens:
            return cls(None, 0)
        retriever = bm25s.BM25()
        retriever.index([list(row) or [""] for row in tokens], show_progress=False)
        return cls(retriever, len(tokens))

    def _idf(self, df: int) -> float:
        return math.log(1.0 + (self.num_docs - df + 0.5) / (df + 0.5))

    def scores(self, query_tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score per row, IDF-weighted share of the query's distinct tokens present per row)."""
        bm25 = np.zeros(self.num_docs, dtype=np.float32)
        coverage = np.zeros(self.num_docs, dtype=np.float32)
        distinct = list(dict.fromkeys(token for token in query_tokens if token))
        if self._retriever is None or not distinct:
            return bm25, coverage
        known = [self._vocab[token] for token in distinct if token in self._vocab]
        unseen = [token for token in distinct if token not in self._vocab and not _redundant(token)]
        total = sum(self._idf(int(self._df[tid])) for tid in known)
        total += self._idf(0) * len(unseen)  # unseen words are the most informative
        if known:
            bm25 = np.asarray(self._retriever.get_scores_from_ids(known), dtype=np.float32)
            for tid in known:
                rows = self._indices[self._indptr[tid] : self._indptr[tid + 1]]
                coverage[rows] += self._idf(int(self._df[tid]))
            coverage /= max(total, 1e-9)
        return bm25, coverage

    def _sums(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 of these token ids, summed IDF of those present) per row."""
        if self._retriever is None or not ids:
            zeros = np.zeros(self.num_docs, dtype=np.float32)
            return zeros, zeros.copy()
        bm25 = np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float32)
        present = np.zeros(self.num_docs, dtype=np.float32)
        for tid in ids:
            rows = self._indices[self._indptr[tid] : self._indptr[tid + 1]]
            present[rows] += self._idf(int(self._df[tid]))
        return bm25, present

    def split_scores(
        self, words: Sequence[str], ngrams: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """(BM25, coverage) over all query tokens, (BM25, coverage) over its word tokens alone, and the factor
        that rescales coverage for a product listed in Chinese.

        Character n-grams can only match Chinese text, so a product listed in English ("Power Bank", folded to
        充电宝) covers the whole of "充电宝" by words but a third of it by all tokens; ranking takes the better
        of the two. The word coverage counts every unseen word (a word the catalog never uses is missing).
        Conversely an English word the catalog never uses ("protection") could only be matched by an English
        listing: for products listed in Chinese it leaves the denominator (coverage × factor, capped at 1).
        """
        word_list = list(dict.fromkeys(token for token in words if token))
        ngram_list = [t for t in dict.fromkeys(token for token in ngrams if token) if t not in word_list]
        word_ids = [self._vocab[token] for token in word_list if token in self._vocab]
        ngram_ids = [self._vocab[token] for token in ngram_list if token in self._vocab]
        word_bm25, word_present = self._sums(word_ids)
        ngram_bm25, ngram_present = self._sums(ngram_ids)
        known_idf = sum(self._idf(int(self._df[tid])) for tid in (*word_ids, *ngram_ids))
        unseen_words = [t for t in word_list if t not in self._vocab]
        unseen_all = [t for t in (*word_list, *ngram_list) if t not in self._vocab and not _redundant(t)]
        total_all = known_idf + self._idf(0) * len(unseen_all)
        total_words = sum(self._idf(int(self._df[tid])) for tid in word_ids) + self._idf(0) * len(
            unseen_words
        )
        coverage = (word_present + ngram_present) / max(total_all, 1e-9)
        word_coverage = word_present / max(total_words, 1e-9)
        unseen_latin = self._idf(0) * sum(1 for t in unseen_all if t.isascii() and not t.isdigit())
        chinese_factor = total_all / (total_all - unseen_latin) if total_all - unseen_latin > 1e-9 else 1.0
        return word_bm25 + ngram_bm25, coverage, word_bm25, word_coverage, chinese_factor

    def save(self, directory: Path) -> None:
        if self._retriever is not None:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, num_docs: int) -> KeywordIndex:
        if num_docs == 0:
            return cls(None, 0)
        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(retriever, num_docs)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class KeywordStore:
    """Persists the BM25 index and the per-SKU token cache under `data_dir/bm25/<collection>`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def load_tokens(self, fingerprint: str) -> dict[str, tuple[str, list[str]]]:
        """sku → (content hash, tokens) from the last save; empty when missing, unreadable or from another
        tokenizer (a new catalog vocabulary changes the tokens)."""
        try:
            raw = json.loads((self.directory / TOKEN_CACHE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if raw.get("version") != FORMAT_VERSION or raw.get("fingerprint") != fingerprint:
            return {}
        return {sku: (entry[0], entry[1]) for sku, entry in raw.get("skus", {}).items()}

    def load_index(self, skus: Sequence[str], hashes: Sequence[str], fingerprint: str) -> KeywordIndex | None:
        """The saved bm25s index when it was built for exactly these rows, else None (then rebuild)."""
        try:
            manifest = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("version") != FORMAT_VERSION or manifest.get("fingerprint") != fingerprint:
                return None
            if manifest.get("skus") != list(skus) or manifest.get("hashes") != list(hashes):
                return None
            return KeywordIndex.load(self.directory / "index", len(skus))
        except (OSError, ValueError, KeyError):
            return None

    def save(
        self,
        skus: Sequence[str],
        hashes: Sequence[str],
        tokens: Sequence[Sequence[str]],
        index: KeywordIndex,
        fingerprint: str,
    ) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        cache = {sku: [digest, list(toks)] for sku, digest, toks in zip(skus, hashes, tokens, strict=True)}
        (self.directory / MANIFEST).unlink(missing_ok=True)  # a half-written index must never look current
        _atomic_write(
            self.directory / TOKEN_CACHE,
            json.dumps(
                {"version": FORMAT_VERSION, "fingerprint": fingerprint, "skus": cache}, ensure_ascii=False
            ),
        )
        index.save(self.directory / "index")
        manifest = {
            "version": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "skus": list(skus),
            "hashes": list(hashes),
        }
        _atomic_write(self.directory / MANIFEST, json.dumps(manifest, ensure_ascii=False))
