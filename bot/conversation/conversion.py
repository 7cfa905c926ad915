"""A currency conversion asked on its own ("19.99美元大概多少人民币", "how much is $19.99 in yuan?").

It asks for an exchange rate, not for products: answered from the shop's configured rates
(XIAOER_EXCHANGE_RATES) or with a plain "no rate is set" — never a search for 人民币. Pure functions.
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
