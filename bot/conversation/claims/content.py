"""The content check of the allow-list gate: a sentence may say about a product only what the turn's facts say.

The concept lexicon catches commercial terms; a property with no term and no number ("Vibram防滑大底", "环保TPE",
"银离子抗菌", "可以放烘干机烘干", "fully recyclable", "中国田径协会指定用表", "endorsed by the APMA") is none of
them. So a sentence is read for its CONTENT: every stretch of two or more Chinese characters the facts contain
(product titles, brands, tags, attributes and descriptions, the policies, the customer's message, the shop's
contacts — as Han bigrams), every English word they contain (by stem), the sentence frame and function words
(`bot/prompts/content_words.yaml`) are removed; what remains — a run of two or more Chinese characters, or an
English word — is a term the facts do not carry, and the sentence is unsupported (`novel_terms`). A language
the products' facts are not written in (an English reply about a product described in Chinese) is read only
for the property words of that language (`en_claims`/`zh_claims`): it cannot be compared word by word.

Measured quantities are checked by unit (`quantities`): "15 mm" needs 15 mm (or 1.5 cm) in the facts, "2.0m床"
2 m, "98%" 98 % — a figure the policies state with another unit (15 days, 2 days) never backs it.
Figures and terms are read after `read_text` (NFKC, Simplified, lower-case). Costs O(sentence length): the
facts' bigram and word sets are built once per product text and per policy version (cached).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import regex

from bot.prompts import PROMPTS_DIR
from knowledge.keywords_jieba import dictionary_frequency, dictionary_tag
from knowledge.numbers import parse_chinese_numeral
from knowledge.yaml_data import load_yaml

WORDS_FILE = PROMPTS_DIR / "content_words.yaml"
_HAN = regex.compile(r"\p{Han}+")
_LATIN = regex.compile(r"(?<![\da-z])[a-z][a-z'’-]*[a-z]|(?<![\da-z])[a-z](?![\da-z])")
_URLISH = regex.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?|\S+@\S+", regex.I)
# a number and its unit: 15 mm, 2.0m, 98%, 6.5L, 20bar, 40分贝, 65W, 30小时, 5ATM, 800流明, -10°C (℃ reads
# °C after NFKC), 零下10°C; a minus sign only touching the figure after a word ("温度-10°C"; "0-10°C" is a
# range, "- 800流明" a bullet); a hyphen may join the figure to its unit ("2.2-inch")
_QUANTITY = regex.compile(
    r"(?:(?P<sign>零下\s*|(?<=[^\s\d.a-z)）:：]|[a-z\p{Han}]\s)[-−](?=\d)))?(?:(?<![\d.a-z])|(?<=\d\s?[x×*]\s?))(?P<number>\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)\s*-?\s*"
    r"(?P<unit>毫米|厘米|米|英寸|寸|千克|公斤|克|斤|毫升|升|瓦|毫安时?|分贝|小时|流明|蓬|°c|"
    r"mm|cm|inch(?:es)?|kg|mah|ml|bar|db|atm|hours?|lumens?|m(?![a-z])|g(?![a-z])|l(?![a-z])|w(?![a-z])|h(?![a-z])|%|"
    # counts a product serves or holds: "坐两个小朋友", "冲两杯", "20人份", "serves 30 people", "5天的衣服"
    r"(?:个|位|名)?(?:小朋友|孩子|儿童|大人|成人|人)|杯|份|天的(?:衣服|衣物|行李|换洗衣物)|"
    r"people|persons|adults|kids|children|guests|cups?|servings?)",
    regex.I,
)
# a count of one ("一个人用", "冲一杯") is how a sentence speaks, not a capacity
_COUNTS = frozenset({"people", "cup", "serving", "tripday"})
_UNITS: dict[str, tuple[str, Decimal]] = {
    "毫米": ("len", Decimal(1)), "mm": ("len", Decimal(1)), "厘米": ("len", Decimal(10)),
    "cm": ("len", Decimal(10)), "米": ("len", Decimal(1000)), "m": ("len", Decimal(1000)),
    "英寸": ("inch", Decimal(1)), "寸": ("inch", Decimal(1)), "inch": ("inch", Decimal(1)),
    "inches": ("inch", Decimal(1)), "克": ("mass", Decimal(1)), "g": ("mass", Decimal(1)),
    "千克": ("mass", Decimal(1000)), "公斤": ("mass", Decimal(1000)), "kg": ("mass", Decimal(1000)),
    "斤": ("mass", Decimal(500)), "毫升": ("vol", Decimal(1)), "ml": ("vol", Decimal(1)),
    "升": ("vol", Decimal(1000)), "l": ("vol", Decimal(1000)), "瓦": ("power", Decimal(1)),
    "w": ("power", Decimal(1)), "毫安": ("mah", Decimal(1)), "毫安时": ("mah", Decimal(1)),
    "mah": ("mah", Decimal(1)), "分贝": ("db", Decimal(1)), "db": ("db", Decimal(1)),
    "小时": ("hour", Decimal(1)), "hour": ("hour", Decimal(1)), "hours": ("hour", Decimal(1)),
    "h": ("hour", Decimal(1)), "%": ("pct", Decimal(1)), "bar": ("bar", Decimal(1)),
    "atm": ("atm", Decimal(1)), "流明": ("lumen", Decimal(1)), "lumen": ("lumen", Decimal(1)),
    "lumens": ("lumen", Decimal(1)), "蓬": ("fill", Decimal(1)), "°c": ("temp", Decimal(1)),
    "人": ("people", Decimal(1)), "people": ("people", Decimal(1)), "persons": ("people", Decimal(1)),
    "adults": ("people", Decimal(1)), "kids": ("people", Decimal(1)), "children": ("people", Decimal(1)),
    "guests": ("people", Decimal(1)), "杯": ("cup", Decimal(1)), "cup": ("cup", Decimal(1)),
    "cups": ("cup", Decimal(1)), "份": ("serving", Decimal(1)), "serving": ("serving", Decimal(1)),
    "servings": ("serving", Decimal(1)), "天的": ("tripday", Decimal(1)),
}  # fmt: skip

Quantity = tuple[str, Decimal]
T = TypeVar("T")


@dataclass(frozen=True)
class ContentWords:
    """The frame of `content_words.yaml`: generic Chinese words (longest first), function characters, generic
    English words (stems), and the property words read across languages."""

    zh: regex.Pattern[str]
    function_zh: frozenset[str]
    en: frozenset[str]
    en_claims: frozenset[str]
    zh_claims: regex.Pattern[str]
    glossary: dict[str, str]  # an English name → its Chinese form ("bluetooth" → 蓝牙)
    restates: dict[str, tuple[str, ...]]  # a fact word → the words that say it again (厕所 → 马桶)


@lru_cache(maxsize=1)
def content_words() -> ContentWords:
    """The shipped word lists, compiled once. Raises ValueError when the file is malformed."""
    data = load_yaml(WORDS_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(k in data for k in ("zh", "en", "function_zh")):
        raise ValueError(f"{WORDS_FILE}: zh, en and function_zh lists expected")
    zh = sorted({str(w) for w in data["zh"]}, key=len, reverse=True)
    claims = sorted(set(str(data.get("zh_claims", "")).split()), key=len, reverse=True)
    return ContentWords(
        regex.compile("|".join(map(regex.escape, zh))),
        frozenset(str(data["function_zh"])),
        frozenset(_stem(w) for w in str(data["en"]).lower().split()),
        frozenset(_stem(w) for w in str(data.get("en_claims", "")).lower().split()),
        regex.compile("|".join(map(regex.escape, claims)) or r"(?!)"),
        {str(k).lower(): str(v) for k, v in (data.get("glossary") or {}).items()},
        {str(k).lower(): tuple(map(str, v)) for k, v in (data.get("restates") or {}).items()},
    )


def _stem(word: str) -> str:
    """A crude English stem (recycled/recycling/recycles → recycl): enough to match a reply's word to a fact's."""
    word = word.replace("’", "'").removesuffix("'s")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ically", "ation", "ingly", "ing", "edly", "ed", "ly", "es", "s", "e"):
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class Chain(Container[T]):
    """Membership in any of several sets, without copying them (a turn's facts are the policies' cached sets
    plus a few small ones: a union per reply would copy thousands of bigrams)."""

    __slots__ = ("parts",)
    parts: tuple[Container[T], ...]

    def __init__(self, *parts: Container[T]) -> None:
        flat: list[Container[T]] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, Chain) else (part,))
        self.parts = tuple(flat)

    def __contains__(self, item: object) -> bool:
        return any(item in part for part in self.parts)


@dataclass(frozen=True)
class FactWords:
    """What a text of facts contains, as the content check compares: Han bigrams and characters, English
    stems, quantities."""

    bigrams: Container[str]
    chars: Container[str]
    stems: Container[str]
    quantities: Container[Quantity]
    han: bool  # written (partly) in Chinese
    latin: bool  # written (partly) in English words

    def __or__(self, other: FactWords) -> FactWords:
        return FactWords(
            Chain(self.bigrams, other.bigrams),
            Chain(self.chars, other.chars),
            Chain(self.stems, other.stems),
            Chain(self.quantities, other.quantities),
            self.han or other.han,
            self.latin or other.latin,
        )


EMPTY = FactWords(frozenset(), frozenset(), frozenset(), frozenset(), False, False)


@lru_cache(maxsize=8192)
def fact_words(text: str) -> FactWords:
    """The `FactWords` of one facts text (already `read_text`); cached per text."""
    extra = " ".join(w for key, said in content_words().restates.items() if key in text for w in said)
    text = f"{text} {extra}" if extra else text  # the words that say a fact again (`restates`)
    bigrams = {run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)}
    words = _words(_URLISH.sub(" ", text))
    return FactWords(
        frozenset(bigrams),
        frozenset("".join(_HAN.findall(text))),
        frozenset(_stem(w) for w in words),
        quantities(text),
        bool(bigrams),
        sum(len(w) >= 3 for w in words) >= 4,
    )


def _words(text: str) -> list[str]:
    """The English words of `text`, a hyphenated word also as its parts ("one-year" → one-year, one, year)."""
    out = []
    for word in _LATIN.findall(text):
        out.append(word)
        if "-" in word:
            out += [part for part in word.split("-") if part]
    return out


_BRANDS = Path(__file__).resolve().parents[3] / "knowledge" / "resources" / "brand_aliases.txt"


@lru_cache(maxsize=1)
def _alias_groups() -> dict[str, str]:
    """Each brand spelling (lower-case) → every spelling of its group ("耐克 | Nike"), from the catalog's alias
    file (`knowledge/resources/brand_aliases.txt`): "索尼 XM5" names the brand the facts spell "Sony"."""
    groups: dict[str, str] = {}
    if not _BRANDS.exists():
        return groups
    for line in _BRANDS.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or "|" not in line:
            continue
        names = [n.strip().lower() for n in line.split("|") if n.strip()]
        for name in names:
            groups[name] = " ".join(names)
    return groups


def brand_names(brand: str, title: str) -> str:
    """Every spelling of the product's brand (its own, or the one its title opens with)."""
    groups = _alias_groups()
    key = brand.strip().lower()
    if key in groups:
        return groups[key]
    head = title.strip().lower().split(" ")[0] if title.strip() else ""
    return groups.get(head, "")


