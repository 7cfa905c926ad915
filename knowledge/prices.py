"""Price constraints in Chinese and English → exact Decimal bounds, rules only.

Patterns run in order (ranges before one-sided bounds) over NFKC lower-cased text; each match consumes
its span so it is not read twice, and the spans are removed from the keywords. Conventions:
"N左右" / "around N" / a bare "N元" / "$N" mean N ± 20 %; "两百多" / "200多" mean N up to the next step of
its last non-zero digit (200–300, 250–260); "500起" / "over 500" are lower bounds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from knowledge.numbers import CN_NUMERAL_CHARS, magnitude_step, parse_number, tidy

AROUND = Decimal("0.2")

_CN = f"[{CN_NUMERAL_CHARS}]"
_N = (
    r"((?<![a-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?(?:\s*(?:k|w|千|万))?(?![a-z0-9%])"
    rf"|{_CN}*[十百千万亿]{_CN}*|[零〇一二两三四五六七八九]+(?=\s*(?:元|块|以内|以下|以上|左右|到|至|多)))"
)
_PRE = r"(?:[¥$€£]|rmb|usd|cny)?\s*"
_POST = r"(?:\s*(?:元钱|元|块钱|块|rmb|cny|yuan|usd|dollars?|bucks?|刀|美元|美金|人民币))?"
_NOT_UNIT = (
    r"(?!\s*(?:码|号|cm|mm|ml|kg|g\b|寸|岁|个|件|双|斤|克|升|gb|tb|度|小时|天|年|月|周|分钟|毫|瓦|米|%))"
)
_NUM = _PRE + _N + _POST
_RANGE_SEP = r"\s*(?:到|至|-|~|—|–|to)\s*"


@dataclass(frozen=True)
class PriceBounds:
    """Parsed bounds plus the text spans they came from (so keywords can drop them)."""

    min_price: Decimal | None
    max_price: Decimal | None
    spans: tuple[tuple[int, int], ...]


def _range(a: Decimal, b: Decimal) -> tuple[Decimal | None, Decimal | None]:
    return (min(a, b), max(a, b))


def _around(a: Decimal) -> tuple[Decimal | None, Decimal | None]:
    return (tidy(a * (1 - AROUND)), tidy(a * (1 + AROUND)))


def _more_than_step(a: Decimal) -> tuple[Decimal | None, Decimal | None]:
    return (a, a + magnitude_step(a))


_Rule = tuple[re.Pattern[str], Callable[..., tuple[Decimal | None, Decimal | None]] | None]

_RULES: list[_Rule] = [
    # "两三百" / "三四千块": two neighbouring digits before one unit mean a range (200–300, 3000–4000).
    (
        re.compile(
            r"(?<![一二两三四五六七八九十])([一二两三四五六七八九][二三四五六七八九])([十百千万])(?:元钱|元|块钱|块)?"
        ),
        None,
    ),
    (re.compile(rf"between\s+{_NUM}\s+(?:and|to|-)\s+{_NUM}"), _range),
    (re.compile(rf"from\s+{_NUM}\s+to\s+{_NUM}"), _range),
    (re.compile(rf"(?:在\s*)?{_NUM}{_RANGE_SEP}{_NUM}{_NOT_UNIT}(?:\s*之间)?"), _range),
    (re.compile(rf"{_NUM}\s*(?:以内|以下|之内|以里|封顶|内)"), lambda a: (None, a)),
    (re.compile(rf"{_NUM}\s*(?:or less|or under|and under|or below|and below|max\b)"), lambda a: (None, a)),
    (
        re.compile(
            r"(?:(?:不要|别|不能|不想|不会)?(?:超过|高于)|不超过|不超|不高于|不到|低于|少于|小于|最多|最高|顶多|预算|价格|价位|"
            r"under|below|less than|cheaper than|at most|up to|no more than|not more than|"
            rf"maximum|max|within|budget(?: of| is)?|<=?|≤)\s*(?:是|在|为|of)?\s*{_NUM}{_NOT_UNIT}(?![\s元块钱]*左右)"
        ),
        lambda a: (None, a),
    ),
    (re.compile(rf"{_N}\s*多\s*(?:元钱|元|块钱|块)?"), _more_than_step),
    (re.compile(rf"{_NUM}\s*(?:以上|起|往上|开外)"), lambda a: (a, None)),
    (re.compile(rf"{_NUM}\s*(?:or more|and up|and above|or above|\+)"), lambda a: (a, None)),
    (
        re.compile(
            r"(?:超过|高于|大于|多于|至少|最低|不低于|不少于|"
            rf"over|above|more than|greater than|at least|minimum|min|starting at|>=?|≥)\s*{_NUM}{_NOT_UNIT}"
        ),
        lambda a: (a, None),
    ),
    (re.compile(rf"{_NUM}\s*左右"), _around),
    (re.compile(rf"(?:大概|大约|差不多|around|about|approximately|roughly|~)\s*{_NUM}{_NOT_UNIT}"), _around),
    (re.compile(r"(?:[¥$€£]|rmb|usd|cny)\s*" + _N), _around),
    (re.compile(_N + r"\s*(?:元钱|元|块钱|块|yuan|dollars?|bucks?|刀|美元|美金|人民币)"), _around),
    # Bare amounts that can only be money: "一千五", "三百的", "1.5k" (not "4k", not "百雀羚", not "三千毫安").
    (
        re.compile(rf"([零一二两三四五六七八九]+[十百千万]{_CN}*){_NOT_UNIT}(?!\s*(?:毫|瓦|米|层|次|人|万))"),
        _around,
    ),
    (re.compile(r"(?<![a-z0-9.])(\d+\.\d+k)(?![a-z0-9])"), _around),
]


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def parse_price(text: str) -> PriceBounds:
    """Bounds from already-normalised text; the first rule to set a bound wins."""
    low: Decimal | None = None
    high: Decimal | None = None
    taken: list[tuple[int, int]] = []
    for pattern, make in _RULES:
        for match in pattern.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            if make is None:  # neighbouring digits: "两三百" → (两百, 三百)
                digits, unit = match.groups()
                values = [parse_number(digits[0] + unit), parse_number(digits[1] + unit)]
                make = _range
            else:
                values = [parse_number(group) for group in match.groups() if group]
            if not values or any(value is None for value in values):
                continue
            new_low, new_high = make(*values)
            if (new_low is not None and low is not None) or (new_high is not None and high is not None):
                continue  # a second, conflicting constraint: keep the first one read
            low = new_low if new_low is not None else low
            high = new_high if new_high is not None else high
            taken.append(match.span())
    if low is not None and high is not None and low > high:
        low, high = high, low
    return PriceBounds(
        low if low is None else tidy(low), high if high is None else tidy(high), tuple(sorted(taken))
    )
