"""Intents by meaning: the customer's message is compared with utterance exemplars per intent
(`bot/prompts/intents.yaml`, zh + zh-Hant + en) on the multilingual sentence encoder already used for retrieval.

Why exemplars, not a trained model: a shop adds a phrasing by adding a line, and the encoder carries it across
languages. The exemplar vectors are computed once and cached on disk, keyed by the file's content and the
encoder's name, so a restart costs a file read. The message vector is the one retrieval uses (the index's query
cache), so classifying costs a matrix product, not a second encoding.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.prompts import PROMPTS_DIR
from knowledge.yaml_data import load_yaml

log = logging.getLogger(__name__)
EXEMPLARS_FILE = PROMPTS_DIR / "intents.yaml"
TOP = 3  # an intent's score is the mean of its TOP best exemplar similarities


@dataclass(frozen=True)
class SemanticGuess:
    """The best intent by meaning, its score (cosine) and the margin over the runner-up."""

    intent: str
    score: float
    margin: float
    scores: dict[str, float]

    def sure(self, floor: float = 0.45, margin: float = 0.04) -> bool:
        return self.score >= floor and self.margin >= margin


def load_exemplars(path: Path = EXEMPLARS_FILE) -> dict[str, list[str]]:
    """intent → exemplar utterances; raises ValueError naming the file when the shape is wrong."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and v and all(isinstance(x, str) for x in v) for v in data.values()
    ):
        raise ValueError(f"{path}: expected `intent: [utterances…]` mappings")
    return {str(k): [str(x) for x in v] for k, v in data.items()}


class ExemplarClassifier:
    """Nearest-exemplar intent scores over L2-normalised sentence vectors."""

    def __init__(
        self,
        exemplars: dict[str, list[str]],
        embed: Callable[[Sequence[str]], np.ndarray],
        *,
        encoder_name: str = "encoder",
        cache_dir: Path | None = None,
    ) -> None:
        self.intents = list(exemplars)
        texts = [t for intent in self.intents for t in exemplars[intent]]
        self._labels = np.array([i for i, intent in enumerate(self.intents) for _ in exemplars[intent]])
        self.vectors = self._vectors(texts, embed, encoder_name, cache_dir)

    @staticmethod
    def _vectors(
        texts: list[str], embed: Callable[[Sequence[str]], np.ndarray], name: str, cache_dir: Path | None
    ) -> np.ndarray:
        digest = hashlib.sha256(("\n".join([name, *texts])).encode("utf-8")).hexdigest()[:20]
        path = cache_dir / f"intent-exemplars-{digest}.npy" if cache_dir is not None else None
        if path is not None and path.is_file():
            try:
                cached = np.load(path)
                if cached.shape[0] == len(texts):
                    return cached
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable exemplar cache %s: %s", path, exc)
        vectors = np.asarray(embed(texts), dtype=np.float32)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(path)
            except OSError as exc:
                log.warning("could not cache exemplar vectors in %s: %s", path, exc)
        return vectors

    def classify(self, vector: np.ndarray) -> SemanticGuess:
        """Scores per intent for one message vector (L2-normalised, same encoder)."""
        sims = self.vectors @ np.asarray(vector, dtype=np.float32).reshape(-1)
        scores: dict[str, float] = {}
        for i, intent in enumerate(self.intents):
            own = np.sort(sims[self._labels == i])[::-1][:TOP]
            scores[intent] = float(own.mean()) if own.size else 0.0
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        best, runner = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
        return SemanticGuess(best[0], best[1], best[1] - runner[1], scores)