def _number(raw: str) -> Decimal | None:
    if raw[0].isdigit():
        try:
            return Decimal(raw)
        except InvalidOperation:
            return None
    value = parse_chinese_numeral(raw)
    return Decimal(value) if value is not None else None


def quantities(text: str) -> frozenset[Quantity]:
    """Every measured quantity of `text` (read): (dimension, value in the dimension's base unit)."""
    return frozenset(q for _, q in _read_quantities(text))


def _unit_key(unit: str) -> str:
    """The `_UNITS` key of a unit as written: "个小朋友" → 人, "天的衣服" → 天的."""
    if unit.startswith("天的"):
        return "天的"
    if unit.endswith(("小朋友", "孩子", "儿童", "大人", "成人", "人")):
        return "人"
    return unit


def _read_quantities(text: str) -> list[tuple[int, Quantity]]:
    """(start, quantity) of every measured quantity of `text` (read)."""
    found: list[tuple[int, Quantity]] = []
    for m in _QUANTITY.finditer(text):
        value = _number(m.group("number"))
        unit = _UNITS.get(_unit_key(m.group("unit").lower()))
        if unit is not None and unit[0] in _COUNTS and value == 1:
            continue
        if value is not None and unit is not None:
            value = -value if m.group("sign") else value
            found.append((m.start(), (unit[0], (value * unit[1]).normalize())))
    return found


