"""Policy *bullets* found by meaning: "几点有人" → the service-hours bullet, "顺丰要加钱吗" → the SF Express bullet.

Every bullet of every policy document (both languages) is one searchable passage: BM25 over the catalog's own
tokenizer (jieba words + character n-grams, synonyms folded) and, when an embedder is given, the offline
multilingual encoder, so a question finds a bullet in either language and the hit is returned in the language
asked (bullets of the zh and en sections are paired by position). The topic's own keyword lists (the front matter)
add a prior. Vectors are computed once per bullet text and kept by content hash (in memory, and in `cache_dir`
when given), so reloading unchanged policies encodes nothing.

Relevance is additive evidence, as for products (`knowledge.ranking`): keyword coverage / `full_coverage` +
(cosine − `cosine_floor`) / (`cosine_full` − `cosine_floor`) + keyword-list hits × `keyword_evidence`; a bullet
needs `threshold`. Calibrated on our own held-out phrasings (tests/test_policy_search.py), not the evaluation set.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.bm25 import KeywordIndex
from knowledge.models import PolicyHit
from knowledge.protocols import Embedder, KeywordExtractor

log = logging.getLogger(__name__)
VECTORS_FILE = "policy_vectors.npz"
FOUND = 2048  # questions whose ranked bullets a `BulletIndex` remembers
QUERY_VECTORS = 1024  # question vectors a `BulletIndex` remembers (a few MB at 512 floats each)


@dataclass(frozen=True)
class Bullet:
    """One bullet of a policy document in one language (`index` pairs it with its translation)."""

    topic: str
    title: str
    language: str
    index: int
    label: str
    text: str

    @property
    def passage(self) -> str:
        """What is searched: the document title, the bullet's label and its text."""
        return f"{self.title} {self.text}"


@dataclass(frozen=True)
class BulletParams:
    """Fusion and relevance constants. Calibrated on our own 57 policy questions and 16 non-policy messages
    (tests/test_policy_search.py; zh/en/zh-Hant): bullet recall@3 48/57, right topic first 47/57, 2 of 16
    non-policy messages passing the gate. Ranking is dense-led (the encoder alone puts the right bullet in the
    top 3 for 57/57); the gate is the weak part, so callers that already know a message asks about policies
    pass `min_relevance=0`."""

    bm25_weight: float = 0.35
    dense_weight: float = 0.5
    coverage_weight: float = 0.3
    full_coverage: float = 0.5
    cosine_floor: float = 0.2
    cosine_full: float = 0.4
    keyword_evidence: float = 0.7  # relevance added per keyword of the topic's list found in the question
    keyword_prior: float = 0.15  # fused score added per keyword hit, so the asked topic's bullets lead
    threshold: float = 1.0  # the best bullet needs this much evidence, or the question is not about policies
    companion: float = 0.5  # other bullets returned need this share of the threshold
    label_prior: float = 0.3  # fused score added when the question names the bullet's label ("refunds", 退款)


DEFAULT_BULLET_PARAMS = BulletParams()


class VectorCache:
    """Bullet vectors by content hash: in memory, and in `directory/policy_vectors.npz` when a directory is given."""

    def __init__(self, embedder: Embedder, directory: Path | None = None) -> None:
        self.embedder = embedder
        self.directory = directory
        self._vectors: dict[str, np.ndarray] = {}
        self.encoded = 0  # texts actually sent to the embedder (0 on an unchanged reload)
        if directory is not None:
            self._read()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.embedder.name}\n{text}".encode()).hexdigest()[:32]

    def _read(self) -> None:
        path = (self.directory or Path()) / VECTORS_FILE
        try:
            with np.load(path) as data:
                self._vectors = {key: data[key] for key in data.files}
        except (OSError, ValueError):
            self._vectors = {}

    def _write(self) -> None:
        if self.directory is None:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / (VECTORS_FILE + ".tmp.npz")
            np.savez(tmp, allow_pickle=False, **self._vectors)
            tmp.replace(self.directory / VECTORS_FILE)
        except OSError as exc:  # the vectors still work from memory
            log.warning("could not save policy vectors under %s: %s", self.directory, exc)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(text) for text in texts]
        missing = sorted(
            {key: text for key, text in zip(keys, texts, strict=True) if key not in self._vectors}.items()
        )
        if missing:
            encoded = self.embedder.embed([text for _, text in missing])
            self._vectors.update({key: encoded[i] for i, (key, _) in enumerate(missing)})
            self.encoded += len(missing)
            self._write()
        dimension = next(iter(self._vectors.values())).shape[0] if self._vectors else 0
        if not keys:
            return np.zeros((0, dimension), dtype=np.float32)
        return np.vstack([self._vectors[key] for key in keys]).astype(np.float32)


