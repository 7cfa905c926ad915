"""zh → en for offline English copy: brands, attribute values and title words from a data file.

`bot/prompts/copy/glossary_en.yaml` holds official Latin brand names, words by attribute kind and unit patterns.
Translation is longest-match over each run of Chinese characters; Latin text (model names such as "Air Zoom
Pegasus 41") is kept. What the glossary cannot translate is returned as `leftover`, never guessed: the copy
carrying it is flagged `needs_translation`. The same lists, read backwards (en → zh), let Chinese copy state an
English catalog value in Chinese (male → 男), and tell the keyword-only composer what kind a keyword is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex
import yaml

from bot.domain.errors import PromptFileError
from knowledge.yaml_data import load_yaml

_HAN = regex.compile(r"\p{Han}+")
_PUNCT = str.maketrans(
    {
        "，": ", ",
        "、": ", ",
        "；": "; ",
        "：": ": ",
        "。": ". ",
        "（": " (",
        "）": ") ",
        "！": "! ",
        "？": "? ",
    }
)
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)])")
_SPACE_AFTER = re.compile(r"([(])\s+")


@dataclass(frozen=True)
class Translation:
    """English text and the Chinese pieces the glossary could not translate (empty when complete)."""

    text: str
    leftover: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.leftover


class Glossary:
    """Longest-match zh → en translation of catalog words; `kind_of` and `to_zh` read it the other way."""

    def __init__(
        self,
        brands: dict[str, str],
        terms: dict[str, dict[str, str]],
        patterns: list[tuple[re.Pattern[str], str]],
        english: dict[str, str] | None = None,
        english_patterns: list[tuple[re.Pattern[str], str]] | None = None,
    ) -> None:
        self.brands = brands
        self.terms = terms
        self.patterns = patterns
        self._words: dict[str, str] = {}
        for kind in ("category", "words", *terms):  # title words read as categories first (电磁炉)
            for zh, en in terms.get(kind, {}).items():
                self._words.setdefault(zh, en)
        self._words.update(brands)
        self._longest = max((len(w) for w in self._words), default=1)
        self._to_zh: dict[str, str] = {}
        for kind, words in terms.items():
            if kind == "words":
                continue
            for zh, en in words.items():
                self._to_zh.setdefault(en.lower(), zh)
        self._to_zh.update({en.lower(): zh for en, zh in (english or {}).items()})
        self.english_patterns = english_patterns or []
        self._kind: dict[str, str] = {}
        for kind, words in terms.items():
            for zh in words:
                self._kind.setdefault(zh.lower(), kind)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        try:
            data: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PromptFileError(f"{path}: cannot read glossary: {exc}") from exc
        unknown = set(data) - {"brands", "terms", "patterns", "english", "english_patterns"}
        if unknown or not isinstance(data.get("terms"), dict):
            raise PromptFileError(
                f"{path}: expected brands, terms (by kind) and patterns; got {sorted(data)}"
            )
        terms = {
            str(kind): {str(zh): str(en) for zh, en in (words or {}).items()}
            for kind, words in data["terms"].items()
        }
        patterns = _patterns(path, data.get("patterns"))
        english_patterns = _patterns(path, data.get("english_patterns"))
        brands = {str(zh): str(en) for zh, en in (data.get("brands") or {}).items()}
        english = {str(en): str(zh) for en, zh in (data.get("english") or {}).items()}
        return cls(brands, terms, patterns, english, english_patterns)

    def translate(self, text: str, kind: str = "") -> Translation:
        """`text` in English: patterns, then the longest known word at each position of a Chinese run.

        `kind` (an attribute kind) decides between homographs: 中性 is "unisex" for gender, "normal" skin.
        """
        if not text:
            return Translation("")
        preferred = self.terms.get(kind, {})
        exact = preferred.get(text) or self._words.get(text)
        if exact is not None:
            return Translation(exact)
        if kind and not _HAN.search(
            text
        ):  # an English catalog value in the kind's own words: female → women's
            chinese = self._to_zh.get(text.strip().lower())
            if chinese is not None and chinese in preferred:
                return Translation(preferred[chinese])
        for pattern, replacement in self.patterns:
            text = pattern.sub(replacement, text)
        leftover: list[str] = []
        pieces: list[str] = []
        position = 0
        for match in _HAN.finditer(text):
            pieces.append(text[position : match.start()])
            pieces.append(self._run(match.group(0), preferred, leftover))
            position = match.end()
        pieces.append(text[position:])
        english = "".join(pieces).translate(_PUNCT)
        english = _SPACE_BEFORE.sub(r"\1", _SPACES.sub(" ", english)).strip()
        english = _SPACE_AFTER.sub(r"\1", english)  # "三体 ( 全三册)" → "三体 (全三册)"
        return Translation(_dedupe_words(english), tuple(leftover))

    def _run(self, run: str, preferred: dict[str, str], leftover: list[str]) -> str:
        """Segment one Chinese run: fewest untranslated characters, then fewest words (dynamic programming).

        A one-character term (版 edition, 代 generation) is used only when it completes the run: inside a run
        the glossary cannot finish it is more likely a piece of an unknown word (重庆出版社 is not
        "重庆出 edition 社", 现代简约 is not "现 generation minimalist"), so the run is segmented again without
        one-character terms and the unknown word is left whole for the translator.
        """
        words, unknown = self._segment(run, preferred, singles=True)
        if unknown and len(run) > 1:
            words, unknown = self._segment(run, preferred, singles=False)
        leftover += unknown
        return f" {' '.join(words)} "

    def _segment(self, run: str, preferred: dict[str, str], *, singles: bool) -> tuple[list[str], list[str]]:
        size = len(run)
        best: list[tuple[int, int] | None] = [None] * (size + 1)
        back: list[tuple[int, str | None]] = [(0, None)] * (size + 1)
        best[0] = (0, 0)
        for end in range(1, size + 1):
            for start in range(max(0, end - self._longest), end):
                before = best[start]
                if before is None:
                    continue
                piece = run[start:end]
                english = preferred.get(piece) or self._words.get(piece)
                if english is not None and len(piece) == 1 and not singles:
                    english = None
                if english is None and end - start > 1:
                    continue
                cost = (before[0] + (0 if english is not None else 1), before[1] + 1)
                if best[end] is None or cost < best[end]:  # type: ignore[operator]
                    best[end] = cost
                    back[end] = (start, english)
        pieces: list[tuple[str, str | None]] = []
        end = size
        while end > 0:
            start, english = back[end]
            pieces.append((run[start:end], english))
            end = start
        words: list[str] = []
        leftover: list[str] = []
        unknown = ""
        for piece, english in reversed(pieces):
            if english is None:
                unknown += piece
                continue
            if unknown:
                words.append(unknown)
                leftover.append(unknown)
                unknown = ""
            words.append(english)
        if unknown:
            words.append(unknown)
            leftover.append(unknown)
        return words, leftover

    def value(self, value: str, kind: str = "") -> str | None:
        """A catalog value in English when the glossary translates all of it, else None."""
        found = self.translate(value, kind)
        return found.text if found.complete else None

    def to_zh(self, value: str, kind: str = "") -> str | None:
        """An English catalog value as the Chinese the glossary pairs with it (male → 男), or — for a number
        with an English unit — as the `english_patterns` write it ("10 days" → 10天, "Bluetooth 5.4" → 蓝牙5.4);
        None when neither knows it. With `kind`, a word of another kind is no answer (the colour "cream" is
        奶油色, not the texture 乳霜)."""
        key = value.strip().lower()
        if kind:
            same = [zh for zh, en in self.terms.get(kind, {}).items() if en.lower() == key]
            if same:
                return same[0]
        if key in self._to_zh:
            zh = self._to_zh[key]
            other = self._kind.get(zh.lower())
            return None if kind and other not in (None, kind, "words", "category") else zh
        text = value.strip()
        for pattern, replacement in self.english_patterns:
            text = pattern.sub(replacement, text)
        return text if text != value.strip() and not re.search(r"[A-Za-z]{2,}", text) else None

    def category_words(self) -> list[str]:
        """The Chinese category words the glossary lists (咖啡机, 羽绒被 …): product nouns."""
        return [word for word, _ in self.category_pairs()]

    def category_pairs(self) -> list[tuple[str, str]]:
        """(Chinese, English) of every category word: 咖啡机 / coffee machine, 瑜伽砖 / yoga block."""
        return [(zh, en) for zh, en in self.terms.get("category", {}).items() if _HAN.search(zh)]

    def kind_of(self, word: str) -> str | None:
        """The attribute kind a word is listed under (纯棉 → material), or None."""
        return self._kind.get(word.strip().lower())

    def forms(self, value: str) -> list[str]:
        """Every way copy may state a value: itself, its English and its Chinese (for the rubric)."""
        found = [value, *(words[value] for words in self.terms.values() if value in words)]
        english = self.value(value)
        chinese = self.to_zh(value)
        found += [form for form in (english, chinese) if form]
        if chinese:  # female → 女 → women's: the English a kind uses for it
            found += [words[chinese] for words in self.terms.values() if chinese in words]
        lowered = value.lower()  # cream → 奶油色 (colour) as well as 乳霜 (texture)
        found += [zh for words in self.terms.values() for zh, en in words.items() if en.lower() == lowered]
        return list(dict.fromkeys(found))


def _patterns(path: Path, entries: Any) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for entry in entries or ():
        if not isinstance(entry, list) or len(entry) != 2:
            raise PromptFileError(f"{path}: a pattern is [regex, replacement], got {entry!r}")
        try:
            out.append((re.compile(str(entry[0]), re.IGNORECASE), str(entry[1])))
        except re.error as exc:
            raise PromptFileError(f"{path}: bad pattern {entry[0]!r}: {exc}") from exc
    return out


def dedupe_words(text: str) -> str:
    """A word or phrase said twice in a row, said once ("stand collar collar" → "stand collar")."""
    return _dedupe_words(text)


def _dedupe_words(text: str) -> str:
    """ "Le Creuset Le Creuset pot" → "Le Creuset pot" (a Latin brand next to its Chinese name in a title)."""
    words = text.split(" ")
    for size in (3, 2, 1):
        index = 0
        while index + 2 * size <= len(words):
            first = [w.lower() for w in words[index : index + size]]
            if first == [w.lower() for w in words[index + size : index + 2 * size]]:
                del words[index + size : index + 2 * size]
                continue
            index += 1
    return " ".join(words)
