"""Price cuts said in words rather than as a discount (issue 13, guard13t).

"15% cheaper this week", "25 percent less than the list price", "会员价再低三成", "比标价便宜两成", "knock thirty
yuan off", "再少收您三十块": each is a discount all the same. `worded_cuts(text)` lists them as (value, start,
end) with the ledger's discount values: a rate Decimal ("0.85" for 15 % less, "0.7" for 低三成) or ("minus",
None, amount) for an amount off. A comparison with another product is no cut: "30% cheaper than the Invincible",
"比 Invincible 便宜两成" (only 原价 / 标价 / 平时 / 吊牌价 / 市场价 / list price / usual price count as the base).
Patterns compile once at import.
"""

from __future__ import annotations

from decimal import Decimal

import regex

from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral

_TENS = {
    "ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a hundred": 100, "one hundred": 100, "two hundred": 200, "five": 5, "fifteen": 15,
}  # fmt: skip
_WORD = "|".join(sorted((regex.escape(w) for w in _TENS), key=len, reverse=True))
_BASE = r"(?:the\s+)?(?:list|usual|regular|normal|original|sticker|full|marked)\s+price"
_PERCENT_LESS = regex.compile(
    rf"(\d{{1,2}}(?:\.\d+)?)\s*(?:%|％|percent)\s+(?:cheaper|less|lower|below|under|off\s+the\s+price)\b"
    rf"(?!\s+than\s+(?!{_BASE}))",
    regex.I,
)
_CN_BASE = r"原价|标价|平时|吊牌价|市场价|日常价|之前|以前|专柜价|官方价"
_CHENG = regex.compile(r"(?:再|又|能)?(?:低|便宜|降|少|优惠|让利?)\s*([一二两三四五六七八九])\s*成")
# "比 Invincible 便宜两成" compares two products; "比标价便宜两成" cuts the price
_COMPARED = regex.compile(rf"比(?!\s*(?:{_CN_BASE}))[^，,。；;！？!?\n]*$")
_AMOUNT_OFF = regex.compile(
    rf"\b(?:knock|take|shave|cut|chop|slash)\s+(?:[¥$]\s*)?(\d+|{_WORD})\s*(?:yuan|rmb|dollars?|bucks|元|块)?\s+off\b"
    rf"|(?:少收|让|优惠)(?:您|你)?\s*([\d{CN_NUMERAL_CHARS}]+)\s*(?:块|元)",
    regex.I,
)


def _amount(raw: str) -> Decimal | None:
    low = raw.lower()
    if low.isdigit():
        return Decimal(low)
    if low in _TENS:
        return Decimal(_TENS[low])
    value = parse_chinese_numeral(raw)
    return None if value is None else Decimal(value)


def worded_cuts(text: str) -> list[tuple[object, int, int]]:
    """(discount value, start, end) of every price cut said in words (see the module docstring)."""
    found: list[tuple[object, int, int]] = []
    for m in _PERCENT_LESS.finditer(text):
        pct = Decimal(m.group(1))
        if 0 < pct < 100:
            found.append(((100 - pct) / 100, m.start(), m.end()))
    for m in _CHENG.finditer(text):
        if _COMPARED.search(text, 0, m.start()):
            continue
        tenths = parse_chinese_numeral(m.group(1))
        if tenths:
            found.append((Decimal(1) - Decimal(tenths) / 10, m.start(), m.end()))
    for m in _AMOUNT_OFF.finditer(text):
        if m.group(2) and _COMPARED.search(text, 0, m.start()):
            continue
        amount = _amount(m.group(1) or m.group(2))
        if amount:
            found.append((("minus", None, amount), m.start(), m.end()))
    return found
