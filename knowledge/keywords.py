"""Chinese-aware tokens and keywords with jieba: the one module that imports jieba.

jieba keeps global state and is slow to start, so each extractor owns a private `jieba.Tokenizer`,
built lazily under a lock with the catalog's own words (brands, models, category names, synonyms).
BM25 tokens = jieba words + Chinese character 1/2-grams + normalised English words, stop words removed,
synonyms and brand aliases folded to one canonical form (the bigrams took zh recall from 0.60 to 1.00 in our sanity set).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jieba
import regex

from knowledge.keywords_jieba import base_dictionary, generic_idf, pos_tagger
from knowledge.models import Product
from knowledge.resources import (
    brand_alias_groups,
    normalise_english,
    normalise_text,
    stopwords,
    synonym_groups,
)
from knowledge.script import HAN, HAN_CHAR
from knowledge.vocabulary import Vocabulary

# A single Latin letter glued to Chinese stays with it ("t恤"); otherwise Chinese runs and English words.
_SEGMENTS = regex.compile(
    rf"((?:(?<![a-z0-9])[a-z](?={HAN}))?{HAN}+)"
    r"|([a-z0-9]+(?:['’.&+-][a-z0-9]+)*)"
)
_HAN_RUN = regex.compile(rf"{HAN}{{2,}}")
# "几款", "两个", "哪几种", "3款": how many the customer wants to see, never a word of what they want
QUANTITY_WORD = regex.compile(r"^[哪这那]?(?:[几两一二三四五六七八九十]|\d+)[款个种件样只把支双台套本条份]$")
_CJK = HAN_CHAR
_STOP_CHARS = frozenset("的了吗呢吧啊呀哦嘛啦么和与及或是我你他她它这那哪一")
TOKENIZER_VERSION = "5"  # bump when tokenize() changes behaviour
USER_WORD_FREQ = 20000  # high enough that jieba keeps a catalog word whole
QUERY_CACHE_CHARS = 160  # texts up to this length (queries) have their tokens cached
TEXTRANK_POS = ("ns", "n", "vn", "v", "nz", "nr", "nt", "eng")


class JiebaKeywordExtractor:
    """`KeywordExtractor` on a private jieba tokenizer with the catalog's user dictionary."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or Vocabulary.empty()
        self._lock = threading.RLock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._textrank: Any = None
        self._stop = stopwords()
        self._fold, self._phrases = self._synonym_maps()
        self._fingerprint: str | None = None
        self._cached_split = lru_cache(maxsize=8192)(self._split_uncached)
        self._kind_words: tuple[frozenset[str], frozenset[str]] | None = None

    # -- set-up ---------------------------------------------------------------------------------
    def _synonym_maps(self) -> tuple[dict[str, str], dict[tuple[str, ...], str]]:
        """Single-token members → canonical, and multi-token English phrases → canonical."""
        fold: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        # Brand aliases fold too ("安克" = "Anker"): a Chinese query finds a product listed in English.
        for group in (*synonym_groups(), *brand_alias_groups()):
            canonical = normalise_text(group[0])
            for member in group:
                parts = tuple(self._raw_tokens(normalise_text(member), segment=False))
                if len(parts) == 1:
                    fold.setdefault(parts[0], canonical)
                elif parts:
                    phrases.setdefault(parts, canonical)
        # English head nouns the catalog learnt for a Chinese-named category ("helmet" → 头盔): one token, so a
        # Chinese title and an English one of the same kind match either language's query. Phrases are not
        # folded: "acoustic guitar" → 吉他 would hide "guitar" from a search for "guitars".
        for name, path in self.vocabulary.kind_names.items():
            leaf = normalise_text(path.split("/")[-1])
            parts = tuple(self._raw_tokens(normalise_text(name), segment=False))
            if _CJK.search(leaf) and len(parts) == 1:
                fold.setdefault(parts[0], leaf)
        return fold, phrases

    def _jieba(self) -> jieba.Tokenizer:
        """The private tokenizer, built once on first use (about 0.5 s: jieba's prefix dictionary)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    freq, total = base_dictionary()
                    tokenizer = jieba.Tokenizer()
                    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
                    words = {normalise_text(w) for group in synonym_groups() for w in group}
                    words.update(normalise_text(w) for w in self.vocabulary.user_words())
                    for word in sorted(words):
                        if len(word) >= 2 and _CJK.search(word) and " " not in word:
                            tokenizer.add_word(word, freq=USER_WORD_FREQ, tag="nz")
                    self._tokenizer = tokenizer
        return self._tokenizer

    @property
    def fingerprint(self) -> str:
        """Identifies what `tokenize` does (user words, synonyms, stop words): cached tokens are stale otherwise."""
        if self._fingerprint is None:
            digest = hashlib.sha256(TOKENIZER_VERSION.encode())
            for part in (
                self.vocabulary.user_words(),
                sorted(self._stop),
                sorted(self._fold.items()),
                sorted(self._phrases.items()),
            ):
                digest.update(repr(part).encode("utf-8"))
            self._fingerprint = f"jieba-{digest.hexdigest()[:16]}"
        return self._fingerprint

    def is_word(self, word: str) -> bool:
        """True when jieba's dictionary or the catalog vocabulary knows the word (it is not a typo)."""
        freq, _ = base_dictionary()
        return bool(freq.get(word)) or word in self.vocabulary.doc_freq

    def warm_up(self) -> None:
        """Build the jieba dictionary and read its IDF table now (e.g. at start-up) instead of on the first
        message."""
        self._jieba()
        generic_idf()

    # -- tokens ---------------------------------------------------------------------------------
    def _raw_tokens(self, text: str, *, segment: bool = True) -> list[str]:
        """Normalised words in order: jieba words for Chinese runs, English words as they are."""
        out: list[str] = []
        for match in _SEGMENTS.finditer(text):
            han, latin = match.groups()
            if han:
                out.extend(self._jieba().lcut(han, HMM=True) if segment and len(han) > 1 else [han])
            else:
                out.append(normalise_english(latin))
        return out

    def _stop_phrases(self, raw: list[str]) -> list[str]:
        """`raw` with each multi-word synonym that has a stop word in it ("down jacket", "top up") joined into
        one word ("down jacket"): dropping "down" would leave "jacket", which names another kind."""
        out: list[str] = []
        i = 0
        while i < len(raw):
            for n in (3, 2):
                words = tuple(raw[i : i + n])
                if len(words) == n and words in self._phrases and any(w in self._stop for w in words):
                    out.append(" ".join(words))
                    i += n
                    break
            else:
                out.append(raw[i])
                i += 1
        return out

    def _fold_phrases(self, raw: list[str]) -> list[str]:
        """Greedy longest match of multi-word synonyms ("running shoes" → 跑鞋), then single folds."""
        folded: list[str] = []
        i = 0
        while i < len(raw):
            for n in (3, 2):
                canonical = self._phrases.get(tuple(raw[i : i + n])) if i + n <= len(raw) else None
                if canonical:
                    folded.append(canonical)
                    i += n
                    break
            else:
                folded.append(self._fold.get(raw[i], raw[i]))
                i += 1
        return folded

    def _kinds(self) -> tuple[frozenset[str], frozenset[str]]:
        """(the catalog's Chinese tags and values, the kind words one of them may end with: synonym members,
        category levels, tags and values), brands left out of both."""
        if self._kind_words is None:
            brands = {normalise_text(b) for b in self.vocabulary.brands}
            terms = {normalise_text(w) for w in self.vocabulary.terms} - brands
            words = {normalise_text(w) for group in synonym_groups() for w in group}
            words.update(normalise_text(w) for w in self.vocabulary.category_parts)
            words = (words | terms) - brands
            self._kind_words = (
                frozenset(terms),
                frozenset(w for w in words if len(w) >= 2 and _CJK.search(w) and " " not in w),
            )
        return self._kind_words

    def _head(self, word: str) -> str | None:
        """The longest kind word a tag of three or more characters ends with ("迷你打气筒" → 打气筒, "儿童头盔" →
        头盔, "丙烯马克笔" → 马克笔): the kind of thing the tagged product is, so a search for the kind finds it."""
        if len(word) < 3 or not _CJK.search(word):
            return None
        terms, kinds = self._kinds()
        if word not in terms:
            return None
        return next((word[k:] for k in range(1, len(word) - 1) if word[k:] in kinds), None)

    def _tokens_uncached(self, text: str) -> tuple[str, ...]:
        words, ngrams = self._split_uncached(text)
        return words + ngrams

    def _split_uncached(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(word tokens, character n-gram tokens): words are script-neutral after synonym folding, n-grams
        can only ever match Chinese text."""
        norm = normalise_text(text)
        raw = self._raw_tokens(norm)
        tokens: list[str] = []
        previous = ""
        for word in self._fold_phrases(raw):
            if word in self._stop or QUANTITY_WORD.match(word):
                previous = ""
                continue
            tokens.append(word)
            head = self._head(word)
            if head is not None:
                tokens.append(self._fold.get(head, head))
            if not _CJK.search(word):
                if "-" in word:
                    parts = [p for p in word.split("-") if p]
                    tokens.extend([*parts, "".join(parts)])
                if previous.isascii() and previous.isalpha() and word.isdigit():
                    tokens.append(previous + word)  # "pegasus 41" → also "pegasus41"
            previous = word
        ngrams: list[str] = []
        for han in _HAN_RUN.findall(norm):
            # character 1- and 2-grams: recall for words jieba splits differently in query and title
            # (multicpr-mini-zh BM25 nDCG@10: words + bigrams 0.841, + unigrams 0.883)
            ngrams.extend(ch for ch in han if ch not in _STOP_CHARS and ch not in self._stop)
            for a, b in itertools.pairwise(han):
                bigram = a + b
                stop = bigram in self._stop or a in _STOP_CHARS or b in _STOP_CHARS
                if not stop and not QUANTITY_WORD.match(bigram):
                    ngrams.append(bigram)
        return tuple(tokens), tuple(ngrams)

    def tokenize(self, text: str) -> list[str]:
        """BM25 tokens; short texts (queries) are served from an LRU cache."""
        if len(text) <= QUERY_CACHE_CHARS:
            words, ngrams = self._cached_split(text)
            return [*words, *ngrams]
        return list(self._tokens_uncached(text))

    def split_tokens(self, text: str) -> tuple[list[str], list[str]]:
        """`tokenize` in two parts: (word tokens, Chinese character n-grams), for script-aware ranking."""
        words, ngrams = (
            self._cached_split(text) if len(text) <= QUERY_CACHE_CHARS else self._split_uncached(text)
        )
        return list(words), list(ngrams)

    def words(self, text: str) -> list[str]:
        """Surface words (no bigrams, no folding, no stop words): what keywords and IDF count."""
        out = []
        for word in self._stop_phrases(self._raw_tokens(normalise_text(text))):
            if word in self._stop or word.isdigit() or QUANTITY_WORD.match(word):
                continue
            if len(word) < 2 and not (_CJK.search(word) and self._fold.get(word) == word):
                continue  # one character is a word only when it heads a synonym group ("锅", "鞋", "茶")
            out.append(word)
        return out

    # -- keywords -------------------------------------------------------------------------------
    def idf(self, word: str) -> float:
        """Catalog IDF when the word occurs in the catalog, else jieba's generic IDF on the same scale."""
        known = self.vocabulary.idf(word)
        if known is not None:
            return known
        freq, median, top = generic_idf()
        generic = freq.get(word, median)
        if self.vocabulary.doc_count:
            return generic / top * self.vocabulary.max_idf()
        return generic

    def keywords(self, text: str, top_k: int = 8, *, surface: bool = False) -> list[str]:
        """TF-IDF keywords, best first; ties keep the order of appearance.

        By default in matching form (English singular: "asics" → "asic"). `surface=True` is for people
        (SEO keywords): English words as the text wrote them (lower-cased), and no Chinese word jieba's
        HMM made up from an unknown run ("附开" from 附开果器) — only dictionary and catalog words.
        """
        words = self.words(text)
        counts = Counter(words)
        first = {word: i for i, word in reversed(list(enumerate(words)))}
        scored = sorted(counts, key=lambda w: (-counts[w] * self.idf(w), first[w]))
        if not surface:
            return scored[:top_k]
        forms: dict[str, str] = {}
        for match in _SEGMENTS.finditer(normalise_text(text)):
            if match.group(2):
                forms.setdefault(normalise_english(match.group(2)), match.group(2))
        known = self._jieba().FREQ
        shown = [forms.get(w, w) for w in scored if not _CJK.search(w) or known.get(w, 0) > 0]
        return list(dict.fromkeys(shown))[:top_k]

    def textrank(self, text: str, top_k: int = 8) -> list[str]:
        """TextRank keywords (jieba.analyse) over this extractor's tokenizer and stop words."""
        if self._textrank is None:
            with self._lock:
                if self._textrank is None:
                    from jieba.analyse.textrank import TextRank

                    ranker = TextRank()
                    ranker.tokenizer = ranker.postokenizer = pos_tagger(self._jieba())
                    ranker.stop_words = set(self._stop)
                    self._textrank = ranker
        found = self._textrank.textrank(normalise_text(text), topK=top_k, allowPOS=TEXTRANK_POS)
        return [word if _CJK.search(word) else normalise_english(word) for word in found]


def build_vocabulary(products: Iterable[Product]) -> Vocabulary:
    """The catalog's vocabulary, with document frequencies counted by the jieba tokenizer it configures."""
    return Vocabulary.from_products(products, tokenizer=lambda vocab: JiebaKeywordExtractor(vocab).words)


__all__ = ["JiebaKeywordExtractor", "build_vocabulary", "normalise_english"]