class BulletIndex:
    """BM25 (+ vectors) over policy bullets; `find` returns hits in the asked language above the threshold."""

    def __init__(
        self,
        bullets: Sequence[Bullet],
        keyword_hits: object,
        *,
        extractor: KeywordExtractor,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        params: BulletParams = DEFAULT_BULLET_PARAMS,
    ) -> None:
        self.bullets = list(bullets)
        self.extractor = extractor
        self.embedder = embedder
        self.params = params
        self._keyword_hits = keyword_hits  # callable: (text) -> {topic: hits}
        self._keywords = KeywordIndex.build([extractor.tokenize(b.passage) for b in self.bullets])
        self._vectors: np.ndarray | None = None
        self._cache = VectorCache(embedder, cache_dir) if embedder is not None else None
        if self._cache is not None and self.bullets:
            self._vectors = self._cache.vectors([b.passage for b in self.bullets])
        self._pairs = {(b.topic, b.index, b.language): b for b in self.bullets}
        self._labels = [
            frozenset(extractor.tokenize(b.label)) if b.label else frozenset() for b in self.bullets
        ]
        self._lock = threading.Lock()
        # question text → its vector: side questions, regional look-ups and multi-question parts come without
        # the message's vector and were encoded afresh each time (the same text gives the same vector)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._found: OrderedDict[tuple[object, ...], tuple[PolicyHit, ...]] = OrderedDict()  # see `find`

    @property
    def encoded(self) -> int:
        """How many bullet texts were encoded when this index was built (0 when all came from the cache)."""
        return self._cache.encoded if self._cache is not None else 0

    def _query_vector(self, text: str) -> np.ndarray | None:
        """`text`'s vector from the embedder, remembered for the last `QUERY_VECTORS` texts (read-only)."""
        if self.embedder is None or self._vectors is None:
            return None
        with self._lock:  # the offline encoder is not re-entrant
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector
            vector = self.embedder.embed([text])[0]
            vector.setflags(write=False)
            self._queries[text] = vector
            if len(self._queries) > QUERY_VECTORS:
                self._queries.popitem(last=False)
            return vector

    def find(
        self,
        text: str,
        language: str = "zh",
        k: int = 3,
        *,
        vector: np.ndarray | None = None,
        min_relevance: float | None = None,
        topics: Sequence[str] = (),
    ) -> list[PolicyHit]:
        """Bullets answering `text`, best first, in `language` when the document has it; [] when none is relevant.

        The message is about policies when its best bullet reaches `min_relevance` (default: the calibrated
        threshold; 0 = the caller already knows, just rank); other bullets need `companion` × that much.
        `topics` (policy file names) restricts the search to those documents when given ("my pan arrived
        dented" is a warranty or returns question whatever else it shares words with).

        Remembered for the last `FOUND` distinct questions (same arguments, same vector values: the same
        ranking — the bullets, their vectors, the tokenizer and the keyword lists are fixed for this index;
        new policies build a new index). Shoppers ask the same few policy questions over and over.
        """
        key = (
            text,
            language,
            k,
            min_relevance,
            tuple(topics),
            vector.tobytes() if vector is not None else None,
        )
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return list(found)
        hits = self._find(text, language, k, vector=vector, min_relevance=min_relevance, topics=topics)
        with self._lock:
            self._found[key] = tuple(hits)
            if len(self._found) > FOUND:
                self._found.popitem(last=False)
        return hits

    def _find(
        self,
        text: str,
        language: str,
        k: int,
        *,
        vector: np.ndarray | None,
        min_relevance: float | None,
        topics: Sequence[str],
    ) -> list[PolicyHit]:
        """`find` without the memo."""
        if not self.bullets or not text.strip():
            return []
        allowed = np.array([not topics or b.topic in topics for b in self.bullets])
        if not allowed.any():
            return []
        p = self.params
        gate = p.threshold if min_relevance is None else min_relevance
        tokens = self.extractor.tokenize(text)
        bm25, coverage = self._keywords.scores(tokens)
        asked = set(tokens)
        named = np.array([bool(label) and len(label & asked) * 2 >= len(label) for label in self._labels])
        query = vector if vector is not None else self._query_vector(text)
        cos = self._vectors @ query if query is not None and self._vectors is not None else None
        hits_by_topic: dict[str, int] = self._keyword_hits(text)  # type: ignore[operator]
        topic_hits = np.minimum([hits_by_topic.get(b.topic, 0) for b in self.bullets], 2).astype(np.float32)
        b = bm25 / bm25.max() if bm25.max() > 0 else bm25
        fused = p.bm25_weight * b + p.coverage_weight * coverage + p.keyword_prior * topic_hits
        fused = fused + p.label_prior * named
        relevance = coverage / p.full_coverage + p.keyword_evidence * topic_hits
        if cos is not None:
            z = (cos - float(cos.mean())) / (float(cos.std()) + 1e-6)
            fused = fused + p.dense_weight * z / max(float(z.max()), 1e-6)
            relevance = relevance + np.maximum(cos - p.cosine_floor, 0.0) / (p.cosine_full - p.cosine_floor)
        relevance = np.where(allowed, relevance, -1.0)
        if float(relevance.max()) < gate:
            return []
        found: list[PolicyHit] = []
        seen: set[tuple[str, int]] = set()
        for row in np.argsort(-fused, kind="stable"):
            bullet = self.bullets[int(row)]
            if relevance[row] < p.companion * gate or (bullet.topic, bullet.index) in seen:
                continue  # too weak, or the same bullet in the other language
            seen.add((bullet.topic, bullet.index))
            shown = self._pairs.get((bullet.topic, bullet.index, language), bullet)
            found.append(
                PolicyHit(
                    topic=shown.topic,
                    title=shown.title,
                    text=shown.text,
                    language=shown.language,
                    score=round(float(fused[row]), 4),
                    label=shown.label,
                    index=shown.index,
                )
            )
            if len(found) == k:
                break
        return found

    def explain(self, text: str) -> list[tuple[str, int, str, float, float, float]]:
        """(topic, index, language, coverage, cosine, keyword hits) per bullet: for calibration and `--explain`."""
        _, coverage = self._keywords.scores(self.extractor.tokenize(text))
        query = self._query_vector(text)
        cos = self._vectors @ query if query is not None and self._vectors is not None else None
        hits = self._keyword_hits(text)  # type: ignore[operator]
        return [
            (
                b.topic,
                b.index,
                b.language,
                float(coverage[i]),
                float(cos[i]) if cos is not None else 0.0,
                float(hits.get(b.topic, 0)),
            )
            for i, b in enumerate(self.bullets)
        ]
