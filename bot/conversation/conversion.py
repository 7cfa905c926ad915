"""A currency conversion asked on its own ("19.99美元大概多少人民币", "how much is $19.99 in yuan?") or about a
product's price ("换算成人民币大概多少" after the Sennheiser's $299.99, "how much is that in RMB?").

It asks for an exchange rate, not for products: answered from the shop's configured rates
(XIAOER_EXCHANGE_RATES) or with a plain "no rate is set" and the price as listed — never a search for 人民币,
never an invented rate. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from knowledge.money import currency_code

_UNIT = r"(美元|美金|刀|usd|\$|dollars?|bucks|人民币|rmb|cny|yuan|元|块钱?|欧元|eur|euros?|英镑|gbp|日元|jpy|港币|hkd)"
_ZH = re.compile(
    rf"(?:{_UNIT}\s*)?(\d+(?:\.\d+)?)\s*{_UNIT}?\s*(?:大概|大约|约|相当于|等于|能换|换算成?|折合|合)?\s*(?:是|等于)?\s*"
    rf"(?:多少|几)\s*{_UNIT}",
    re.IGNORECASE,
)
_EN = re.compile(
    rf"\bhow much is\s+{_UNIT}?\s*(\d+(?:\.\d+)?)\s*{_UNIT}?\s+in\s+{_UNIT}|"
    rf"\bconvert\s+{_UNIT}?\s*(\d+(?:\.\d+)?)\s*{_UNIT}?\s+(?:in)?to\s+{_UNIT}",
    re.IGNORECASE,
)
# A product's price asked in another currency, with no amount: "换算成人民币", "合人民币多少钱", "多少人民币",
# "how much is that in RMB?", "convert it to yuan". 元/块 alone are how a price is asked ("多少块"), not a conversion.
_TARGET_UNIT = r"(美元|美金|usd|dollars?|人民币|rmb|cny|yuan|欧元|eur|euros?|英镑|gbp|日元|jpy|港币|hkd)"
_TO_ZH = re.compile(
    rf"(?:换算成?|换成|折合|合成?|转成|算成|相当于|等于)\s*(?:多少\s*)?{_TARGET_UNIT}|(?:多少|几)\s*(?:钱\s*)?{_TARGET_UNIT}|"
    rf"{_TARGET_UNIT}\s*(?:是|要|大概|大约|的话)?\s*多少",
    re.IGNORECASE,
)
_TO_EN = re.compile(
    rf"\b(?:in|into|to)\s+(?:chinese\s+|us\s+)?{_TARGET_UNIT}\b(?!\s*\d)|\bhow many\s+{_TARGET_UNIT}\b",
    re.IGNORECASE,
)
_EXTRA = {
    "美元": "USD",
    "美金": "USD",
    "刀": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "欧元": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
    "港币": "HKD",
    "块": "CNY",
    "块钱": "CNY",
}


@dataclass(frozen=True)
class Conversion:
    """`amount` in `source` asked in `target` (ISO codes)."""

    amount: Decimal
    source: str
    target: str


def _code(word: str | None) -> str | None:
    if not word:
        return None
    word = word.strip().lower()
    return _EXTRA.get(word) or currency_code(word)


def conversion_asked(text: str) -> Conversion | None:
    """The conversion a message asks for, or None (a budget "100美元以内的耳机" asks for products)."""
    for rx in (_EN, _ZH):
        m = rx.search(text)
        if m is None:
            continue
        groups = [g for g in m.groups()]
        amount = next((g for g in groups if g and re.fullmatch(r"\d+(?:\.\d+)?", g)), None)
        codes = [_code(g) for g in groups if g and not re.fullmatch(r"\d+(?:\.\d+)?", g)]
        units = [u for u in codes if u is not None]
        if amount is None or len(units) < 2 or units[0] == units[-1]:
            continue
        try:
            return Conversion(Decimal(amount), units[0], units[-1])
        except InvalidOperation:
            return None
    return None


def price_conversion_asked(text: str) -> str | None:
    """The currency (ISO code) a message asks a product's price in, when it names no amount of its own
    ("换算成人民币大概多少" → "CNY", "how much is that in USD?" → "USD"); None otherwise (an amount to convert
    is `conversion_asked`'s; "100美元以内的耳机" is a budget)."""
    if re.search(r"\d", text) and conversion_asked(text) is not None:
        return None
    if re.search(r"以内|以下|以上|之间|under|below|less than|within|budget", text, re.IGNORECASE):
        return None
    for rx in (_TO_ZH, _TO_EN):
        m = rx.search(text)
        if m is not None:
            return _code(m.group(m.lastindex or 1))
    return None
