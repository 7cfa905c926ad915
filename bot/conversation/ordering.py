"""Superlatives and orderings over products: "哪个最便宜", "哪个更轻", "longest battery", "容量最大的".

The attribute asked for is read from the message with the word lists of `bot/prompts/attributes.yaml`
(price, weight, battery, capacity, power, thickness, size, noise, area, warranty …); each product's value is parsed from its catalog
attribute with its unit (280g, 1.5kg, 8小时（含盒24小时）, 14天, 10 days, 24000mAh, 65W, 4L, 34cm, 10mm, 32dB, 60㎡) (-10℃) into one
base unit per dimension, so "14天" beats "30小时" and "1.5kg" beats "750g". Prices are compared only within one
currency: a USD price never competes with yuan prices as a bare number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from bot.prompts import PROMPTS_DIR
from knowledge.models import Product
from knowledge.yaml_data import load_yaml

ATTRIBUTES_FILE = PROMPTS_DIR / "attributes.yaml"

# unit → (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "mg": ("mass", Decimal("0.001")),
    "g": ("mass", Decimal(1)),
    "克": ("mass", Decimal(1)),
    "kg": ("mass", Decimal(1000)),
    "千克": ("mass", Decimal(1000)),
    "公斤": ("mass", Decimal(1000)),
    "斤": ("mass", Decimal(500)),
    "lb": ("mass", Decimal("453.6")),
    "lbs": ("mass", Decimal("453.6")),
    "oz": ("mass", Decimal("28.35")),
    "ounce": ("mass", Decimal("28.35")),
    "ounces": ("mass", Decimal("28.35")),
    "min": ("time", Decimal(1) / 60),
    "分钟": ("time", Decimal(1) / 60),
    "h": ("time", Decimal(1)),
    "hr": ("time", Decimal(1)),
    "hrs": ("time", Decimal(1)),
    "hour": ("time", Decimal(1)),
    "hours": ("time", Decimal(1)),
    "小时": ("time", Decimal(1)),
    "天": ("time", Decimal(24)),
    "day": ("time", Decimal(24)),
    "days": ("time", Decimal(24)),
    "周": ("time", Decimal(168)),
    "week": ("time", Decimal(168)),
    "weeks": ("time", Decimal(168)),
    "个月": ("time", Decimal(720)),
    "月": ("time", Decimal(720)),
    "month": ("time", Decimal(720)),
    "months": ("time", Decimal(720)),
    "年": ("time", Decimal(8760)),
    "year": ("time", Decimal(8760)),
    "years": ("time", Decimal(8760)),
    "mah": ("charge", Decimal(1)),
    "mb/s": ("speed", Decimal(1)),  # a memory card's read/write speed
    "gb/s": ("speed", Decimal(1000)),
    "mbps": ("speed", Decimal("0.125")),
    "kb": ("data", Decimal("0.001")),  # storage: base unit MB
    "mb": ("data", Decimal(1)),
    "gb": ("data", Decimal(1000)),
    "tb": ("data", Decimal(1000000)),
    "毫安": ("charge", Decimal(1)),
    "ml": ("volume", Decimal(1)),
    "毫升": ("volume", Decimal(1)),
    "l": ("volume", Decimal(1000)),
    "fl oz": ("volume", Decimal("29.57")),
    "qt": ("volume", Decimal("946.4")),
    "quart": ("volume", Decimal("946.4")),
    "quarts": ("volume", Decimal("946.4")),
    "gallon": ("volume", Decimal("3785")),
    "gallons": ("volume", Decimal("3785")),
    "升": ("volume", Decimal(1000)),
    "w": ("power", Decimal(1)),
    "瓦": ("power", Decimal(1)),
    "kw": ("power", Decimal(1000)),
    "mm": ("length", Decimal(1)),
    "毫米": ("length", Decimal(1)),
    "cm": ("length", Decimal(10)),
    "厘米": ("length", Decimal(10)),
    "m": ("length", Decimal(1000)),
    "米": ("length", Decimal(1000)),
    "inch": ("length", Decimal("25.4")),
    "inches": ("length", Decimal("25.4")),
    "英寸": ("length", Decimal("25.4")),
    "吋": ("length", Decimal("25.4")),
    "ft": ("length", Decimal("304.8")),
    "feet": ("length", Decimal("304.8")),
    "foot": ("length", Decimal("304.8")),
    "寸": ("length", Decimal("33.3")),
    "atm": ("pressure", Decimal(1)),
    "bar": ("pressure", Decimal(1)),
    "psi": ("pressure", Decimal("0.068")),
    "流明": ("luminous", Decimal(1)),
    "lm": ("luminous", Decimal(1)),
    "lumen": ("luminous", Decimal(1)),
    "lumens": ("luminous", Decimal(1)),
    "db": ("loudness", Decimal(1)),
    "分贝": ("loudness", Decimal(1)),
    "人": ("people", Decimal(1)),
    "℃": ("temperature", Decimal(1)),
    "°c": ("temperature", Decimal(1)),
    "摄氏度": ("temperature", Decimal(1)),
    "㎡": ("area", Decimal(1)),
    "m²": ("area", Decimal(1)),
    "平米": ("area", Decimal(1)),
    "平方米": ("area", Decimal(1)),
}
_VALUE = re.compile(
    r"((?<![\d.])[-−]\s*)?(\d+(?:\.\d+)?)\s*("
    + "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
    + r")(?![a-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Measure:
    """A parsed attribute value: `amount` in the base unit of `dimension` (g, hours, mAh, ml, W, mm, atm)."""

    amount: Decimal
    dimension: str
    text: str  # the catalog's own spelling ("8小时（含盒24小时）"), quoted in replies


def measure(raw: str) -> Measure | None:
    """The first number-with-unit of a catalog value ("9h (36h with case)" → 9 hours); a bare number
    ("1008" pages) is a count; None without a number."""
    match = _VALUE.search(raw or "")
    if not match:
        bare = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*", raw or "")
        return Measure(Decimal(bare.group(1)), "count", raw.strip()) if bare else None
    dimension, factor = UNITS[match.group(3).lower()]
    amount = Decimal(match.group(2)) * factor
    if match.group(1) and dimension == "temperature":  # "-10℃"; elsewhere a dash joins a range ("3-8小时")
        amount = -amount
    return Measure(amount, dimension, raw.strip())


@dataclass(frozen=True)
class AttributeWords:
    """One orderable attribute: the catalog keys holding it and the words that ask for more / less of it."""

    name: str
    keys: tuple[str, ...]  # catalog attribute names (attr_<key>); "price" is the product's price
    most: tuple[str, ...]  # "最重", "heaviest" → the largest value wins
    least: tuple[str, ...]  # "最轻", "lightest" → the smallest value wins
    neutral: tuple[str, ...] = ()  # "续航", "battery": asked about without a direction (largest wins)
    # the dimension its values are measured in ("mass", "loudness" …): a catalog whose column has another
    # name ("attr_净重", "attr_噪音值") is still read, from the one attribute measured in that dimension
    dimension: str = ""
    # words that mark the description's figure for it ("续航最长14小时", "up to 53 hours runtime"): a product
    # with no attribute for it is measured from the description's phrase holding one of them and a figure
    described_by: tuple[str, ...] = ()


@lru_cache(maxsize=4)
def load_attribute_words(path: Path = ATTRIBUTES_FILE) -> tuple[AttributeWords, ...]:
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    out = []
    for name, spec in (data.get("orderable") or {}).items():
        out.append(
            AttributeWords(
                name=str(name),
                keys=tuple(str(k) for k in spec.get("keys") or (name,)),
                most=tuple(str(w).lower() for w in spec.get("most") or ()),
                least=tuple(str(w).lower() for w in spec.get("least") or ()),
                neutral=tuple(str(w).lower() for w in spec.get("words") or ()),
                dimension=str(spec.get("dimension") or ""),
                described_by=tuple(str(w).lower() for w in spec.get("described_by") or ()),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Ordering:
    """Sort by `attribute` ("price" or a catalog attribute group), largest first when `descending`."""

    attribute: str
    descending: bool
    superlative: bool  # 最… / -est: answer with the single winner; else a comparison (更轻 / lighter)
    rank: int = 1  # "第二便宜的" / "second cheapest": the product in that place of the ranking


_SUPERLATIVE = re.compile(
    r"最|哪(?:个|款|双|件|一|种|只|台)|which|what'?s the|\w+est\b|the most|the least", re.I
)
_ORDINAL = {"二": 2, "三": 3, "四": 4, "五": 5, "2": 2, "3": 3, "4": 4, "5": 5, "second": 2, "third": 3}
_RANKED = re.compile(r"第\s*([二三四五2-5])|\b(second|third)\b", re.I)
_ITEM_ORDINAL = re.compile(
    r"第\s*[二三四五2-5]\s*(?:个|款|件|只|台|双|本|支|种)|\b(?:second|third) one\b", re.I
)
_COMPARATIVE = re.compile(r"更|比较|一点|些|哪|which|\w+er\b|more|less", re.I)


def ordering_in(text: str, words: Sequence[AttributeWords] | None = None) -> Ordering | None:
    """The ordering a message asks for, or None ("最轻的跑鞋" → weight ascending, superlative). The longest
    phrase found names the attribute ("读取速度最快" is speed although "最快" alone is charging power; "充电最快"
    stays power); of phrases as long, the attribute listed first in attributes.yaml wins."""
    lowered = text.lower()
    found: list[tuple[int, int, AttributeWords, bool]] = []
    for place, spec in enumerate(words if words is not None else load_attribute_words()):
        for direction, vocabulary in ((False, spec.least), (True, spec.most)):
            longest = max((len(word) for word in vocabulary if word in lowered), default=0)
            if longest:
                found.append((-longest, place, spec, direction))
    found.sort(key=lambda item: (item[0], item[1]))
    for _, _, spec, direction in found:
        superlative = bool(re.search(r"最|\w+est\b|most|least|longest|largest|biggest", lowered))
        ranked = _RANKED.search(lowered)
        if ranked and not _ITEM_ORDINAL.search(lowered):
            superlative = True  # "第二便宜的呢": a place in the ranking, not the second item
        else:
            ranked = None
        if not superlative and not _COMPARATIVE.search(lowered):
            continue
        rank = _ORDINAL[(ranked.group(1) or ranked.group(2)).lower()] if ranked and superlative else 1
        return Ordering(spec.name, direction, superlative, rank)
    return None


_WANT = re.compile(r"^(?:想要|要|来个?|换个?|找个?|买个?)")


def is_ordering_residue(word: str, ordering: Ordering | None) -> bool:
    """A word jieba cut out of an ordering phrase ("要轻" of "要轻一点的", "来个大" of "来个大点的"): after a verb
    of wanting, the rest is in one of the asked attribute's own phrases."""
    if ordering is None:
        return False
    rest = _WANT.sub("", word.strip().lower())
    if not rest or rest == word.strip().lower():
        return False
    spec = next((w for w in load_attribute_words() if w.name == ordering.attribute), None)
    return spec is not None and any(rest in phrase for phrase in (*spec.most, *spec.least))


