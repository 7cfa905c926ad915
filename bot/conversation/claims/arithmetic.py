"""Figures derived from grounded figures by the arithmetic a shop assistant does aloud: what several items cost
together, what one product costs more than another, what is missing to the free-shipping threshold.

"两双一共 1798 元" (2 × ¥899), "Both backpacks together come to ¥1,098" (¥199 + ¥899), "再买 20 元就能包邮"
(¥99 − ¥79): each figure is computed from the turn's own prices and thresholds, so it is as grounded as they
are. Only these forms count: a multiple needs its multiplier stated in the same sentence ("两双", "three
bags"), a sum is of two products of the turn in one currency, a gap is to the lowest free-shipping threshold.
Halves, "minus 200", discounts and any other arithmetic stay unbacked (a discount is a new price).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import combinations

MAX_MULTIPLE = 20  # "买 20 件" is still a total; more is a wholesale quote for staff


def multiples(prices: Iterable[tuple[Decimal, str]], stated: frozenset[Decimal]) -> set[tuple[Decimal, str]]:
    """n × each price for every whole n (2 … MAX_MULTIPLE) the sentence states (`stated`: its figures)."""
    counts = [n for n in stated if n == n.to_integral_value() and 2 <= n <= MAX_MULTIPLE]
    return {(price * n, currency) for price, currency in prices for n in counts}


def sums(prices: Iterable[tuple[Decimal, str]]) -> set[tuple[Decimal, str]]:
    """The sum of every two prices of one currency (two products bought together)."""
    return {(a + b, ca) for (a, ca), (b, cb) in combinations(list(prices), 2) if ca == cb or not ca or not cb}


def gaps(prices: Iterable[Decimal], threshold: Decimal | None) -> set[Decimal]:
    """What each price lacks to reach the free-shipping `threshold` (positive gaps only)."""
    if threshold is None:
        return set()
    return {threshold - p for p in prices if p < threshold}
