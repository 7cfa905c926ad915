"""The allow-list gate's evidence is built once per policy version and product (`claims/support.py`); what it
holds must equal the evidence built from scratch, and follow an edited product or policy."""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations

from bot.conversation.claims.facts import GroundingFacts
from bot.conversation.claims.figures import figures
from bot.conversation.claims.lexicon import lexicon
from bot.conversation.claims.support import (
    FREE_FIGURES,
    LOW_STOCK,
    Evidence,
    Unit,
    policy_units,
    read_text,
    unsupported,
)
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.models import PolicyDoc
from knowledge.policies import PolicyBook

PRODUCTS = load_catalog(SAMPLE_CATALOG).products
DOCS = tuple(PolicyBook.load(SAMPLE_POLICIES_DIR).docs)


def _from_scratch(facts: GroundingFacts) -> Evidence:
    """The evidence as `Evidence.of` built it before its caches (every unit implied on every call)."""
    lex = lexicon()
    units, policy_numbers = policy_units(facts.policies)
    units = list(units)
    core: set[Decimal] = set(facts.allowed_amounts)
    prices = [p.price for p in facts.products if p.price is not None]
    for p in facts.products:
        text = read_text(" ".join([p.title, p.brand, *p.tags, *p.attributes.values(), p.description]))
        numbers = set(figures(text)) | ({Decimal(p.stock)} if p.stock is not None else set())
        if p.price is not None:
            numbers.add(p.price)
        core |= numbers
        concepts = set(lex.read(text).stated) | {"price_compare"}
        if p.stock is not None:
            concepts.add("stock")
            if 0 < p.stock <= LOW_STOCK:
                concepts.add("scarcity")
        units.append(Unit(frozenset(concepts), frozenset(numbers)))
    if len(prices) >= 2:
        diffs = frozenset(abs(a - b) for a, b in combinations(prices, 2))
        core |= diffs
        units.append(Unit(frozenset({"price_compare"}), diffs))
    for contact in facts.contacts:
        text = read_text(contact)
        units.append(Unit(lex.read(text).stated | {"service_line"}, figures(text)))
    quoted = read_text(facts.quoted)
    turn = frozenset(core | policy_numbers | figures(quoted) | FREE_FIGURES)
    for contact in facts.contacts:
        turn |= figures(read_text(contact))
    units = [Unit(frozenset(lex.implied(frozenset(u.concepts))), u.figures, u.conditions) for u in units]
    anywhere = frozenset(c for u in units for c in u.concepts)
    return Evidence(units, anywhere, frozenset(core), turn, lex.read(quoted).stated)


def _same(a: Evidence, b: Evidence) -> None:
    assert [(u.concepts, u.figures, u.conditions) for u in a.units] == [
        (u.concepts, u.figures, u.conditions) for u in b.units
    ]
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
        _same(Evidence.of(facts), _from_scratch(facts))
        _same(Evidence.of(facts), _from_scratch(facts))  # the second time from the caches


def test_evidence_follows_an_edited_product_and_policy() -> None:
    pan = next(p for p in PRODUCTS if p.sku == "POT-001")
    cheaper = pan.model_copy(update={"price": Decimal("199.00"), "stock": 3})
    assert Decimal("199.00") in Evidence.of(GroundingFacts(products=(cheaper,))).core
    assert "scarcity" in Evidence.of(GroundingFacts(products=(cheaper,))).anywhere
    assert Decimal("199.00") not in Evidence.of(GroundingFacts(products=(pan,))).core
    reply = "这款炒锅现在 199 元。"
    assert unsupported(reply, GroundingFacts(products=(pan,))) and not unsupported(
        reply, GroundingFacts(products=(cheaper,))
    )
    warranty = next(d for d in DOCS if d.topic == "warranty" and d.language == "zh")
    edited = PolicyDoc(warranty.topic, warranty.title, warranty.text.replace("6 个月", "9 个月"), "zh")
    assert Decimal(9) in Evidence.of(GroundingFacts(policies=(edited,))).turn
    _same(Evidence.of(GroundingFacts(policies=(edited,))), _from_scratch(GroundingFacts(policies=(edited,))))
