"""Price constraints in Chinese and English → exact Decimal bounds, rules only.

Patterns run in order (ranges before one-sided bounds) over NFKC lower-cased text; each match consumes
its span so it is not read twice, and the spans are removed from the keywords. Conventions:
"N左右" / "around N" / a bare "N元" / "$N" mean N ± 20 %; "两百多" / "200多" mean N up to the next step of
its last non-zero digit (200–300, 250–260); "500起" / "over 500" are lower bounds. Vague amounts are ranges:
"几百" 100–999.99, "好几千" 2000–9999.99, "几十块" 10–99.99, "十几块" 10–19.99, "一两千" 1000–2000, "千把块" ≈ 1000,
"两百出头" 200–250 (half a step over), "2-3k" 2000–3000 (the second number's unit applies to a bare first digit).
The currency written next to an amount (¥, 元, 块, RMB, $, dollars, 美元 …) is returned as an ISO code; a bare
number has none (the caller applies the catalog's or the language's default, see `knowledge.money`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from knowledge.money import currency_code
from knowledge.numbers import CN_NUMERAL_CHARS, magnitude_step, parse_number, tidy

AROUND = Decimal("0.2")

_CN = f"[{CN_NUMERAL_CHARS}]"
_N = (
    r"((?<![a-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?(?:\s*(?:k|w|千|万))?(?![a-z0-9%])"
    rf"|{_CN}*[十百千万亿]{_CN}*|[零〇一二两三四五六七八九]+(?=\s*(?:元|块|以内|以下|以上|左右|到|至|多)))"
)
_PRE = r"(?:hk\$|us\$|[¥$€£]|rmb|usd|cny|eur|gbp)?\s*"
_CURRENCY_WORDS = (
    r"元钱|元|块钱|块|rmb|cny|yuan|usd|eur|gbp|euros?|dollars?|bucks?|刀|美元|美金|人民币|欧元|英镑|港币|港元"
)
_POST = rf"(?:\s*(?:{_CURRENCY_WORDS}))?"
_NOT_UNIT = (
    r"(?!\s*(?:码|号|cm|mm|ml|kg|g\b|寸|岁|个|件|双|斤|克|升|gb|tb|度|小时|天|年|月|周|分钟|毫|瓦|米|%))"
)
_NUM = _PRE + _N + _POST
_RANGE_SEP = r"\s*(?:到|至|-|~|—|–|to)\s*"


_CURRENCY_MARK = re.compile(
    r"hk\$|us\$|[¥$€£]|(?<![a-z])(?:rmb|cny|usd|eur|gbp|yuan|kuai|euros?|dollars?|bucks?|pounds?)(?![a-z])"
    r"|元|块|刀|美元|美金|人民币|欧元|英镑|港币|港元"
)


@dataclass(frozen=True)
class PriceBounds:
    """Parsed bounds plus the text spans they came from (so keywords can drop them).

    `currency` is the ISO code written with the amounts ("CNY" for 元/块/¥, "USD" for $/dollars), or None when
    the amounts were bare numbers. `alternatives` are budgets the customer gave in another currency besides the
    first ("under $20 or 100 yuan" → ((None, 100, "CNY"),)): (min, max, ISO code), in the order written, so a shop
    without an exchange rate can use the one in its own currency.
    """

    min_price: Decimal | None
    max_price: Decimal | None
    spans: tuple[tuple[int, int], ...]
    currency: str | None = None
    alternatives: tuple[tuple[Decimal | None, Decimal | None, str], ...] = ()

    def in_currency(self, code: str) -> PriceBounds:
        """These bounds, or the alternative budget written in `code` when the first is in another currency
        (spans kept: every amount read is still no keyword)."""
        if self.currency is None or self.currency == code:
            return self
        for low, high, currency in self.alternatives:
            if currency == code:
                return PriceBounds(low, high, self.spans, code, self.alternatives)
        return self


def _range(a: Decimal, b: Decimal) -> tuple[Decimal | None, Decimal | None]:
    return (min(a, b), max(a, b))


def _around(a: Decimal) -> tuple[Decimal | None, Decimal | None]:
    return (tidy(a * (1 - AROUND)), tidy(a * (1 + AROUND)))


def _more_than_step(a: Decimal) -> tuple[Decimal | None, Decimal | None]:
    return (a, a + magnitude_step(a))


def _just_over(a: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """ "两百出头": a little over N, up to half a step of its last digit (200–250)."""
    return (a, a + magnitude_step(a) / 2)


_CENT = Decimal("0.01")
_VAGUE_UNITS = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1000), "万": Decimal(10_000)}


def _vague(prefix: str, unit: str) -> tuple[Decimal | None, Decimal | None]:
    """ "几百" 100–999.99, "好几百" 200–999.99, "十几" 11–19.99 ("十几块"), "几十" 10–99.99."""
    if prefix == "十":  # 十几: 11..19
        return (Decimal(11), Decimal(20) - _CENT)
    size = _VAGUE_UNITS[unit]
    low = size * 2 if prefix in ("好", "好几") else size
    return (low, size * 10 - _CENT)


def _scaled_range(a: Decimal, b: Decimal, first: str, second: str) -> tuple[Decimal | None, Decimal | None]:
    """A range whose second number carries the unit: "2-3k" = 2000–3000, "两到三千" = 2000–3000.

    A bare first number below 10 takes the unit of the second when that keeps the range ascending ("2-300"
    reads as 200–300, the way shoppers write it); "200-3k" stays 200–3000.
    """
    if a < b and a < 10 and not re.search(r"[k千w万十百]", first) and b >= 100:
        step = magnitude_step(b)
        if a * step <= b:
            a = a * step
    return _range(a, b)


_Make = Callable[..., tuple[Decimal | None, Decimal | None]]
_Rule = tuple[re.Pattern[str], _Make | str | None]

_RULES: list[_Rule] = [
    # "两三百" / "三四千块": two neighbouring digits before one unit mean a range (200–300, 3000–4000).
    (
        re.compile(
            r"(?<![一二两三四五六七八九十])([一二两三四五六七八九][二两三四五六七八九])([十百千万])(?:元钱|元|块钱|块)?"
        ),
        None,
    ),
    # "几百块", "好几千", "几十块", "十几块": vague amounts are ranges of their unit.
    (
        re.compile(
            r"(好几|好|几)([十百千万])(?:多)?(?:元钱|元|块钱|块)?(?![一二两三四五六七八九])"
            rf"{_NOT_UNIT}(?!\s*(?:毫|瓦|米|层|次|人|年|斤|位|款|种|样))"
        ),
        "vague",
    ),
    (re.compile(r"(十)几\s*(?:元钱|元|块钱|块)()"), "vague"),
    (re.compile(rf"between\s+{_NUM}\s+(?:and|to|-)\s+{_NUM}"), _range),
    (re.compile(rf"(?:在\s*)?{_NUM}\s*(?:和|与|跟|到|至)\s*{_NUM}\s*之间"), _range),
    (re.compile(rf"from\s+{_NUM}\s+to\s+{_NUM}"), _range),
    (re.compile(rf"(?:在\s*)?{_NUM}{_RANGE_SEP}{_NUM}{_NOT_UNIT}(?:\s*之间)?"), "scaled"),
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
    # "100多块" is a hundred-odd; "41 多少钱" asks a price ("多少" = how much, "多大/多久" how big/long).
    (re.compile(rf"{_N}\s*多(?![少大长久重高宽远])\s*(?:元钱|元|块钱|块)?"), _more_than_step),
    (re.compile(rf"{_NUM}\s*出头"), _just_over),
    # "千把块", "百把块": about one thousand / hundred.
    (re.compile(r"([百千万])把\s*(?:元钱|元|块钱|块)?"), _around),
    (re.compile(rf"{_NUM}\s*(?:以上|起|往上|开外)"), lambda a: (a, None)),
    (re.compile(rf"{_NUM}\s*(?:or more|and up|and above|or above|\+)"), lambda a: (a, None)),
    (
        re.compile(
            r"(?:超过|高于|大于|多于|至少|最低|不低于|不少于|"
            rf"over|above|more than|greater than|at least|minimum|min|starting at|>=?|≥)\s*{_NUM}{_NOT_UNIT}"
        ),
        lambda a: (a, None),
    ),
    (re.compile(rf"{_NUM}\s*(?:左右|上下)"), _around),
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


def _bounds(
    pattern_make: _Make | str | None, match: re.Match[str]
) -> tuple[Decimal | None, Decimal | None] | None:
    """The bounds one match stands for, or None when its numbers do not parse."""
    groups = [group for group in match.groups() if group]
    if pattern_make is None:  # neighbouring digits: "两三百" → (两百, 三百)
        digits, unit = match.groups()
        values = [parse_number(digits[0] + unit), parse_number(digits[1] + unit)]
        if None in values:
            return None
        return _range(*values)  # type: ignore[arg-type]
    if pattern_make == "vague":
        prefix, unit = match.group(1), match.group(2)
        return _vague(prefix, unit)
    values = [parse_number(group) for group in groups]
    if not values or any(value is None for value in values):
        return None
    if pattern_make == "scaled":
        return _scaled_range(values[0], values[1], groups[0], groups[1])  # type: ignore[arg-type]
    return pattern_make(*values)  # type: ignore[operator]


# "65w" is a wattage ("65W以上的充电器"); "2w" / "1.5w" are 万 (2万 = 20,000). Two-digit-or-more numbers with a bare
# w are read as watts unless a currency or budget word comes first.
_WATTS = re.compile(r"(?<![\d.¥$])(?<!预算)(?<!budget )\d{2,}\s*w(?![a-z])")


_EN_UNITS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_EN_TENS = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}  # fmt: skip
_EN_AMOUNT = re.compile(
    rf"(?<![a-z])(?:({'|'.join(_EN_UNITS)}|{'|'.join(_EN_TENS)})\s+(hundred|thousand|grand)"
    rf"|({'|'.join(_EN_TENS)}))(?![a-z])(?!\s+(?:percent|%|pieces?|pcs|pack|items?|pages?|days?|years?|months?))"
)


def _english_amount(match: re.Match[str]) -> str:
    """ "a hundred" → "100", "two thousand" → "2000", "fifty" → "50", padded to the words' length (spans hold)."""
    word, scale, tens = match.groups()
    if tens:
        value = _EN_TENS[tens]
    else:
        value = (_EN_UNITS.get(word) or _EN_TENS[word]) * (100 if scale == "hundred" else 1000)
    return str(value).ljust(len(match.group(0)))