def is_ordering_word(word: str) -> bool:
    """True for words that only say how to rank ("便宜", "最轻", "thickest", "longest")."""
    folded = word.strip().lower()
    return len(folded) >= 2 and any(
        folded in phrase for spec in load_attribute_words() for phrase in (*spec.most, *spec.least)
    )


def value_of(
    product: Product, attribute: str, words: Sequence[AttributeWords] | None = None
) -> Measure | None:
    """The product's comparable value for an orderable attribute (price in its currency's units)."""
    if attribute == "price":
        if product.price is None:
            return None
        return Measure(product.price, f"money:{product.currency.upper()}", product.price_text() or "")
    spec = next((w for w in words or load_attribute_words() if w.name == attribute), None)
    keys = spec.keys if spec else (attribute,)
    for key in keys:
        raw = next((v for k, v in product.attributes.items() if k.lower() == key), None)
        if raw:
            found = measure(raw)
            if found is not None:
                return found
    if spec is None:
        return None
    if spec.dimension:
        measured = [
            m for v in product.attributes.values() if (m := measure(v)) and m.dimension == spec.dimension
        ]
        if measured:
            return measured[0] if len(measured) == 1 else None
    return described_value(product, spec)


_PHRASE = re.compile(r"[^，,。；;！!？?\n()（）]+")


