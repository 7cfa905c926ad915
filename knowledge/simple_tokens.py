"""A dependency-free `KeywordExtractor` for tests and as a fallback: words, CJK characters and CJK bigrams.

The real one (jieba + the catalog vocabulary) lives in `knowledge.keywords`; this keeps the in-memory index and
the factory usable without it, with the same token shape (Chinese needs character n-grams to match at all).
"""

from __future__ import annotations

from collections import Counter

import regex

from knowledge.script import HAN, is_han

_TOKEN = regex.compile(rf"{HAN}+|[a-z0-9]+(?:[.\-][a-z0-9]+)*", regex.IGNORECASE)
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "is",
        "are",
        "i",
        "me",
        "my",
        "you",
        "we",
        "our",
        "it",
        "this",
        "that",
        "what",
        "which",
        "do",
        "does",
        "have",
        "has",
        "any",
        "some",
        "please",
        "want",
        "need",
        "looking",
        "buy",
        "的",
        "了",
        "和",
        "是",
        "我",
        "你",
        "有",
        "吗",
        "呢",
        "吧",
        "在",
        "要",
        "想",
        "买",
        "个",
        "一",
    ]
)


def _is_cjk(chunk: str) -> bool:
    return is_han(chunk[0])


class SimpleKeywordExtractor:
    """Lower-cased English words plus Chinese characters and character bigrams; no dictionary needed."""

    def tokenize(self, text: str) -> list[str]:
        tokens: list[str] = []
        for match in _TOKEN.finditer(text.lower()):
            chunk = match.group(0)
            if _is_cjk(chunk):
                tokens.extend(ch for ch in chunk if ch not in _STOP)
                tokens.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
            elif chunk not in _STOP:
                tokens.append(chunk)
        return tokens

    def keywords(self, text: str, top_k: int = 8, *, surface: bool = False) -> list[str]:
        counts = Counter(token for token in self.tokenize(text) if len(token) > 1)
        return [token for token, _ in counts.most_common(top_k)]
