"""Pinyin and typos mapped onto the catalog's own words: "lanya erji" → 蓝牙耳机, 跑布鞋 → 跑步鞋, "wireles" → wireless.

The one module that imports `pypinyin` (its character table) and `spellchecker` (pyspellchecker's English word
list, 160k words: a word it knows is English, never a typo and never pinyin — "shipping" is not "skipping"). Everything is driven by a word list the caller builds from the catalog
vocabulary, the synonym file and the parser's own cue words (以内, 推荐 …): a pinyin key → words map is built once,
and a message is corrected only towards a word of that list, never away from a word the customer could mean:
- pinyin: a run of Latin words is read as pinyin only when all of it spells catalog/cue words and at least one of
  them is a catalog word of two or more syllables, and not every word of the run is English;
- Chinese typos: a 2–4 character stretch that is neither a catalog word nor a dictionary word becomes the catalog
  word with the same pinyin differing in one character (跑布鞋 → 跑步鞋, 降燥 → 降噪);
- English typos: a word of 5+ letters the catalog never uses becomes the catalog word one edit away (wireles).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import regex

from knowledge.script import HAN_CHAR, HAN_RUN

_HAN = HAN_CHAR
_HAN_RUN = HAN_RUN
_LATIN_RUN = re.compile(r"[A-Za-z]+(?:[ \t]+[A-Za-z]+)*")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
MAX_KEY = 30  # letters in the longest pinyin key looked up
MIN_TYPO_WORD = 5  # English words shorter than this are not corrected ("tee" is not a typo of "tea")
# Function characters: a stretch holding one is grammar, not a misspelt catalog word ("味的" is not "美的").
_FUNCTION_CHARS = frozenset("的了吗呢吧啊呀哦嘛么是有在和与或我你他她它这那哪个也都就要不没很还再又能会想")
# Pinyin particles that pyspellchecker also lists as English ("de", "ne", "ma"): they never make a run English.
_PARTICLES = frozenset({"de", "ne", "ma", "ba", "le", "ya"})
# After a number, "ma" / "hao" are a size ("42 ma" → 42码), not the question particle 吗.
_SIZE_WORDS = {"ma": "码", "hao": "号"}
_ENDS_WITH_DIGIT = re.compile(r"\d\s*$")


MAX_READINGS = 2  # readings per character indexed (行: xing, hang)
MAX_KEYS = 8  # pinyin spellings indexed per word


@cache
def _table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # the character table only (~0.3 s), not the phrase model

    return pinyin_dict


@cache
def readings(char: str) -> tuple[str, ...]:
    """Toneless pinyin readings of one character, most common first ("行" → ("xing", "hang"), "女" → ("nu", "nv"));
    () if none."""
    raw = _table().get(ord(char))
    if not raw:
        return ()
    out: list[str] = []
    for marked in raw.split(",")[:MAX_READINGS]:
        decomposed = unicodedata.normalize("NFD", marked).replace("u\u0308", "v")  # ü: typed "v" ("nv")
        typed = "".join(c for c in decomposed if not unicodedata.combining(c))
        for spelling in (typed.replace("v", "u"), typed):  # 女: "nu" or "nv"
            if spelling and spelling not in out:
                out.append(spelling)
    return tuple(out)


def pinyin_keys(word: str) -> list[str]:
    """The word's toneless pinyin spellings, one per combination of its characters' readings (at most 8)."""
    keys = [""]
    for char in word:
        options = readings(char)
        if not options:
            return []
        keys = [key + option for key in keys for option in options][:MAX_KEYS]
    return keys


_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


def fuzzy_key(key: str) -> str:
    """A pinyin spelling with the sounds typists most often confuse merged (zh/z, ch/c, sh/s, -ng/-n), as
    fuzzy-pinyin input methods do: "xichengqi" and "xichenqi" (吸成器 / 吸尘器) share one key."""
    for a, b in _FUZZY:
        key = key.replace(a, b)
    return key


@cache
def _english_words() -> object:
    from spellchecker import SpellChecker  # ~0.2 s to load the English frequency list, once per process

    return SpellChecker(language="en", distance=1).word_frequency


def english_word(word: str) -> bool:
    """True when the word is in pyspellchecker's English list (any letters case)."""
    return word.lower() in _english_words()  # type: ignore[operator]


