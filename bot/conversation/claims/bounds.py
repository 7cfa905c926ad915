"""Price bounds a reply states: "千元以内", "不到50块", "百元内", "under two hundred yuan", "below ¥500".

A bound is no price of its own — the shop sells nothing at ¥50 because a ¥49 fan is "不到50块" — so its figure is
never checked as a price (the claims ledger and the allow-list skip its span). It is a claim about the prices it
speaks of instead: those stated in its sentence, else the last price stated before it in the reply, else the
prices of the products the sentence is about. Each must keep the bound ("飞利浦 S7786 ¥1099，千元以内" is false).
An upper bound only ("以内/以下/内/不到/不超过/低于/under/below/less than/within/no more than"): "千元级" and
"百元左右" are bands around a figure and bind nothing. Texts are read after `surface` + `scanned` (NFKC,
Simplified).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import regex

from bot.conversation.claims.figures import figures
from knowledge.numbers import parse_chinese_numeral

_CN = "零〇一二两三四五六七八九十百千万"
_EN = (
    r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety)[\s-]+)?(?:hundred|thousand)|ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
)
_AMOUNT = rf"\d+(?:\.\d+)?|[{_CN}]+"
_ZH_UNIT = r"(?:元|块钱|块|rmb|yuan)"
# "不到50块", "不超过八百元", "低于 ¥300"
_ZH_BEFORE = regex.compile(
    rf"(?:不到|不超过|不足|低于|少于|没超过|不过)\s*(?:[¥￥]\s*(?P<a>{_AMOUNT})|(?P<b>{_AMOUNT})\s*{_ZH_UNIT})",
    regex.I,
)
# "50元以内", "三百块以下", "百元内", "千元以内", "500以内"
_ZH_AFTER = regex.compile(
    rf"(?:[¥￥]\s*(?P<a>{_AMOUNT})|(?<![\d.{_CN}])(?P<b>{_AMOUNT})\s*{_ZH_UNIT}|(?<![\d.{_CN}])(?P<c>[百千万])元)"
    r"\s*(?:以内|之内|以下|以內|之內|內|内(?!容|置|胆|衬|侧|部|里))"
    r"|(?<![\d.])(?P<e>\d{2,})(?=以内|之内|以下)..",
    regex.I,
)
# "under 200 yuan", "below ¥500", "less than a hundred yuan", "within $50"
_EN_BOUND = regex.compile(
    rf"\b(?:under|below|less\s+than|within|no\s+more\s+than|not\s+more\s+than|cheaper\s+than)\s+"
    rf"(?:[¥￥]\s*(?P<a>\d+(?:\.\d+)?)|\$\s*(?P<d>\d+(?:\.\d+)?)|(?P<b>\d+(?:\.\d+)?|{_EN})\s*"
    r"(?:yuan|rmb|bucks|kuai|(?P<u>dollars?|usd)))",
    regex.I,
)


@dataclass(frozen=True)
class Bound:
    """An upper price bound at `start:end` of the text: prices it speaks of are at most `value` (in
    `currency`, "CNY" or "USD")."""

    start: int
    end: int
    value: Decimal
    currency: str


def _value(m: regex.Match[str]) -> Decimal | None:
    if m.groupdict().get("c"):
        return Decimal({"百": 100, "千": 1000, "万": 10000}[m.group("c")])
    raw = m.group("a") or m.groupdict().get("d") or m.group("b") or m.groupdict().get("e")
    if raw is None:
        return None
    if raw[:1].isdigit():
        return Decimal(raw)
    if regex.fullmatch(f"[{_CN}]+", raw):
        whole = parse_chinese_numeral(raw)
        return Decimal(whole) if whole is not None else None
    found = figures(raw)
    return max(found) if found else Decimal(100 if "hundred" in raw.lower() else 1000)


# an order total's threshold, not a price bound: "不到99元收运费", "订单满199…", "under ¥99 ships for ¥6"
_FEE_AFTER = regex.compile(
    r"[^。！？!?\n]{0,10}?(?:收|运费|邮费|包邮|免运|免邮|shipping|postage|ship|deliver|fee)", regex.I
)
_ORDER_BEFORE = regex.compile(r"(?:订单|实付|满|orders?\s+(?:of\s+)?)[^。！？!?\n]{0,4}$", regex.I)


def price_bounds(text: str) -> list[Bound]:
    """Every upper price bound of `text` (surfaced, Simplified), in order; an order total's threshold for
    shipping or a fee ("不到99元收运费6元") is none."""
    found: list[Bound] = []
    for rx in (_ZH_BEFORE, _ZH_AFTER, _EN_BOUND):
        for m in rx.finditer(text):
            value = _value(m)
            if value is None or any(b.start < m.end() and m.start() < b.end for b in found):
                continue
            if _FEE_AFTER.match(text, m.end()) or _ORDER_BEFORE.search(text, 0, m.start()):
                continue
            usd = bool(m.groupdict().get("d") or m.groupdict().get("u"))
            found.append(Bound(m.start(), m.end(), value, "USD" if usd else "CNY"))
    return sorted(found, key=lambda b: b.start)


def blank_bounds(text: str) -> str:
    """`text` with its price bounds blanked out (same length): what remains states the prices."""
    for bound in price_bounds(text):
        text = text[: bound.start] + " " * (bound.end - bound.start) + text[bound.end :]
    return text


def broken(bound: Bound, prices: list[tuple[Decimal, str]]) -> Decimal | None:
    """The first price of `prices` ((amount, currency); "" = unknown) that exceeds `bound`, or None."""
    for amount, currency in prices:
        if (not currency or currency == bound.currency) and amount > bound.value:
            return amount
    return None
