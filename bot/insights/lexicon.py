"""What a customer word is, for insights: a catalog content word, an unknown whole word, or a function word.

Trends, gaps and suggestions count content only: words of the catalog's own vocabulary (brands, category
levels, tags, attribute values, title words) and whole words the catalog does not know (自行车, iphone) — never
function words (便宜, 几款, 第二个, pro; `lexicon.yaml`) and never stubs a tokenizer cut from a longer word
(adida from "adidas", pega from "pegasus"). `service_topics` name the shop-service subjects (优惠券, 发票,
运费 …) that make a question a policy question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import regex

from knowledge.models import Product
from knowledge.resources import LEXICON_FILE  # the one list, shared with request matching
from knowledge.yaml_data import load_yaml

_SPLIT = re.compile(r"[\s/;,，、|()（）\[\]【】+]+")
_HAN = regex.compile(r"\p{Han}")
_LATIN_RUN = re.compile(r"[a-z0-9][a-z0-9\-+.]*")


@dataclass(frozen=True)
class Lexicon:
    function_words: frozenset[str]
    function_patterns: tuple[re.Pattern[str], ...]
    service_topics: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        words = {str(w).lower() for lang in (data.get("function_words") or {}).values() for w in lang}
        patterns = tuple(re.compile(str(p), re.IGNORECASE) for p in data.get("function_patterns") or ())
        topics = {
            str(k): tuple(str(w).lower() for w in v) for k, v in (data.get("service_topics") or {}).items()
        }
        return cls(frozenset(words), patterns, topics)

    def is_function(self, word: str) -> bool:
        word = word.strip().lower()
        return (
            not word
            or word in self.function_words
            or any(p.search(word) for p in self.function_patterns)
            or (bool(_HAN.search(word)) and len(word) < 2)
            or (word.isascii() and len(word) < 2)
        )

    def contains_function(self, word: str) -> bool:
        """A two-or-more-character function word inside `word` (推荐一款, 哪个好用): not a product term."""
        lowered = word.lower()
        return self.is_function(lowered) or any(
            len(f) >= 2 and _HAN.search(f) and f in lowered for f in self.function_words
        )

    def topic_of(self, text: str) -> str | None:
        """The service topic a text names (优惠券 → coupons) by its longest word (送货上门 → installation)."""
        lowered = text.lower()
        found = [
            (len(word), topic)
            for topic, words in self.service_topics.items()
            for word in words
            if word in lowered
        ]
        return max(found)[1] if found else None


@cache
def default_lexicon() -> Lexicon:
    return Lexicon.load()


class CatalogWords:
    """The catalog's whole words, lower-cased: brands, category levels, tags, attribute values, title words."""

    def __init__(
        self, words: Iterable[str], categories: Iterable[str] = (), brands: Iterable[str] = ()
    ) -> None:
        self.categories = frozenset(c.strip().lower() for c in categories if c.strip())
        self.brands = frozenset(b.strip().lower() for b in brands if b.strip())
        self.words = (
            frozenset(w for w in (x.strip().lower() for x in words) if w) | self.categories | self.brands
        )

    @classmethod
    def from_products(cls, products: Iterable[Product]) -> CatalogWords:
        words: list[str] = []
        categories: list[str] = []
        brands: list[str] = []
        for product in products:
            brands += [product.brand, *product.brand.split()]
            categories += product.category_path
            words += [*product.tags, *(v for value in product.attributes.values() for v in value.split(";"))]
            words += _SPLIT.split(product.title)
            words += _LATIN_RUN.findall(product.title.lower())
        return cls(words, categories, brands)

    @classmethod
    def from_terms(cls, terms: Iterable[str]) -> CatalogWords:
        """From free text (one string per product): split on spaces and separators."""
        return cls(w for term in terms for w in _SPLIT.split(term))

    def __contains__(self, word: str) -> bool:
        return word.strip().lower() in self.words

    def mentions(self, word: str) -> bool:
        """A catalog word contains it (跑鞋 in 跑鞋, 球鞋 in 篮球鞋): the catalog sells something by that name."""
        lowered = word.strip().lower()
        return lowered in self.words or any(lowered in w for w in self.words if len(w) > len(lowered))


def whole_in(word: str, text: str) -> bool:
    """The word appears whole in the text: Latin words bounded by non-letters, Chinese anywhere."""
    lowered, haystack = word.lower(), text.lower()
    if _HAN.search(lowered):
        return lowered in haystack
    return re.search(rf"(?<![a-z0-9]){re.escape(lowered)}(?![a-z0-9])", haystack) is not None


def without_function_words(text: str, lexicon: Lexicon) -> str:
    """`text` with its Chinese function words of two or more characters blanked out ("多少钱" → " "), so that
    no stub of one ("少钱") counts as a whole word of it (`whole_in`)."""
    if not _HAN.search(text):
        return text
    pattern = _han_function_pattern(lexicon.function_words)
    return pattern.sub(" ", text.lower()) if pattern is not None else text


@cache
def _han_function_pattern(function_words: frozenset[str]) -> re.Pattern[str] | None:
    words = sorted((w for w in function_words if len(w) >= 2 and _HAN.search(w)), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


def content_words(
    keywords: Iterable[str], text: str, catalog: CatalogWords, lexicon: Lexicon | None = None
) -> list[str]:
    """The keywords that are demand: catalog words, or unknown whole words — function words and stubs dropped."""
    lexicon = lexicon or default_lexicon()
    out: list[str] = []
    for keyword in keywords:
        word = keyword.strip().lower()
        if lexicon.is_function(word):
            continue
        if word in catalog or whole_in(word, text):
            out.append(word)
    return list(dict.fromkeys(out))