def described_value(product: Product, spec: AttributeWords) -> Measure | None:
    """The figure the description states for `spec` when no attribute holds it: the first phrase with one of
    its `described_by` words and a figure ("续航最长14小时" → 14 hours), else — for a dimension only this
    attribute is measured in ("1500流明" → 1500 lm) — the description's one figure in that dimension."""
    phrases = _PHRASE.findall(f"{product.description or ''}")
    if spec.described_by:
        for phrase in phrases:
            lowered = phrase.lower()
            if any(word in lowered for word in spec.described_by):
                found = measure(phrase)
                if found is not None and found.dimension != "count":
                    return found
    if spec.dimension in _DESCRIBED_DIMENSIONS:
        found_all = [m for phrase in phrases if (m := measure(phrase)) and m.dimension == spec.dimension]
        if found_all:
            return found_all[0]
    return None


# dimensions whose figure in a description can only mean one attribute (a lumen figure is the brightness;
# a mass could be the product's weight or what it carries, a time its battery or its shelf life)
_DESCRIBED_DIMENSIONS = frozenset({"luminous", "pressure", "loudness"})


def order(products: Sequence[Product], ordering: Ordering) -> list[tuple[Product, Measure]]:
    """Products that have the attribute, best first; only the most common dimension (currency) competes."""
    valued = [(p, m) for p in products if (m := value_of(p, ordering.attribute)) is not None]
    if not valued:
        return []
    dimensions = [m.dimension for _, m in valued]
    main = max(dict.fromkeys(dimensions), key=dimensions.count)  # first seen wins a tie
    same = [(p, m) for p, m in valued if m.dimension == main]
    return sorted(same, key=lambda item: item[1].amount, reverse=ordering.descending)


