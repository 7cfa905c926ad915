"""Suggestions mined from unanswered queries: new dictionary words, synonym pairs, FAQ candidates.

Unknown product words are often split apart by the tokenizer ("筋膜枪" → "筋膜" + "枪"), so new words are
found as Chinese character n-grams that recur across different unanswered queries, not from keywords.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import regex

from bot.insights.records import TurnRecord
from knowledge.script import HAN

CJK_RUN = regex.compile(rf"{HAN}{{2,}}")
EN_WORD = re.compile(r"[a-z][a-z0-9\-]{2,}")
# Function words that never make a product term on their own.
GLUE = set("的了吗呢吧啊有没是么什怎这那个款些要想买卖给我你他她它们和与或也都很太多少钱能可以请问一下")


@dataclass(frozen=True)
class Suggestions:
    dictionary_words: list[tuple[str, int]]  # (word, distinct queries)
    synonym_pairs: list[tuple[str, str]]  # (customer word, catalog word)
    faq_candidates: list[tuple[str, int]]  # (question, times asked)


def _ngrams(run: str, low: int = 2, high: int = 4) -> set[str]:
    return {run[i : i + n] for n in range(low, high + 1) for i in range(len(run) - n + 1)}


def candidate_words(texts: Iterable[str], known: set[str], min_queries: int = 2) -> list[tuple[str, int]]:
    """Maximal n-grams shared by ≥ `min_queries` distinct queries that the dictionary lacks."""
    counts: Counter[str] = Counter()
    for text in dict.fromkeys(t.strip() for t in texts):
        grams: set[str] = set()
        for run in CJK_RUN.findall(text):
            grams |= {g for g in _ngrams(run) if g[0] not in GLUE and g[-1] not in GLUE}
        grams |= set(EN_WORD.findall(text.lower()))
        counts.update(grams)
    covered = set(known) | {g for word in known for run in CJK_RUN.findall(word) for g in _ngrams(run)}
    frequent = {g: c for g, c in counts.items() if c >= min_queries and g.lower() not in covered}
    # Keep a gram only if no longer gram with the same count contains it (prefer "筋膜枪" to "筋膜").
    maximal = [
        (g, c)
        for g, c in frequent.items()
        if not any(g != other and g in other and frequent[other] >= c for other in frequent)
    ]
    return sorted(maximal, key=lambda item: (-item[1], -len(item[0]), item[0]))


def faq_candidates(turns: Iterable[TurnRecord], min_count: int = 2) -> list[tuple[str, int]]:
    """Questions asked again and again (normalised), answered or not: worth a policy/FAQ entry."""
    normalised = Counter(re.sub(r"[\s?？!！。.,，]+", "", t.text.lower()) for t in turns if t.text.strip())
    originals: dict[str, str] = {}
    for turn in turns:
        originals.setdefault(re.sub(r"[\s?？!！。.,，]+", "", turn.text.lower()), turn.text.strip())
    return [(originals[k], c) for k, c in normalised.most_common() if c >= min_count and k]


def build_suggestions(
    turns: list[TurnRecord],
    known_words: set[str],
    nearest_catalog_term: Callable[[str], str | None] | None = None,
    limit: int = 15,
) -> Suggestions:
    unanswered = [t for t in turns if not t.answered]
    words = candidate_words((t.text for t in unanswered), {w.lower() for w in known_words})[:limit]
    pairs: list[tuple[str, str]] = []
    if nearest_catalog_term is not None:
        for word, _ in words:
            term = nearest_catalog_term(word)
            if term and term != word:
                pairs.append((word, term))
    return Suggestions(words, pairs, faq_candidates(unanswered)[:limit])


def apply_dictionary(words: Iterable[str], path: Path) -> list[str]:
    """Append accepted words to the shop's user-dictionary file (one per line); returns those added."""
    existing = set(path.read_text(encoding="utf-8").split()) if path.exists() else set()
    added = [w for w in dict.fromkeys(words) if w and w not in existing]
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{word}\n" for word in added)
    return added
