"""The allow-list gate's evidence is built once per policy version and product (`claims/units.py`); what it
holds must equal the evidence built with empty caches, and follow an edited product or policy."""

from __future__ import annotations

from decimal import Decimal

from bot.conversation.claims.facts import GroundingFacts
from bot.conversation.claims.support import unsupported
from bot.conversation.claims.units import _POLICY_CACHE, Evidence, _product_unit
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.models import PolicyDoc
from knowledge.policies import PolicyBook

PRODUCTS = load_catalog(SAMPLE_CATALOG).products
DOCS = tuple(PolicyBook.load(SAMPLE_POLICIES_DIR).docs)


def _from_scratch(facts: GroundingFacts) -> Evidence:
    _POLICY_CACHE.clear()
    _product_unit.cache_clear()
    return Evidence.of(facts)


def _same(a: Evidence, b: Evidence) -> None:
    assert a.units == b.units
    assert (a.anywhere, a.core, a.turn, a.quoted_concepts) == (b.anywhere, b.core, b.turn, b.quoted_concepts)


def test_cached_evidence_equals_evidence_built_from_scratch() -> None:
    for start in range(0, len(PRODUCTS), 23):
        facts = GroundingFacts(
            products=tuple(PRODUCTS[start : start + 4]),
            policies=DOCS,
            allowed_amounts=frozenset({Decimal(500)}),
            contacts=("400-820-0000", "wechat: shop_cs"),
            quoted="有没有 500 以内的，包邮吗？",
        )
        fresh = _from_scratch(facts)
        _same(Evidence.of(facts), fresh)  # the second time from the caches


def test_evidence_follows_an_edited_product_and_policy() -> None:
    pan = next(p for p in PRODUCTS if p.sku == "POT-001")
    cheaper = pan.model_copy(update={"price": Decimal("199.00"), "stock": 3})
    assert Decimal("199.00") in Evidence.of(GroundingFacts(products=(cheaper,))).core
    assert "scarcity" in Evidence.of(GroundingFacts(products=(cheaper,))).anywhere
    assert Decimal("199.00") not in Evidence.of(GroundingFacts(products=(pan,))).core
    reply = "这款炒锅现在 199 元。"
    assert unsupported(reply, GroundingFacts(products=(pan,)))
    assert not unsupported(reply, GroundingFacts(products=(cheaper,)))
    warranty = next(d for d in DOCS if d.topic == "warranty" and d.language == "zh")
    edited = PolicyDoc(warranty.topic, warranty.title, warranty.text.replace("6 个月", "9 个月"), "zh")
    assert Decimal(9) in Evidence.of(GroundingFacts(policies=(edited,))).turn
    _same(Evidence.of(GroundingFacts(policies=(edited,))), _from_scratch(GroundingFacts(policies=(edited,))))