@dataclass(frozen=True)
class Bound:
    """A numeric attribute constraint read from a message ("65W以上", "4升以上", "at least 10 hours")."""

    dimension: str
    amount: Decimal  # in the dimension's base unit
    at_least: bool

    def admits(self, product: Product) -> bool:
        """True when one of the product's attributes in this dimension is within the bound."""
        for raw in product.attributes.values():
            found = measure(raw)
            if found is not None and found.dimension == self.dimension:
                return found.amount >= self.amount if self.at_least else found.amount <= self.amount
        return False


_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_AT_LEAST_AFTER = re.compile(
    rf"(\d+(?:\.\d+)?)\s*({_UNIT})\s*(?:及)?(?:以上|起|或以上|or more|\+|plus)", re.I
)
_AT_LEAST_BEFORE = re.compile(
    rf"(?:至少|不低于|不少于|超过|大于|高于|长于|at least|minimum|min\.?|over|more than|above|longer than"
    rf"|bigger than|larger than|greater than|heavier than|taller than|wider than)\s*(\d+(?:\.\d+)?)\s*({_UNIT})(?![a-z])",
    re.I,
)
_AT_MOST = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})\s*(?:以下|以内|之内|or less|max)", re.I)
_AT_MOST_BEFORE = re.compile(
    rf"(?:最多|不超过|不到|低于|小于|轻于|短于|at most|no more than|under|below|less than|lighter than|up to"
    rf"|smaller than|shorter than)\s*(\d+(?:\.\d+)?)\s*({_UNIT})(?![a-z])",
    re.I,
)


def stated_measures(text: str) -> list[Measure]:
    """Exact lengths and volumes a message asks for ("5.4米的鱼竿", "1L的保温杯"), in base units; [] when it states
    a bound instead ("4升以上", see `bounds_in`) or none."""
    if bounds_in(text):
        return []
    found = [measure(m.group(0)) for m in _VALUE.finditer(text)]
    return [m for m in found if m is not None and m.dimension in _EXACT_DIMENSIONS]


_EXACT_DIMENSIONS = frozenset(
    {"length", "volume"}
)  # what a product is sold in; a weight asked may be a limit


def has_measure(product: Product, wanted: Measure) -> bool:
    """Whether one of the product's attribute values, or its title, states exactly `wanted`."""
    texts = [*product.attributes.values(), product.title]
    return any(
        m.dimension == wanted.dimension and m.amount == wanted.amount
        for text in texts
        for m in (measure(v.group(0)) for v in _VALUE.finditer(text))
        if m is not None
    )


def bounds_in(text: str) -> list[Bound]:
    """Numeric attribute bounds in a message, in base units ("4升以上" → volume ≥ 4000 ml)."""
    out: list[Bound] = []
    for rx, at_least in (
        (_AT_LEAST_AFTER, True),
        (_AT_LEAST_BEFORE, True),
        (_AT_MOST, False),
        (_AT_MOST_BEFORE, False),
    ):
        for m in rx.finditer(text):
            dimension, factor = UNITS[m.group(2).lower()]
            out.append(Bound(dimension, Decimal(m.group(1)) * factor, at_least))
    return out


_CN_DIGITS = dict(zip("一单二两双三四五六七八", (1, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8), strict=True))
_PEOPLE = re.compile(
    r"(?<![\d.-])(\d{1,2}|[一二两三四五六七八])\s*个?人(?=用|住|玩|睡|的|份|帐|款|桌|$|[，,。？?！!\s])|([单双])人"
    r"|\bfor (\d{1,2}|two|three|four|five|six) (?:people|persons|players)\b|\b(\d{1,2})[- ]?(?:person|player)s?\b",
    re.I,
)
_EN_DIGITS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_RANGE = re.compile(r"(\d{1,2})\s*[-–~至到]\s*(\d{1,2})\s*人|(\d{1,2})\s*人")


def people_wanted(text: str) -> int | None:
    """How many people a message wants a product for ("两个人用的", "4人帐篷", "双人", "for two players")."""
    match = _PEOPLE.search(text)
    if match is None:
        return None
    word = next(g for g in match.groups() if g)
    if word.isdigit():
        return int(word)
    return _CN_DIGITS.get(word) or _EN_DIGITS.get(word.lower())


def fits_people(product: Product, wanted: int) -> bool | None:
    """Whether the product's people figure ("2人", "3-4人") covers `wanted`: a range must include it, a single
    figure must equal it; None when the product states none."""
    for raw in product.attributes.values():
        found = _RANGE.search(raw or "")
        if found is None:
            continue
        if found.group(1):
            return int(found.group(1)) <= wanted <= int(found.group(2))
        return int(found.group(3)) == wanted
    return None
