"""Numbers as shoppers write them → exact `Decimal`: "1500", "1.5k", "2w", "1.5万", "三百", "一千五", "两百五十".

Prices must be exact, so no float ever: Chinese numerals are evaluated digit by digit, and the
colloquial tail ("一千五" = 1500, "三万五" = 35000) follows the unit before it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
SUFFIX_MULTIPLIERS = {"k": 1000, "千": 1000, "w": 10_000, "万": 10_000}

CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)
# One number as written: Arabic with an optional k/w/千/万 suffix, or a run of Chinese numerals.
NUMBER_PATTERN = (
    rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?\s*(?:k|w|千|万)?(?![a-z])|[{CN_NUMERAL_CHARS}]*[十百千万亿][{CN_NUMERAL_CHARS}]*"
    rf"|[{''.join(CN_DIGITS)}]+)"
)
_ARABIC = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(k|w|千|万)?")


def parse_chinese_numeral(text: str) -> int | None:
    """Value of a run of Chinese numerals ("三百", "一千零五", "两万三", "十五"), None if not one."""
    if not text or any(ch not in CN_NUMERAL_CHARS for ch in text):
        return None
    if not any(ch in CN_SMALL_UNITS or ch in CN_BIG_UNITS for ch in text):
        # Digit by digit ("二五六" = 256) only makes sense for several digits; "一" alone is 1.
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total = section = 0
    current: int | None = None
    last_unit = 1
    after_zero = False
    for ch in text:
        if ch in CN_DIGITS:
            value = CN_DIGITS[ch]
            after_zero = after_zero or value == 0
            if value:
                current = value
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            section += (current if current is not None else 1) * unit
            current, last_unit, after_zero = None, unit, False
        else:
            unit = CN_BIG_UNITS[ch]
            section += current or 0
            total += (section or 1) * unit
            section, current, last_unit, after_zero = 0, None, unit, False
    if current is not None:
        # Colloquial tail: "一千五" is 1500, "两万五" 25000, but "一千零五" is 1005 and "二十五" 25.
        section += current * (last_unit // 10 if last_unit >= 100 and not after_zero else 1)
    return total + section


def parse_number(text: str) -> Decimal | None:
    """Exact value of one written number (Arabic with k/w/千/万 suffix, or Chinese numerals)."""
    text = text.strip().lower()
    match = _ARABIC.fullmatch(text)
    if match:
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            return None
        suffix = match.group(2)
        return value * SUFFIX_MULTIPLIERS[suffix] if suffix else value
    if text and text[0].isdigit():
        # Mixed forms such as "1万5" are rare; treat them as not a number rather than guess.
        return None
    value_int = parse_chinese_numeral(text)
    return None if value_int is None else Decimal(value_int)


def tidy(value: Decimal) -> Decimal:
    """Drop a meaningless fraction ("240.0" → 240) so printed bounds look like what was asked."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def magnitude_step(value: Decimal) -> Decimal:
    """The place of the last non-zero digit: "两百多" (200) → 100, "250多" → 10, "50多" → 10."""
    integer = int(value)
    if integer <= 0 or value != integer:
        return Decimal(1)
    step = 1
    while integer % (step * 10) == 0:
        step *= 10
    return Decimal(step)