def parse_price(text: str) -> PriceBounds:
    """Bounds from already-normalised text; the first rule to set a bound wins. English amounts in words
    ("under a hundred dollars", "around fifty bucks", "two thousand or less") read as their digits."""
    text = _WATTS.sub(lambda m: " " * len(m.group(0)), text)
    text = _EN_AMOUNT.sub(_english_amount, text)
    low: Decimal | None = None
    high: Decimal | None = None
    taken: list[tuple[int, int]] = []
    currency: str | None = None
    others: list[tuple[Decimal | None, Decimal | None, str]] = []
    for pattern, make in _RULES:
        for match in pattern.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            bounds = _bounds(make, match)
            if bounds is None:
                continue
            new_low, new_high = bounds
            mark = _CURRENCY_MARK.search(match.group(0))
            code = currency_code(mark.group(0)) if mark else None
            if (new_low is not None and low is not None) or (new_high is not None and high is not None):
                if code is not None and currency is not None and code != currency:
                    # "under $20 or 100 yuan": the same budget again in another currency, of the first's shape
                    written = [parse_number(g) for g in match.groups() if g]
                    amount = max((v for v in written if v is not None), default=None)
                    if low is None and amount is not None:
                        new_low, new_high = None, amount
                    elif high is None and amount is not None:
                        new_low, new_high = amount, None
                    others.append((new_low, new_high, code))
                    taken.append(match.span())
                continue  # a second, conflicting constraint: keep the first one read
            low = new_low if new_low is not None else low
            high = new_high if new_high is not None else high
            taken.append(match.span())
            currency = currency or code
    if low is not None and high is not None and low > high:
        low, high = high, low
    return PriceBounds(
        low if low is None else tidy(low),
        high if high is None else tidy(high),
        tuple(sorted(taken)),
        currency,
        tuple((lo, hi, code) for lo, hi, code in others),
    )
