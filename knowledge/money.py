"""Currencies and exchange rates: money is compared only within one currency or through a configured rate.

A budget in 元 must never admit a USD price as if it were yuan ("$299.99" is not "under 500"). Currency names
as customers and catalogs write them (¥, 元, 块, RMB, $, dollars, 美元 …) map to ISO 4217 codes; a rate table
(`XIAOER_EXCHANGE_RATES="USD:CNY=7.1,EUR:CNY=7.8"`, parsed by the CLI and passed down) converts between them.
Rates are exact `Decimal`s; a rate given one way also converts the other way (1 / rate).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# How customers and catalogs write a currency → ISO 4217. Lower-case keys; symbols as themselves.
CURRENCY_WORDS: dict[str, str] = {
    "¥": "CNY",
    "￥": "CNY",
    "元": "CNY",
    "块": "CNY",
    "块钱": "CNY",
    "元钱": "CNY",
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "kuai": "CNY",
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "刀": "USD",
    "美元": "USD",
    "美金": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "欧元": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "英镑": "GBP",
    "hk$": "HKD",
    "hkd": "HKD",
    "港币": "HKD",
    "港元": "HKD",
    "jpy": "JPY",
    "日元": "JPY",
    "円": "JPY",
}
# The currency a shopper means by a bare number, when the catalog cannot say (an empty catalog).
LANGUAGE_CURRENCY = {"zh": "CNY", "en": "USD"}
_RATE = re.compile(r"^\s*([A-Za-z]{3})\s*[:/]\s*([A-Za-z]{3})\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$")


def currency_code(written: str) -> str | None:
    """ISO code of a written currency ("¥" → "CNY", "RMB" → "CNY", "bucks" → "USD"), None if unknown."""
    word = written.strip().lower()
    if word in CURRENCY_WORDS:
        return CURRENCY_WORDS[word]
    if re.fullmatch(r"[a-z]{3}", word):
        return word.upper()
    return None


def canonical_currency(code: str) -> str:
    """A catalog's currency field as an ISO code ("RMB" → "CNY", "usd" → "USD"); unknown codes upper-cased."""
    return currency_code(code) or code.strip().upper()


@dataclass(frozen=True)
class ExchangeRates:
    """Directed conversion rates between ISO currencies: `rates[("USD", "CNY")] = 7.1` means 1 USD = 7.1 CNY."""

    rates: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> ExchangeRates:
        """From "USD:CNY=7.1, EUR:CNY=7.8" (comma or semicolon separated); empty text = no rates.

        Raises ValueError naming the bad entry (the CLI turns it into a start-up error).
        """
        rates: dict[tuple[str, str], Decimal] = {}
        for entry in re.split(r"[,;]", text or ""):
            if not entry.strip():
                continue
            match = _RATE.match(entry)
            if not match:
                raise ValueError(f"exchange rate {entry.strip()!r} is not like USD:CNY=7.1")
            source, target = canonical_currency(match.group(1)), canonical_currency(match.group(2))
            try:
                rate = Decimal(match.group(3))
            except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
                raise ValueError(f"exchange rate {entry.strip()!r} has no number") from exc
            if rate <= 0 or source == target:
                raise ValueError(f"exchange rate {entry.strip()!r} must be positive between two currencies")
            rates[(source, target)] = rate
        return cls(rates)

    def __bool__(self) -> bool:
        return bool(self.rates)

    def rate(self, source: str, target: str) -> Decimal | None:
        """How many `target` one `source` buys; None when no rate (direct or inverse) is configured."""
        source, target = canonical_currency(source), canonical_currency(target)
        if source == target:
            return Decimal(1)
        direct = self.rates.get((source, target))
        if direct is not None:
            return direct
        inverse = self.rates.get((target, source))
        return None if inverse is None else Decimal(1) / inverse

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """`amount` in `source` expressed in `target` (exact, rounded to 1/100 for display only by callers)."""
        rate = self.rate(source, target)
        return None if rate is None else amount * rate

    def compare(self, a: Decimal, a_currency: str, b: Decimal, b_currency: str) -> int | None:
        """-1 / 0 / 1 like a <=> b across currencies; None when they cannot be compared (no rate)."""
        converted = self.convert(b, b_currency, a_currency)
        if converted is None:
            return None
        return (a > converted) - (a < converted)


NO_RATES = ExchangeRates()


def round_cents(amount: Decimal) -> Decimal:
    """Two decimals, half up: how a converted amount is shown ("≈ ¥2,129.93")."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
