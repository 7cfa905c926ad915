"""Whether a listed size value holds the size a customer asked for.

A catalog lists sizes as single values ("42", "XL", "EU 42") or as ranges ("39-45", "S-XXL", "M–3XL"); customers
ask for one size in any common spelling ("42码", "EU42", "xxl", "2XL"). Letter sizes follow the usual apparel
order (2XS < XS < S < M < L < XL < 2XL < 3XL …), where XXL = 2XL and XXXL = 3XL. EU and CN (Chinese 码/号)
shoe sizes are the same numbers, so an "EU"/"CN"/"码"/"号" marker (and a "cm" unit) is dropped before comparing; US and UK sizes
are other scales and are compared only with the same marker.

This module reads no catalog: it compares two strings, so a product's sizes are checked in O(sizes).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

LETTER_SIZES = ("2xs", "xs", "s", "m", "l", "xl", "2xl", "3xl", "4xl", "5xl", "6xl")
_SAME_SCALE_MARKS = re.compile(r"^(?:eu|cn|欧码|欧洲码)\s*|\s*(?:码|号|eu|cn|cm)$")
_LETTER = re.compile(r"^(?:(\d)x|(x*))([sml])$")
_SEPARATOR = r"\s*(?:-|–|—|~|～|至|到)\s*"
_NUMBER = r"\d+(?:\.\d+)?"
_NUMERIC_RANGE = re.compile(rf"^({_NUMBER}){_SEPARATOR}({_NUMBER})$")
_LETTER_RANGE = re.compile(rf"^([0-9]?x*[sml]){_SEPARATOR}([0-9]?x*[sml])$")


def _plain(value: str) -> str:
    """Lower case, no spaces, without an EU/CN/码/号 marker: "EU 42" → "42", "42码" → "42", " XXL " → "xxl"."""
    text = value.strip().lower().replace("（", "(").replace("）", ")")
    return _SAME_SCALE_MARKS.sub("", text).replace(" ", "")


def letter_rank(value: str) -> int | None:
    """The position of a letter size in the usual order ("xxl" and "2xl" → the same rank), or None."""
    match = _LETTER.match(value.strip().lower())
    if not match:
        return None
    digit, xs, letter = match.groups()
    count = int(digit) if digit else len(xs or "")
    if letter == "m":
        return LETTER_SIZES.index("m") if count == 0 else None
    name = letter if count == 0 else ("x" + letter if count == 1 else f"{count}x{letter}")
    return LETTER_SIZES.index(name) if name in LETTER_SIZES else None


def _number(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def size_holds(listed: str, wanted: str) -> bool:
    """True when the listed size value `listed` (one size or a range) includes the asked size `wanted`.

    "42" holds "42码" and "EU 42"; "39-45" holds "42"; "S-XXL" holds "M", "XXL" and "2XL"; "M-3XL" holds "XXXL";
    "XL" does not hold "XXL" and "S" does not hold "XS". Empty strings hold nothing.
    """
    value, asked = _plain(listed), _plain(wanted)
    if not value or not asked:
        return False
    if value == asked:
        return True
    asked_rank = letter_rank(asked)
    if asked_rank is not None:
        if (rank := letter_rank(value)) is not None:
            return rank == asked_rank
        if match := _LETTER_RANGE.match(value):
            low, high = (letter_rank(part) for part in match.groups())
            if low is None or high is None:
                return False
            return min(low, high) <= asked_rank <= max(low, high)
        return False
    number = _number(asked)
    if number is None:
        return False
    if (listed_number := _number(value)) is not None:
        return listed_number == number
    if match := _NUMERIC_RANGE.match(value):
        first, last = Decimal(match.group(1)), Decimal(match.group(2))
        return min(first, last) <= number <= max(first, last)
    return False


def holds_any(listed: list[str], wanted: str) -> bool:
    """True when any of the listed size values holds `wanted` (see `size_holds`)."""
    return any(size_holds(value, wanted) for value in listed)


__all__ = ["LETTER_SIZES", "holds_any", "letter_rank", "size_holds"]