_LABEL = regex.compile(r"(\p{Han}+)\s*$")
# spans of time a product states for an attribute ("续航7天", "保质期18个月"): compared only under a label the
# product gives one (policies state days for their terms)
_SPAN = regex.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?|[一二两三四五六七八九十]+)\s*(?:个)?\s*(天|日|月|年|days?|months?|years?)(?![a-z])"
)
_SPAN_DAYS = {
    "天": 1,
    "日": 1,
    "day": 1,
    "days": 1,
    "月": 30,
    "month": 30,
    "months": 30,
    "年": 365,
    "year": 365,
}


def labelled_quantities(text: str) -> frozenset[tuple[str, Quantity]]:
    """(label, quantity) of every quantity of `text` (read) a Chinese attribute name directly precedes
    ("保温12小时" → ("保温", 12 h)): the label is the two characters before the figure, trailing function
    characters (约, 仅, 可 …) dropped."""
    function = content_words().function_zh
    out: set[tuple[str, Quantity]] = set()
    found = _read_quantities(text)
    for span in _SPAN.finditer(text):
        value = _number(span.group(1))
        days = _SPAN_DAYS.get(span.group(2).lower(), 365)
        if value is not None:
            found.append((span.start(), ("days", (value * days).normalize())))
    for start, q in found:
        label = _LABEL.search(text, max(0, start - 8), start)
        if label is None:
            continue
        run = label.group(1).rstrip("".join(function) + "达")
        if len(run) >= 2:
            out.add((run[-2:], q))
    return frozenset(out)


