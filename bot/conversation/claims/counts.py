"""Counts of a product's units said without a stock word: stock claims all the same (issue 13, guard13t).

"Aeron 椅子还有二十把", "飞马41 还有 30 双", "六十多双现货", "仓里还有 30 台", "We have 45 pairs of the
Ultraboost", "We still have 500 of the tees", "There are 60 XM5 headphones left", "About 70 kettles are
available", "25 GS Minis ready to ship": each states how many units the shop holds, which only the catalog's
`stock` may say. `unit_counts(text)` lists them as (value, start, end): value is the count (int) or, for an
approximation, ("range", low, high) — 五十多 (50 < n < 60), 三十来 / about 30 (24 ≤ n ≤ 36), "over 200"
(200 < n < 300). The ledger checks the value against the stock of the products the sentence is about.

What is no count of units: a count of something else (还有两个颜色, "We have 3 sizes available", "There are 4
pieces in the set" — a Chinese count must end its clause or be followed by a stock word, an English one be
units/pairs… *of* the product, *of the* product, or followed by left/remaining/available/in stock within the
clause, with no other kind of thing between), a figure in a name (handled by the caller's extraction: only
bare numbers after "have"/"there are"/an approximation word are read). Patterns compile once at import.
"""

from __future__ import annotations

from decimal import Decimal

import regex

from knowledge.numbers import CN_NUMERAL_CHARS, parse_chinese_numeral

_CN = f"[{CN_NUMERAL_CHARS}]+"
_NUM = r"\d{1,3}(?:,\d{3})+|\d+"
_COUNT = rf"(?:{_NUM}|{_CN})"
# classifiers of goods (块 is also money, 款/种 are models, 个 is read only at the end of its clause)
_CLASSIFIER = (
    "件|双|个|台|瓶|盒|包|套|只|份|条|张|把|罐|支|本|副|顶|辆|部|箱|袋|听|桶|组|架|盏|枚|根|颗|束|盆"
)
_ZH_BEFORE = (
    r"(?:还有|还剩|还剩下|剩下?|尚有|仓(?:库)?里?(?:还|现在|目前)?有|库里(?:还)?有|店里(?:还)?有|现有|备有|备了|在库|"
    r"现货|库存|存货)\s*(?:约|大约|大概|差不多|将近|近|还)?\s*"
)
_ZH_AFTER_WORD = r"现货|库存|存货|在库|在仓|可(?:以)?(?:发|卖|下单)|能发|待发"
# After the classifier: the end of the clause, a particle, or a stock word.
_ZH_END = rf"(?=\s*(?:$|[。！？!?，,；;、\n]|左右|呢|哦|噢|啊|呀|了|的样子|{_ZH_AFTER_WORD}))"
_ZH_COUNT = rf"(?P<n>{_COUNT})\s*(?P<approx>多|来|余)?\s*(?:{_CLASSIFIER})"
_ZH = regex.compile(
    rf"{_ZH_BEFORE}{_ZH_COUNT}{_ZH_END}"
    rf"|(?<![\d{CN_NUMERAL_CHARS}.]){_ZH_COUNT}\s*(?:的)?(?:{_ZH_AFTER_WORD})",
    regex.I,
)
_UNIT = (
    r"units?|pairs?|pieces?|pcs|items?|tins?|sets?|boxes?|bottles?|cans?|bags?|packs?|cartons?|jars?|bouquets?|"
    r"pots?|rolls?|copies|cases?"
)
_MARKER = (
    r"left|remaining|available|in\s+stock|on\s+hand|ready\s+to\s+(?:ship|go)|in\s+(?:our|the)\s+"
    r"(?:warehouse|stockroom|store|shop)"
)
# Words that make the count one of something else: models, sizes, colours, durations, features …
_OTHER = (
    r"sizes?|colou?rs?|colorways?|models?|versions?|options?|styles?|variants?|designs?|flavou?rs?|kinds?|types?|"
    r"shades?|patterns?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|modes?|speeds?|settings?|levels?|"
    r"programs?|functions?|ways?|methods?|stores?|shops?|warehouses?|cities|provinces|regions|couriers?|"
    r"carriers?|ports?|layers?|keys?|slots?|people|customers?|reviews?|orders?|stems?|cups?|lengths?|widths?"
)
_APPROX_EN = r"about|around|roughly|approximately|some|nearly|almost|close\s+to|over|more\s+than|upwards\s+of"
_WORDS = rf"(?:(?!(?:{_OTHER})\b)[\w'’-]+\s+){{0,6}}?"
_EN = regex.compile(
    rf"\b(?:we|i)(?:'ve|’ve|\s+(?:still\s+|currently\s+|now\s+|only\s+|just\s+|already\s+)?(?:have|got|carry|keep|hold|stock))"
    rf"(?:\s+got)?\s+(?:still\s+|only\s+|just\s+)?(?:(?P<approx>{_APPROX_EN})\s+)?(?P<n>{_NUM})\s+"
    rf"(?:(?:{_UNIT})\s+of\b|of\s+(?:the|these|those|this|them|it|each|our)\b|(?:{_UNIT})\b(?!\s+(?:in|per)\s+(?:the|a|each)\s+(?:set|box|pack))"
    rf"|{_WORDS}(?:{_MARKER})\b)"
    rf"|\bthere(?:'s|’s|'re|’re|\s+is|\s+are)\s+(?:still\s+|only\s+|just\s+)?(?:(?P<approx2>{_APPROX_EN})\s+)?"
    rf"(?P<n2>{_NUM})\s+{_WORDS}(?:{_MARKER})\b"
    rf"|(?:^|(?<=[.!?]\s)|(?P<approx3>\b(?:{_APPROX_EN}))\s+)(?P<n3>{_NUM})\s+{_WORDS}(?:are|is)\s+(?:still\s+|now\s+)?"
    rf"(?:{_MARKER})\b",
    regex.I,
)
_MORE = frozenset({"多", "余", "over", "more than", "upwards of"})


def _value(raw: str, approx: str | None) -> object | None:
    raw = raw.replace(",", "")
    number = int(raw) if raw.isdigit() else parse_chinese_numeral(raw)
    if number is None:
        return None
    count = int(number)
    if not approx:
        return count
    approx = " ".join(approx.lower().split())
    if approx in _MORE:  # 五十多: more than 50, fewer than 60; 两百多: 200–300
        step = 10 ** max(len(str(count)) - 1, 0) if count >= 10 else 1
        return ("range", Decimal(count + 1), Decimal(count + step - 1) if step > 1 else Decimal(count + 9))
    spread = max(Decimal(count) * Decimal("0.2"), Decimal(1))  # 三十来, about 30
    return ("range", Decimal(count) - spread, Decimal(count) + spread)


def unit_counts(text: str) -> list[tuple[object, int, int]]:
    """(value, start, end) of every count of a product's units in `text` (see the module docstring)."""
    found: list[tuple[object, int, int]] = []
    for m in _ZH.finditer(text):
        value = _value(m.group("n"), m.group("approx"))
        if value is not None:
            found.append((value, m.start(), m.end()))
    for m in _EN.finditer(text):
        raw = m.group("n") or m.group("n2") or m.group("n3")
        approx = m.group("approx") or m.group("approx2") or m.group("approx3")
        value = _value(raw, approx)
        if value is not None:
            found.append((value, m.start(), m.end()))
    return found


def count_matches(value: object, stock: int) -> bool:
    """Whether a count (`unit_counts` value) states `stock` truly."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "range":
        low, high = value[1], value[2]
        return bool(Decimal(low) <= stock <= Decimal(high))
    return value == stock
