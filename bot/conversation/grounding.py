"""The hard rule, in code: a reply may state only prices, offers, terms, contacts and stock we know.

`GroundingFacts` is what the reply may draw on (the turn's products, the policies, the customer's own
budget, the shop's contacts, a verified order's facts); `check_reply` lists every claim in the text that
is not backed by those facts — the claims ledger in `bot.conversation.claims`. A non-empty list means the
reply is not sent (the core regenerates once with a stricter prompt, then uses the offline composer).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.conversation.claims import GroundingFacts, OrderEvidence, Violation, check_claims, extract_money

__all__ = [
    "GroundingFacts",
    "OrderEvidence",
    "Violation",
    "amounts",
    "check_reply",
    "extract_prices",
    "secret_lines",
]


def extract_prices(text: str) -> list[Decimal]:
    """Every money amount stated in a text (¥399, 399元, $25.50, 300块, 八百九十九元, 现价 99)."""
    return [amount for amount, _ in extract_money(text)]


def check_reply(text: str, facts: GroundingFacts) -> list[Violation]:
    """Every unsupported claim in `text` (empty list = grounded)."""
    return check_claims(text, facts)


def secret_lines(system_prompt: str, min_chars: int = 16) -> tuple[str, ...]:
    """The distinctive lines of a system prompt (long enough that quoting them can only be a leak)."""
    lines = (line.strip() for line in system_prompt.splitlines())
    return tuple(line for line in lines if len(line) >= min_chars and "{" not in line)


def amounts(values: Iterable[Decimal | None]) -> frozenset[Decimal]:
    return frozenset(v for v in values if v is not None)
