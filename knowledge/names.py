"""Surface forms → the catalog value they stand for (brands, categories, attribute values), found in a message.

English forms are looked up in the set of the text's word n-grams and Chinese ones by substring, so a catalog
with thousands of brands costs set lookups per query, not thousands of regex searches. Longest form first, so
"new balance" wins over "balance" and "跑步鞋" over "鞋".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.resources import IRREGULAR_PLURALS
from knowledge.script import HAN_CHAR

CJK = HAN_CHAR
LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’.&+-][a-z0-9]+)*")


def latin_ngrams(text: str, longest: int = 4) -> set[str]:
    """Every run of up to `longest` English words (also without a plural s/es): "new balance shoes" → …"""
    words = LATIN_WORD.findall(text)
    grams: set[str] = set()
    for n in range(1, longest + 1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            grams.add(" ".join(gram))
            last = gram[-1]
            if last.lower() in IRREGULAR_PLURALS:  # "gaming mice" → "gaming mouse"
                grams.add(" ".join([*gram[:-1], IRREGULAR_PLURALS[last.lower()]]))
            for cut in (1, 2):
                if len(last) > 3 and last.endswith("es"[2 - cut :]):
                    grams.add(" ".join([*gram[:-1], last[:-cut]]))
    return grams


def _english_pattern(form: str) -> re.Pattern[str]:
    """Where an English form occurs as whole words (any spacing or hyphen between them, plural allowed)."""
    words = form.split(" ")
    body = r"[\s\-_]*".join(re.escape(word) for word in words)
    plurals = [plural for plural, one in IRREGULAR_PLURALS.items() if one == words[-1]]
    if plurals:  # "mouse" is also "mice"
        irregular = r"[\s\-_]*".join(re.escape(word) for word in [*words[:-1], plurals[0]])
        body = rf"(?:{body}|{irregular})"
    return re.compile(rf"(?<![a-z0-9]){body}(?:e?s)?(?![a-z0-9])")


@dataclass(frozen=True)
class Names:
    """Surface forms → catalog values; `forms` are (form, value, is_chinese), longest form first."""

    forms: tuple[tuple[str, str, bool], ...]

    def find(self, text: str) -> str | None:
        """The value of the longest form in the text, or None."""
        grams: set[str] | None = None
        for form, value, chinese in self.forms:
            if chinese:
                if form in text:
                    return value
                continue
            if grams is None:
                grams = latin_ngrams(text)
            if form in grams:
                return value
        return None

    def find_all(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Every (value, span) in the text, longest forms first, never two on overlapping text; in text order."""
        grams = latin_ngrams(text)
        found: list[tuple[str, tuple[int, int]]] = []
        for form, value, chinese in self.forms:
            if chinese:
                if form not in text:
                    continue
                spans = [m.span() for m in re.finditer(re.escape(form), text)]
            else:
                if form not in grams:
                    continue
                spans = [m.span() for m in _english_pattern(form).finditer(text)]
            for span in spans:
                if not any(span[0] < end and start < span[1] for _, (start, end) in found):
                    found.append((value, span))
        return sorted(found, key=lambda item: item[1])


def build_names(pairs: dict[str, str]) -> Names:
    """Names from {normalised form: value}; forms shorter than 2 characters are ignored."""
    ordered = sorted(pairs.items(), key=lambda item: (-len(item[0]), item[0]))
    forms = []
    for form, value in ordered:
        chinese = bool(CJK.search(form))
        key = form if chinese else " ".join(LATIN_WORD.findall(form))
        if len(form) >= 2 and key:
            forms.append((key, value, chinese))
    return Names(tuple(forms))