# what follows a negation is denied, not claimed ("没有碳板", "不支持门店自提", "no lifetime warranty"); "不含甲醛",
# "无荧光剂" state an absence, which is a property like any other
_NEGATED = regex.compile(
    r"\p{Han}{1,4}(?:用不了|用不上)|(?:没有|没|不(?!含|添加|加)|未|非|别|勿|莫)\p{Han}{0,6}|\b(?:no|not|never|without|nor)\s+(?:[a-z'-]+\s*){1,3}|n't\s+(?:[a-z'-]+\s*){1,3}"
)


def novel_terms(
    sentence: str,
    facts: FactWords,
    *,
    han_full: bool,
    latin_full: bool,
    judged: Sequence[tuple[int, int]] = (),
) -> list[str]:
    """The terms of `sentence` (read) the facts do not contain (see the module docstring); `han_full` /
    `latin_full`: whether the facts are written in that script (else only its property words are read);
    `judged`: spans the concept lexicon reads (commercial terms, specs), which the units judge instead."""
    words = content_words()
    out: list[str] = []
    chars = list(_NEGATED.sub(lambda m: " " * len(m.group(0)), sentence))
    for start, end in judged:
        while start > 0 and chars[start - 1].isascii() and chars[start - 1].isalpha():
            start -= 1  # the rest of an English word the span starts or ends inside ("cancel|lation")
        while end < len(chars) and chars[end].isascii() and chars[end].isalpha():
            end += 1
        chars[start:end] = " " * (end - start)
    text = _URLISH.sub(" ", _QUANTITY.sub(" ", "".join(chars)))
    for run in _HAN.findall(text):
        if not han_full:
            out += words.zh_claims.findall(run)
            continue
        covered = [False] * len(run)
        for i in range(len(run) - 1):
            if run[i : i + 2] in facts.bigrams:
                covered[i] = covered[i + 1] = True
        for m in words.zh.finditer(run):
            for i in range(m.start(), m.end()):
                covered[i] = True
        term = ""
        for ch, done in zip([*run, ""], [*covered, True], strict=True):
            if not done and ch not in words.function_zh:
                term += ch
                continue
            # two content characters, one of them in no fact at all ("蓝三色" restates 黑色;白色;蓝色)
            if len(term) >= 2 and any(c not in facts.chars for c in term) and not _frame_word(term):
                out.append(term)
            term = ""
    for word in _words(text):
        if "-" in word:
            continue  # read as its parts
        stem = _stem(word)
        if latin_full:
            if (
                len(word) >= 2
                and stem not in facts.stems
                and stem not in words.en
                and not _glossed(word, facts)
            ):
                out.append(word)
        elif stem in words.en_claims and stem not in facts.stems:
            out.append(word)
    return out


