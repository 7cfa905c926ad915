"""Word lists shipped as data (stop words, synonyms, colours, genders, brand aliases) and their loaders.

They are files, not code, so a shop can read and extend them; each loader is cached because the lists
are read on the query path.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.yaml_data import load_yaml

RESOURCES_DIR = Path(__file__).resolve().parent

_SEPARATOR = re.compile(r"\s*\|\s*")
_NO_SINGULAR = frozenset(
    {"series", "species", "news", "plus", "glass", "gas", "bus", "lens", "yes", "this", "its"}
)


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width) and lower-case: the one text normalisation used everywhere."""
    return unicodedata.normalize("NFKC", text).lower()


# plural kind nouns that do not end in a plain 's' ("show me mice" asks for a mouse)
IRREGULAR_PLURALS = {
    "mice": "mouse",
    "knives": "knife",
    "shelves": "shelf",
    "scarves": "scarf",
    "geese": "goose",
}


def normalise_english(word: str) -> str:
    """Lower-case singular form: possessive and plural 's' removed, "256gb" → "256g"."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if re.fullmatch(r"\d+(?:\.\d+)?gb", word):
        return word[:-1]
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if len(word) <= 3 or word in _NO_SINGULAR or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _lines(name: str) -> list[str]:
    text = (RESOURCES_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _groups(name: str) -> tuple[tuple[str, ...], ...]:
    """Groups separated by "|" (or by whitespace when a line has no "|"), first member canonical."""
    groups: list[tuple[str, ...]] = []
    for line in _lines(name):
        members = _SEPARATOR.split(line) if "|" in line else line.split()
        cleaned = tuple(dict.fromkeys(member.strip() for member in members if member.strip()))
        if cleaned:
            groups.append(cleaned)
    return tuple(groups)


@cache
def stopwords() -> frozenset[str]:
    """Chinese and English stop words, normalised (lower-case, NFKC)."""
    return frozenset(normalise_text(word) for word in _lines("stopwords_zh.txt") + _lines("stopwords_en.txt"))


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Synonym groups from `synonyms.txt`; the first member of each is its canonical form."""
    return _groups("synonyms.txt")


@cache
def category_word_groups() -> tuple[tuple[str, ...], ...]:
    """Broad words for a shop's departments (category_words.txt): read as category filters, never tokens."""
    return _groups("category_words.txt")


@cache
def colour_groups() -> tuple[tuple[str, ...], ...]:
    """Colour word groups from `colours.txt`; the first member is the canonical colour name."""
    return _groups("colours.txt")


@cache
def gender_groups() -> tuple[tuple[str, ...], ...]:
    """Gender word groups from `genders.txt`: canonical name first (unisex, female, male)."""
    return _groups("genders.txt")


@cache
def brand_alias_groups() -> tuple[tuple[str, ...], ...]:
    """Brand alias groups (耐克 | Nike …) from `brand_aliases.txt`."""
    return _groups("brand_aliases.txt")


@cache
def line_alias_groups() -> tuple[tuple[str, ...], ...]:
    """Product-line nicknames (飞马 | Pegasus …) from `line_aliases.txt`."""
    return _groups("line_aliases.txt")


LEXICON_FILE = RESOURCES_DIR / "lexicon.yaml"


@cache
def lexicon_data() -> dict[str, Any]:
    """`lexicon.yaml` as loaded: function_words {zh, en}, function_patterns, service_topics (see the file)."""
    data = load_yaml(LEXICON_FILE.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


@cache
def _function_lists() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    data = lexicon_data()
    words = frozenset(str(w).lower() for lang in (data.get("function_words") or {}).values() for w in lang)
    patterns = tuple(re.compile(str(p), re.IGNORECASE) for p in data.get("function_patterns") or ())
    return words, patterns


def is_function_word(word: str) -> bool:
    """True for a word customers use around the product they want, naming no product (便宜, 几款, 第二个, pro):
    the `function_words` and `function_patterns` of `lexicon.yaml` (insights and request matching share them)."""
    words, patterns = _function_lists()
    lowered = word.strip().lower()
    return lowered in words or any(p.search(lowered) for p in patterns)
