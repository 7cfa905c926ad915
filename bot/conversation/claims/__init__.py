"""Truth guard v2: a ledger of every checkable claim in a reply, each allowed only with evidence.

`extract_claims(text)` lists the claims (money, discounts, gifts, coupons, returns/warranty/delivery
terms, stock, URLs, phones, e-mails, messenger ids, payment instructions, prompt leaks); `check_claims(text,
facts)` returns the ones the turn's `GroundingFacts` do not back. `bot.conversation.grounding` is the
stable façade the rest of the code imports.
"""

from bot.conversation.claims.extract import (
    Claim,
    ClaimKind,
    extract_claims,
    extract_money,
)
from bot.conversation.claims.facts import GroundingFacts, OrderEvidence, Violation
from bot.conversation.claims.ledger import check_claims
from bot.conversation.claims.memos import forget_claim_memos
from bot.conversation.claims.quote import quotable

__all__ = [
    "Claim",
    "ClaimKind",
    "GroundingFacts",
    "OrderEvidence",
    "Violation",
    "check_claims",
    "extract_claims",
    "extract_money",
    "forget_claim_memos",
    "quotable",
]
