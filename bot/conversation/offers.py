"""Questions about an offer the shop does not have: "it's 50% off?", "现在打五折吗", "有优惠券吗", "买一送一吗".

Such a question is answered with a plain "no such offer" — in the language of that message — whenever the claims
ledger (`bot.conversation.grounding.check_reply`, the truth guard's own checker) finds the offer it asks about
unbacked by the turn's products and the shop's policies. Why: the question otherwise reads as a product or
off-topic message ("it's 50% off?" got the product's details, "is there a discount?" an "I can't help with
that"), and a customer who is not told "no" may take the silence for a yes. An offer the policies or the
product do state ("满 ¥99 包邮") is backed and is answered as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import regex

from bot.conversation.grounding import GroundingFacts, Violation, check_reply
from knowledge.models import PolicyDoc, Product

# A question, not a statement: a question mark, a Chinese question particle, or an English question opener.
_QUESTION = regex.compile(
    r"[?？]|吗|么|是不是|是否|有没有|有无|能不能|可不可以|还有|\b(?:is|are|do|does|any|can|could|right|really)\b",
    regex.I,
)
_OFFER_KINDS = frozenset({"discount", "gift", "coupon"})
# Free shipping is a shipping-policy question ("包邮吗" is answered with the policy's threshold), not an offer
# to refuse: the ledger files it as a gift that a product under the threshold would not back.
_SHIPPING = regex.compile(
    r"包邮|运费|邮费|快递|\bship(?:s|ping)?\b|\bdeliver(?:y|ed)?\b|\bpostage\b", regex.I
)
# A "promise" claim counts when it names an offer (the ledger files "discount", "on sale", "优惠券" there).
_OFFER_WORD = regex.compile(
    r"折|优惠|促销|活动|特价|立减|满减|赠|券|秒杀|\bsale\b|discount|\boff\b|\bdeals?\b|\boffers?\b|promo|coupon|"
    r"voucher|\bbogo\b|half",
    regex.I,
)


def unbacked_offers(
    text: str,
    products: Sequence[Product],
    policies: Sequence[PolicyDoc],
    known_sku: Callable[[str], bool] = lambda _sku: False,
) -> list[Violation]:
    """The offers a customer's question asks about that neither `products` nor `policies` back ([] when the
    text is no question or asks about no offer). Shapes: the ledger's `Violation`s (kind, claim text)."""
    if not text or not _QUESTION.search(text):
        return []
    facts = GroundingFacts(products=tuple(products), policies=tuple(policies), known_sku=known_sku)
    return [
        v
        for v in check_reply(text, facts)
        if (v.kind in _OFFER_KINDS or (v.kind == "promise" and _OFFER_WORD.search(v.claim)))
        and not (v.kind == "gift" and _SHIPPING.search(text))
    ]