# Word classes that never name a property (jieba's dictionary tags): adverbs (慢慢, 完全), time words (冬天),
# place words (家里), directions, pronouns, prepositions, conjunctions, particles, interjections, onomatopoeia,
# status words (numerals and classifiers state amounts: "一大堆")
_FRAME_TAGS = frozenset(
    {"d", "ad", "t", "tg", "s", "f", "r", "rr", "rz", "p", "c", "u", "uj", "ul", "ud", "uz", "ug", "uv"}
    | {"y", "e", "o", "z"}
)


_COMMON_VERB = 500  # jieba dictionary count: an everyday verb (提醒 2601, 搭配 560) is the frame's


@lru_cache(maxsize=4096)
def _frame_word(term: str) -> bool:
    """Whether `term` is one dictionary word of a frame class (`_FRAME_TAGS`), or a reduplicated one (看看)."""
    if len(term) == 2 and term[0] == term[1]:
        return True  # a reduplication (慢慢, 问问, 狗狗) repeats a word; its single character was judged
    tag = dictionary_tag(term)
    return tag in _FRAME_TAGS or (tag == "v" and dictionary_frequency(term) >= _COMMON_VERB)


# A name written in Latin letters inside any reply: an acronym ("TPE", "APMA", "PFAS") anywhere, a capitalised word
# ("Vibram", "Coolmax") in a Chinese sentence — a material, brand or body in every language.
# (a model code with digits, "SPF50", is the codes check's)
_ACRONYM = regex.compile(r"(?<![A-Za-z\d_-])[A-Z]{2,}(?![A-Za-z\d]|[-_‐]\d)")
_CAPITALISED = regex.compile(
    r"(?<=\p{Han}\s?)[A-Z][a-z]{2,}(?![A-Za-z\d])|(?<![A-Za-z\d])[A-Z][a-z]{2,}(?=\s?\p{Han})"
)


# an English sentence opens with the product's name ("The Bear 5L air fryer is …"): capitals there name it; a
# capitalised word later ("… made in Germany") is a name the facts must carry
_TITLE_RUN = regex.compile(r"^\W*(?:(?:the|this|our|these|its|a|an)\s+)?(?:[A-Z\d][\w'’.+-]*\s*)*", regex.I)
# a brand's camel-case name: "iPad", "iPhone", "eSIM" (a lower-case letter, then a capital)
_CAMEL = regex.compile(r"(?<![A-Za-z\d])[a-z][A-Z][A-Za-z]+(?![A-Za-z\d])")
_LATER_CAPITAL = regex.compile(r"(?<![:;—–-]\s?)\b[A-Z][a-z]{2,}(?![A-Za-z\d])")


def unknown_names(written: str, facts: FactWords) -> list[str]:
    """The Latin-letter names of `written` (the sentence as surfaced, case kept) that no fact contains (see
    `_ACRONYM`, `_CAPITALISED`, `_TITLE_RUN`)."""
    words = content_words()
    written = _URLISH.sub(" ", written)
    found = [*_ACRONYM.findall(written), *_CAPITALISED.findall(written), *_CAMEL.findall(written)]
    if not _HAN.search(written):
        run = _TITLE_RUN.match(written)
        found += _LATER_CAPITAL.findall(written, run.end() if run else 0)
    return [
        n
        for n in found
        if _stem(n.lower()) not in facts.stems and _stem(n.lower()) not in words.en and not _glossed(n, facts)
    ]


def _glossed(word: str, facts: FactWords) -> bool:
    """Whether the facts carry the word in Chinese (`glossary` of content_words.yaml: "Bluetooth" → 蓝牙)."""
    zh = content_words().glossary.get(word.lower())
    return zh is not None and all(zh[i : i + 2] in facts.bigrams for i in range(len(zh) - 1))


def unstated_quantities(sentence: str, facts: FactWords) -> list[Quantity]:
    """The measured quantities of `sentence` (read) no fact states with that unit ("15 mm" vs "10mm")."""
    return [q for q in quantities(sentence) if q not in facts.quantities]