@dataclass(frozen=True)
class Correction:
    written: str
    understood: str


@dataclass
class SpellingCorrector:
    """Corrects toward `words` (word → weight: catalog frequency; cue words get a weight of 1).

    `catalog` words may be the target of typo correction and anchor a pinyin run; `english` are the Latin words a
    message may legitimately contain (catalog, synonyms, stop words; weight 0 = never a correction target),
    `lexicon` tells whether a Latin word is English at all, and `known` whether a Chinese stretch is a real word
    (jieba's dictionary): neither is ever "corrected".
    """

    words: Mapping[str, int]
    catalog: frozenset[str]
    english: Mapping[str, int]
    known: Callable[[str], bool] = lambda word: False
    lexicon: Callable[[str], bool] = english_word
    # the catalog's kind names (category levels): a dictionary word that sounds exactly like one and differs from
    # it in one character is its misspelling in a shop that sells it (三角架 → 三脚架, 帐蓬 → 帐篷), unless the
    # catalog or the synonym file uses the word itself (杯子 stays 杯子 in a shop of 被子)
    kinds: frozenset[str] = frozenset()
    _index: dict[str, list[str]] = field(default_factory=dict, init=False)
    _deletes: dict[str, list[str]] = field(default_factory=dict, init=False)
    _fuzzy: dict[str, list[str]] = field(default_factory=dict, init=False)  # fuzzy key → words of 3+ chars

    def __post_init__(self) -> None:
        for word, _ in sorted(self.words.items(), key=lambda item: (-item[1], item[0])):
            if _HAN.search(word) and all(_HAN.match(ch) for ch in word) and len(word) <= 8:
                for key in pinyin_keys(word):
                    if len(key) <= MAX_KEY and word not in self._index.get(key, ()):
                        self._index.setdefault(key, []).append(word)
                    if len(word) >= 3 and word not in self._fuzzy.get(fuzzy_key(key), ()):
                        self._fuzzy.setdefault(fuzzy_key(key), []).append(word)
        for word, weight in self.english.items():
            if (
                weight > 0 and len(word) >= MIN_TYPO_WORD - 1 and word.isalpha()
            ):  # stop words are never targets
                for deleted in {word[:i] + word[i + 1 :] for i in range(len(word))}:
                    self._deletes.setdefault(deleted, []).append(word)

    # -- pinyin ---------------------------------------------------------------------------------------
    def _segment(self, letters: str) -> list[str] | None:
        """Fewest catalog/cue words whose pinyin spells `letters` exactly (best-weighted first), or None."""
        n = len(letters)
        best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, 0, [])
        for start in range(n):
            if best[start] is None:
                continue
            pieces, weight, words = best[start]  # type: ignore[misc]
            for end in range(start + 1, min(n, start + MAX_KEY) + 1):
                found = self._index.get(letters[start:end])
                if not found:
                    continue
                word = found[0]
                candidate = (pieces + 1, weight - self.words.get(word, 0), [*words, word])
                current = best[end]
                if current is None or candidate[:2] < current[:2]:
                    best[end] = candidate
        final = best[n]
        return final[2] if final is not None else None

    def from_pinyin(self, text: str) -> tuple[str, list[Correction]]:
        """Replace runs of pinyin with the catalog words they spell ("paoxie 300 yinei" → "跑鞋 300 以内").

        Once some run spells a catalog word ("paoxie"), runs that are also English words spell cue words too
        ("you 42 ma de paoxie ma" → "有 42 码的跑鞋吗"): the message as a whole is pinyin."""
        runs: list[tuple[re.Match[str], list[str], bool]] = []
        for run in _LATIN_RUN.finditer(text):
            tokens = [t.lower() for t in _LATIN_WORD.findall(run.group(0))]
            english = all(
                token not in _PARTICLES and (token in self.english or self.lexicon(token)) for token in tokens
            )
            prefix: list[str] = []
            if tokens[0] in _SIZE_WORDS and _ENDS_WITH_DIGIT.search(text[: run.start()]):
                prefix, tokens = [_SIZE_WORDS[tokens[0]]], tokens[1:]
            words = self._segment("".join(tokens)) if tokens else []
            if words is not None and (prefix or words):
                runs.append((run, [*prefix, *words], english))
        # Pinyin only when some run spells a catalog word of two or more syllables ("paoxie"); then cue-word
        # runs of the same message count too ("paoxie 300 yinei" → 跑鞋 300 以内).
        # A run of no English word that spells two or more cue words, one of them of two syllables or more,
        # is pinyin too ("zhe ge duoshao qian" → 这个多少钱 about the product in focus).
        if not any(
            len(w) >= 2 and w in self.catalog for _, words, english in runs if not english for w in words
        ) and not any(
            not english and len(words) >= 2 and any(len(w) >= 2 for w in words) for _, words, english in runs
        ):
            return text, []
        corrections: list[Correction] = []
        out: list[str] = []
        last = 0
        for run, words, _ in runs:
            out.append(text[last : run.start()])
            out.append("".join(words))
            corrections.append(Correction(run.group(0), "".join(words)))
            last = run.end()
        out.append(text[last:])
        return "".join(out), corrections

    # -- typos ----------------------------------------------------------------------------------------
    def _han_typos(self, run: str) -> tuple[str, list[Correction]]:
        chars = list(run)
        corrections: list[Correction] = []
        fixed = [False] * len(run)  # corrected already
        kept = [False] * len(
            run
        )  # inside a catalog word written right: never re-spelt (罗马仕 is not 罗马赫)
        for size in range(min(len(run), 8), 1, -1):
            for start in range(len(run) - size + 1):
                word = run[start : start + size]
                # a catalog word, or a dictionary word of 3+ characters: "茶保质期" keeps 保质期 (not 茶包)
                if word in self.catalog or (
                    size >= 3 and self.known(word) and not self._sounds_like_kind(word)
                ):
                    kept[start : start + size] = [True] * size
        for phrase in _GRAMMAR_PHRASES:  # "大一点" is "a bit bigger", never 大益 (the tea brand)
            for m in re.finditer(phrase, run):
                kept[m.start() : m.end()] = [True] * len(phrase)
        for size in (4, 3, 2):
            for start in range(len(run) - size + 1):
                if any(fixed[start : start + size]):
                    continue
                window = "".join(chars[start : start + size])
                # a function character is grammar ("味的" is not "美的"), except inside a longer word (跑不鞋)
                grammar = window if size < 3 else window[0] + window[-1]
                if window in self.words or _FUNCTION_CHARS & set(grammar):
                    continue
                candidate = self._sounds_like_kind(window) if self.known(window) else self._same_sound(window)
                if candidate is None:
                    continue
                changed = [
                    start + i for i, (a, b) in enumerate(zip(window, candidate, strict=True)) if a != b
                ]
                if any(kept[i] for i in changed):
                    continue
                chars[start : start + size] = list(candidate)
                fixed[start : start + size] = [True] * size
                corrections.append(Correction(window, candidate))
        return "".join(chars), corrections

    def _sounds_like_kind(self, window: str) -> str | None:
        """The catalog kind name `window` is a homophone misspelling of: read with its usual pronunciation, the
        same pinyin as the kind's usual one, one character different (三角架 → 三脚架); else None."""
        if not self.kinds or window in self.words:
            return None
        keys = pinyin_keys(window)[:1]
        for key in keys:
            for candidate in self._index.get(key, ()):
                if (
                    candidate in self.kinds
                    and len(candidate) == len(window)
                    and sum(a != b for a, b in zip(candidate, window, strict=True)) == 1
                    and pinyin_keys(candidate)[0] == key
                ):
                    return candidate
        return None

    def _same_sound(self, window: str) -> str | None:
        """The catalog word that sounds like `window` and differs from it in exactly one character."""
        for key in pinyin_keys(window):
            for candidate in self._index.get(key, ()):
                same = sum(a == b for a, b in zip(candidate, window, strict=False))
                if (
                    len(candidate) == len(window)
                    and same == len(window) - 1
                    and candidate in self.catalog
                    and pinyin_keys(candidate)[0] == key  # its usual reading (赫 is "he", not the rare "shi")
                ):
                    return candidate
        if len(window) < 3:
            return None
        for key in pinyin_keys(window):  # a near sound in a longer word: 吸成器 (cheng) → 吸尘器 (chen)
            for candidate in self._fuzzy.get(fuzzy_key(key), ()):
                same = sum(a == b for a, b in zip(candidate, window, strict=False))
                if (
                    len(candidate) == len(window)
                    and same == len(window) - 1
                    and candidate in self.catalog
                    and fuzzy_key(pinyin_keys(candidate)[0]) == fuzzy_key(key)
                ):
                    return candidate
        return None

    def _english_typo(self, word: str) -> str | None:
        """The catalog word one edit (insert, delete, substitute, swap) away, the most frequent; else None."""
        lowered = word.lower()
        if len(lowered) < MIN_TYPO_WORD or lowered in self.english or not lowered.isalpha():
            return None
        if _singular(lowered) in self.english or self.lexicon(lowered):
            return None  # a plural of a known word, or an English word the catalog does not use, is no typo
        deletions = {lowered[:i] + lowered[i + 1 :] for i in range(len(lowered))}
        found = set(self._deletes.get(lowered, ()))  # a letter missing: "wireles" → "wireless"
        found.update(d for d in deletions if self.english.get(d, 0) > 0)  # a letter too many
        for d in deletions:  # one letter wrong, or two swapped
            found.update(w for w in self._deletes.get(d, ()) if len(w) == len(lowered))
        found = {w for w in found if _one_edit(lowered, w)}
        if not found:
            return None
        return max(sorted(found), key=lambda w: self.english.get(w, 0))

    def fix_typos(self, text: str) -> tuple[str, list[Correction]]:
        """Chinese same-pinyin typos and English one-edit typos, towards catalog words only."""
        corrections: list[Correction] = []

        def han(match: regex.Match[str]) -> str:
            fixed, found = self._han_typos(match.group(0))
            corrections.extend(found)
            return fixed

        def latin(match: re.Match[str]) -> str:
            word = match.group(0)
            fixed = self._english_typo(word)
            if fixed is None:
                return word
            corrections.append(Correction(word, fixed))
            return fixed

        text = _HAN_RUN.sub(han, text)
        text = re.sub(r"(?<![A-Za-z0-9])[A-Za-z]{5,}(?![A-Za-z0-9])", latin, text)
        return text, corrections


# common phrases of grammar, not product words: a character in one is never re-spelt
_GRAMMAR_PHRASES = (
    *("一点", "一些", "一下", "一样", "一个", "一款", "一双", "一件"),
    *("多少", "多大", "多久", "多重", "多长"),  # question words: "能装多少水" is no 烧水
)


def _singular(word: str) -> str:
    from knowledge.resources import normalise_english

    return normalise_english(word)


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def weighted_words(groups: Iterable[Iterable[str]], weight: int) -> dict[str, int]:
    """Every member of some word groups with one weight (synonym files, cue words)."""
    return {member: weight for group in groups for member in group}
