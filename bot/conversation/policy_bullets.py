"""Policy bullets found by meaning: the one or two lines of the shop's policies that answer a question.

Each bullet of every policy document (zh and en) is embedded once with the sentence encoder the bot already
uses (cached on disk by content); a question is scored against the bullets of the topics its intent allows
(after-sales → warranty + returns, order status → shipping …) by cosine plus shared rare words, so "锅是瘪的"
finds "商品破损 … 48 小时内拍照" without sharing a keyword. Without an encoder the word overlap alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from bot.conversation.intent_exemplars import ExemplarClassifier
from bot.prompts import PROMPTS_DIR
from knowledge.models import PolicyDoc


@dataclass(frozen=True)
class Bullet:
    topic: str
    title: str
    language: str
    text: str  # the bullet as written (Markdown emphasis removed)


def _plain(line: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"\1", line).strip().lstrip("-•* ").strip()


def bullets_of(docs: Iterable[PolicyDoc]) -> list[Bullet]:
    out = []
    for doc in docs:
        for line in doc.text.splitlines():
            if line.strip().startswith(("-", "•", "*")) and len(_plain(line)) > 4:
                out.append(Bullet(doc.topic, doc.title, doc.language, _plain(line)))
    return out


ISSUE_WORDS_FILE = PROMPTS_DIR / "issue_words.yaml"


@lru_cache(maxsize=2)
def issue_words(path: Path = ISSUE_WORDS_FILE) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(the policy's word, the customer's words for it) pairs from `bot/prompts/issue_words.yaml`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple((str(k), tuple(str(w).lower() for w in v)) for k, v in data.items())


def with_policy_words(question: str) -> str:
    """The question plus the policy's own words for the problem it describes."""
    lowered = question.lower()
    extra = [word for word, said in issue_words() if any(s in lowered for s in said)]
    return " ".join([question, *extra])


def _grams(text: str) -> set[str]:
    lowered = text.lower()
    cjk = re.findall(r"[\u4e00-\u9fff]+", lowered)
    return {run[i : i + 2] for run in cjk for i in range(len(run) - 1)} | set(
        re.findall(r"[a-z]{4,}", lowered)
    )


class PolicyBullets:
    """Bullet search over a shop's policies (see the module docstring)."""

    def __init__(
        self,
        docs: Sequence[PolicyDoc],
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
        *,
        encoder_name: str = "encoder",
        cache_dir: object = None,
    ) -> None:
        self.bullets = bullets_of(docs)
        self._grams = [_grams(b.text) for b in self.bullets]
        self._vectors: np.ndarray | None = None
        if embed is not None and self.bullets:
            table = ExemplarClassifier(
                {"bullets": [b.text for b in self.bullets]},
                embed,
                encoder_name=f"{encoder_name}:policy",
                cache_dir=cache_dir,  # type: ignore[arg-type]
            )
            self._vectors = table.vectors

    def find(
        self,
        question: str,
        *,
        topics: Sequence[str] = (),
        language: str = "zh",
        vector: np.ndarray | None = None,
        k: int = 2,
    ) -> list[Bullet]:
        """The k best bullets of `topics` (all topics when empty) in `language`, in document order."""
        wanted = _grams(with_policy_words(question))
        rows = [
            i
            for i, b in enumerate(self.bullets)
            if b.language == language and (not topics or b.topic in topics)
        ] or [i for i, b in enumerate(self.bullets) if not topics or b.topic in topics]
        if not rows:
            return []
        df = {g: sum(1 for i in rows if g in self._grams[i]) for g in wanted}
        scores = []
        for i in rows:
            overlap = sum(1.0 / df[g] for g in wanted & self._grams[i] if df[g])
            cosine = (
                float(self._vectors[i] @ vector) if self._vectors is not None and vector is not None else 0.0
            )
            scores.append((cosine + 0.25 * overlap, i))
        best = sorted(scores, reverse=True)[:k]
        return [self.bullets[i] for _, i in sorted(best, key=lambda item: item[1])]
