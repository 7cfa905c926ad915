"""The hard rule, in code: a reply may state only prices, offers, terms, contacts and stock we know.

`GroundingFacts` is what the reply may draw on (the turn's products, the policies, the customer's own
budget, the shop's contacts, a verified order's facts); `check_reply` lists every claim in the text that
is not backed by those facts — the claims ledger in `bot.conversation.claims`. A non-empty list means the
reply is not sent (the core regenerates once with a stricter prompt, then uses the offline composer).

LLM replies pass a second, allow-list gate (`bot.conversation.claims.support`): `unsupported_sentences`
lists every sentence whose figures or commercial commitments no fact of the turn supports, and
`check_llm_reply` is both gates at once. `without_sentences` drops unsupported sentences when what remains
still answers (None when it does not, or when the reply agreed with an unsupported premise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from bot.conversation.claims import GroundingFacts, OrderEvidence, Violation, check_claims, extract_money
from bot.conversation.claims.support import split_sentences, substantive, unsupported, without_agreement

__all__ = [
    "GroundingFacts",
    "OrderEvidence",
    "Violation",
    "amounts",
    "check_llm_reply",
    "check_reply",
    "extract_prices",
    "linked",
    "secret_lines",
    "unsupported_sentences",
    "without_agreement",
    "without_sentences",
]


def extract_prices(text: str) -> list[Decimal]:
    """Every money amount stated in a text (¥399, 399元, $25.50, 300块, 八百九十九元, 现价 99)."""
    return [amount for amount, _ in extract_money(text)]


def check_reply(text: str, facts: GroundingFacts) -> list[Violation]:
    """Every unsupported claim in `text` (empty list = grounded); `facts` first take the catalog products
    `text` names (`GroundingFacts.naming`)."""
    return check_claims(text, facts.naming(text))


def unsupported_sentences(text: str, facts: GroundingFacts) -> list[Violation]:
    """Every sentence of an LLM reply the turn's facts (with the products it names) do not support (kinds
    "unsupported", "affirms")."""
    return unsupported(text, facts.naming(text))


def check_llm_reply(text: str, facts: GroundingFacts) -> list[Violation]:
    """Both gates on an LLM reply: the claims ledger, then (when it passes) the allow-list. The catalog
    products the reply names are linked only when the turn's facts alone do not support it (`linked`)."""
    return linked(text, facts)[0]


def linked(text: str, facts: GroundingFacts) -> tuple[list[Violation], GroundingFacts]:
    """(both gates' violations, the facts that judged them): first with the turn's own facts; only when they
    find something, again with the products the reply names linked in (`GroundingFacts.naming`: entity
    linking costs more than the gates, and a reply the turn's facts support needs none)."""
    plain = replace(facts, linker=None) if facts.linker is not None else facts
    found = check_claims(text, plain) or unsupported(text, plain)
    if not found or facts.linker is None:
        return found, plain
    named = facts.naming(text)
    if len(named.products) == len(plain.products):
        return found, plain
    return check_claims(text, named) or unsupported(text, named), named


def without_sentences(text: str, gaps: list[Violation], facts: GroundingFacts | None = None) -> str | None:
    """`text` without the sentences `gaps` name, or None when nothing substantive would remain. A gap that is
    an agreement with the customer's premise ("可以的。" to "我在香港，你们能寄吧？") drops the agreement the reply
    opens with when `facts` show the rest agrees with nothing, then the rest's unsupported sentences (None
    otherwise: the agreement is in the middle, or the rest breaks the claims ledger)."""
    if any(gap.kind not in ("unsupported", "affirms") for gap in gaps):
        return None
    facts = facts.naming(text) if facts is not None else None
    if any(gap.kind == "affirms" for gap in gaps):
        stripped = without_agreement(text)
        if facts is None or stripped == text or not stripped:
            return None
        # what followed the yes is checked again on its own ("是的，30天内都能退。" → "30天内都能退。" restates
        # the premise and is dropped too)
        if check_claims(stripped, facts):
            return None
        gaps = unsupported(stripped, facts)
        if any(gap.kind != "unsupported" for gap in gaps):
            return None
        text = stripped
    drop = {gap.claim for gap in gaps}
    kept = [s for s in split_sentences(text) if s.strip() not in drop]
    remaining = "".join(kept).strip()
    return remaining if kept and substantive(remaining) else None


def secret_lines(system_prompt: str, min_chars: int = 16) -> tuple[str, ...]:
    """The distinctive lines of a system prompt (long enough that quoting them can only be a leak)."""
    lines = (line.strip() for line in system_prompt.splitlines())
    return tuple(line for line in lines if len(line) >= min_chars and "{" not in line)


def amounts(values: Iterable[Decimal | None]) -> frozenset[Decimal]:
    return frozenset(v for v in values if v is not None)
