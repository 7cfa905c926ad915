"""The claims ledger: every claim in a reply is matched against the evidence of this turn, or it is a violation.

Rules per kind (values normalised by `bot.conversation.claims.extract`):
- price: in a sentence that names products, an amount must be one of *their* prices (or a difference of two
  prices of the turn, an amount in the policies, the customer's budget, an order amount); a labelled price
  ("现价 99", "只要 ¥599", "price 25") must be a product price. A sentence naming no product is about the
  products the customer asked for (`focus`) when set, else about any product of the turn. Currencies must
  agree when both sides write one.
- stock: a count must be the named (or focused) product's stock — with a stock word or without one ("还有二十把",
  "We have 45 pairs of …", an approximation "五十多双" as a range, `counts`); "有货" about a sold-out product, or
  "缺货" about one in stock, is wrong.
- gift of a product: a clause giving away a product of the turn ("买吸尘器送风扇", "the lamp is free") needs a
  policy gift line naming it or its own in-box gift (`gifts`); free services never back it.
- a term outside its condition: same-day delivery a policy limits to a place, said of another place; free
  installation / 免息 a policy grants to some kinds, said of another kind (`conditions`).
- discount / gift / coupon / promise / returns / warranty / delivery: the same normalised value must be in
  the policies or the product's own (sanitised) text — a "90天无理由退货" needs a 90-day no-reason window
  written somewhere, a "八折" an 80 % rate.
- url / phone / email / messenger / payment: only the policies', the shop's configured contacts, the
  product's own `url` and the verified order's tracking link; the word "加微信" needs some messenger contact.
- destinations: shipping to a place a policy clause excludes ("台湾可以发顺丰" under "台湾及海外暂不支持"),
  `bot.conversation.claims.destinations`.
- applicability: a term a policy states but whose declared conditions exclude the product the sentence is
  about (no-reason returns of opened food, 花呗 below the minimum order, SF Express by default on a cheap
  non-electronic item) — `bot.conversation.claims.applicability`.
- affirmation: a reply opening with "是的" / "yes" to a message that states an unbacked term or offer
  ("你们的退货政策是90天对吧？") confirms it, and is a violation.
- leak: talk about the system prompt, or a distinctive line of it, is always a violation.
- sku: SKU-like tokens must be real (in the turn, the catalog, the policies or the order).
Negated offers ("没有优惠券", "we don't offer coupons") promise nothing and pass.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations

import regex

from bot.conversation.claims.applicability import inapplicable_terms
from bot.conversation.claims.arithmetic import multiples, sums
from bot.conversation.claims.bounds import Bound, broken, price_bounds
from bot.conversation.claims.conditions import (
    kind_limited_terms,
    kind_term_clauses,
    same_day_elsewhere,
    same_day_places,
)
from bot.conversation.claims.counts import count_matches
from bot.conversation.claims.destinations import unshipped_destinations
from bot.conversation.claims.evidence import (
    Evidence,
    ProductEvidence,
    contact_evidence,
    distinctive_names,
    policy_evidence,
    product_evidence,
)
from bot.conversation.claims.extract import (
    IN_STOCK,
    NEGATION,
    OUT_OF_STOCK,
    Claim,
    ClaimKind,
    canonical_url,
    extract_claims,
    sentences,
)
from bot.conversation.claims.facts import GroundingFacts, Violation
from bot.conversation.claims.figures import figures
from bot.conversation.claims.gifts import PRODUCT_GIFTS, granted, granting_lines
from bot.conversation.claims.quote import mask_echo
from bot.conversation.claims.regional import wrong_windows
from bot.conversation.claims.services import service_clause
from bot.conversation.claims.sizes import wrong_sizes
from bot.conversation.claims.text import scanned, surface
from bot.conversation.claims.variants import wrong_colours

_SKU_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,6}[-_]?\d{2,}[A-Za-z0-9\-_]*(?<![-_])")
_CLAUSE = re.compile(r"[,，、]")
# A sentence about fees, thresholds or instalments quotes policy amounts, not a product's price.
_FEE = re.compile(
    r"运费|邮费|快递费|包邮|满|手续费|补差价|差价|分期|门槛|shipping|postage|delivery|fee|instal|surcharge|order(?:s)?\s+(?:of|over)|\bextra\b|per\s+order|每单",
    re.I,
)
# A free-shipping claim with its condition ("满 99 包邮", "orders over ¥99 ship free") restates the policy.
_CONDITION = re.compile(
    r"满|以上|起|门槛|or\s+more|over|above|at\s+least|orders?\s+of|threshold|minimum|reach(?:es)?\s+[¥￥$]|"
    r"from\s+[¥￥$]|再(?:买|凑|加|多买)|还差|more\s+to\s+(?:reach|get|qualify)",
    re.I,
)
_FREE_SHIPPING_LINE = re.compile(r"包邮|免运费|free\s+(?:shipping|delivery)|ship\s+free", re.I)
_THRESHOLD = re.compile(r"(?:满|of|over|from)\s*[¥￥]?\s*(\d+(?:\.\d+)?)", re.I)


@functools.lru_cache(maxsize=16)
def _free_shipping_thresholds(policy_text: str) -> tuple[Decimal, ...]:
    """Every order amount a free-shipping line of the policies names (read once per policy text: every claim
    check of a free-shipping sentence asks)."""
    return tuple(
        Decimal(m.group(1))
        for line in policy_text.splitlines()
        if _FREE_SHIPPING_LINE.search(line)
        for m in _THRESHOLD.finditer(line)
    )


def free_shipping_threshold(policy_text: str) -> Decimal | None:
    """The lowest order amount from which the policies ship free (None when they set no threshold)."""
    return min(_free_shipping_thresholds(policy_text), default=None)


def highest_free_shipping_threshold(policy_text: str) -> Decimal | None:
    """The order amount from which the policies ship free to every region they serve (None: no threshold)."""
    return max(_free_shipping_thresholds(policy_text), default=None)


# A reply that opens by saying yes (after a greeting), and the claim kinds a yes may confirm.
_AFFIRM = re.compile(
    r"^\W*(?:(?:您好|你好|亲|亲亲|hi|hello|hey)\W*)?(?:是的|对的|对呀|对|没错|当然|可以的|嗯|yes|yep|yeah|correct|"
    r"that'?s\s+right|right|sure|absolutely|of\s+course|indeed)(?![A-Za-z])",
    re.I,
)
_AFFIRMABLE = frozenset({"price", "discount", "gift", "coupon", "promise", "returns", "warranty", "delivery"})
_FUTURE = regex.compile(r"不会|永远|一直|never|won'?t|always|guarantee", regex.I)
_MAGNITUDE = regex.compile(r"hundred|thousand|million|[百千万]", regex.I)
LOW_STOCK = 5  # "only a few left" is true up to this many units (the composer's "仅剩N件" threshold)
_OFFER_KINDS = frozenset({ClaimKind.DISCOUNT, ClaimKind.GIFT, ClaimKind.COUPON, ClaimKind.PROMISE})


@dataclass
class _Turn:
    """The evidence of one check: products (with names), the policies + contacts, the order."""

    facts: GroundingFacts
    products: list[ProductEvidence]
    names: dict[str, tuple[str, ...]]
    shop: Evidence
    contacts: Evidence

    @classmethod
    def of(cls, facts: GroundingFacts) -> _Turn:
        products = [product_evidence(p) for p in facts.products]
        return cls(
            facts, products, distinctive_names(products), policy_evidence(facts.policies),
            contact_evidence(facts.contacts),
        )  # fmt: skip

    def named(self, sentence: str) -> list[ProductEvidence]:
        low = sentence.lower()
        return [p for p in self.products if any(name in low for name in self.names[p.sku])]

    def scope(self, named: list[ProductEvidence]) -> list[ProductEvidence]:
        if named:
            return named
        focused = [p for p in self.products if p.sku in self.facts.focus]
        return focused or self.products

    def offer_evidence(self) -> Iterable[Evidence]:
        yield self.shop
        yield self.contacts
        for product in self.products:
            yield product.evidence


# "第二天就到" says what a policy's "次日达" says (tester13f/fix13-allow7 a10-honest-021)
_NEXT_DAY = regex.compile(r"次日|隔日|隔天|明日|明天|第二天")
_NEXT_DAY_TERM = regex.compile(r"(?:次日|隔日|明日)(?:达|送达|到达|到货)")


def _next_day(phrase: str, evidence_text: str) -> bool:
    """Whether a next-day delivery phrase is one the evidence's text states as a next-day term."""
    return bool(_NEXT_DAY.match(phrase)) and _NEXT_DAY_TERM.search(evidence_text) is not None


# "The thermos is ¥229 and the Zojirushi one is ¥199": an "and" between two priced statements ends a clause.
_AND = regex.compile(r"\s(?:and|while|whereas)\s|而|，而", regex.I)


def _paired_bounds(text: str, claims: list[Claim], claim: Claim, left: int, right: int) -> tuple[int, int]:
    """`claim`'s clause [left, right) narrowed at an "and" that joins it to another priced statement: the part
    before the "and" must hold a money claim of its own (else "A and B are ¥1899 and ¥999" would lose B)."""
    if claim.kind is not ClaimKind.MONEY:
        return left, right
    money = [c for c in claims if c.kind is ClaimKind.MONEY and left <= c.start < right and c is not claim]
    for m in _AND.finditer(text, left, claim.start):
        if any(c.end <= m.start() and c.start >= left for c in money):
            left = m.end()
    for m in _AND.finditer(text, claim.end, right):
        if any(c.start >= m.end() for c in money):
            right = m.start()
            break
    return left, right


def _money_ok(value: tuple[Decimal, str], allowed: Iterable[tuple[Decimal, str]]) -> bool:
    amount, currency = value
    return any(amount == a and (not currency or not c or currency == c) for a, c in allowed)


def _amount(claim: Claim) -> tuple[Decimal, str]:
    """A money claim's (amount, ISO currency or "")."""
    amount, currency = claim.value if isinstance(claim.value, tuple) else (Decimal(0), "")
    return Decimal(amount), str(currency)


def _differences(products: list[ProductEvidence]) -> set[tuple[Decimal, str]]:
    prices = [price for p in products for price in p.prices]
    return {(abs(a - b), ca) for (a, ca), (b, cb) in combinations(prices, 2) if ca == cb and a != b}


_DENIED_GAP = regex.compile(r"[^,，。.;；!！?？\n]{0,12}")


def _without_denied_amounts(text: str, claims: list[Claim]) -> list[Claim]:
    """`claims` without the amounts that only size a denied offer ("We have no ¥50 coupon", "没有50元的优惠券":
    the ¥50 is the coupon's, and the coupon is denied)."""
    denied = [c for c in claims if c.negated and c.kind in _OFFER_KINDS]
    return [
        c
        for c in claims
        if c.kind is not ClaimKind.MONEY
        or not any(0 <= o.start - c.end <= 12 and _DENIED_GAP.fullmatch(text, c.end, o.start) for o in denied)
    ]


class _Checker:
    def __init__(self, facts: GroundingFacts) -> None:
        self.turn = _Turn.of(facts)
        self.facts = facts
        self.violations: list[Violation] = []
        self.policy_body = "\n".join(doc.text for doc in facts.policies)
        self.gift_texts = (*(f"{doc.title}\n{doc.text}" for doc in facts.policies), *facts.contacts)
        self.same_day = same_day_places(tuple(doc.text for doc in facts.policies))
        self.kind_terms = kind_term_clauses(tuple(doc.text for doc in facts.policies))

    def flag(self, kind: ClaimKind | str, claim: str) -> None:
        self.violations.append(Violation(str(kind), claim.strip()))

    # -- per claim ------------------------------------------------------------------------------------
    def money(self, claim: Claim, named: list[ProductEvidence], sentence: str = "") -> None:
        value: tuple[Decimal, str] = claim.value  # type: ignore[assignment]
        scope = self.turn.scope(named)
        product_prices = {price for p in scope for price in p.prices}
        if _money_ok(value, product_prices):
            return
        other: set[tuple[Decimal, str]] = set(_differences(self.turn.products))
        # totals said aloud: two products together, n of a product when the sentence says n (`arithmetic`)
        other |= sums(price for p in self.turn.products for price in p.prices)
        other |= multiples(product_prices, figures(sentence))
        if not claim.labelled or (not named and _FEE.search(sentence)):
            other |= self.turn.shop.amounts | {(a, "") for a in self.facts.allowed_amounts}
            order = self.facts.order
            if order is not None:
                currencies = order.currencies or frozenset({""})
                other |= {(a, c.upper()) for a in order.amounts for c in currencies}
        if not _money_ok(value, other):
            self.flag(ClaimKind.MONEY, f"{value[0]}")

    def stock(self, claim: Claim, named: list[ProductEvidence], sentence: str = "") -> None:
        scope = self.turn.scope(named)
        if claim.value == ("plenty",):  # "现货充足": the product's own text says so, or its stock is not low
            plenty = (
                not _MAGNITUDE.search(claim.text)
                and not _FUTURE.search(sentence)
                and any(p.stock is not None and p.stock > LOW_STOCK for p in scope)
            )  # "plenty in stock" of 23 pairs is true; "hundreds in stock" is a count
            if not plenty and not any(claim.text.lower() in p.evidence.text for p in scope):
                self.flag(ClaimKind.STOCK, claim.text)
            return
        if claim.value == ("few",):  # "只剩最后几双": only when the stock really is low
            if not any(p.stock is not None and 0 < p.stock <= LOW_STOCK for p in scope):
                self.flag(ClaimKind.STOCK, claim.text)
            return
        stocks = {p.stock for p in scope if p.stock is not None}
        if not any(count_matches(claim.value, stock) for stock in stocks):
            self.flag(ClaimKind.STOCK, claim.text)

    def offer(self, claim: Claim, named: list[ProductEvidence], sentence: str = "", clause: str = "") -> None:
        if claim.kind is ClaimKind.GIFT and claim.value in ("free_shipping", "free_shipping:nationwide"):
            if not self._free_shipping_ok(named, sentence, nationwide=claim.value != "free_shipping"):
                self.flag(claim.kind, claim.text)
            return
        # a sentence naming no product speaks of the one product of the turn (the customer's focus)
        given = named or self.turn.scope([])
        if claim.kind is ClaimKind.GIFT and claim.value in PRODUCT_GIFTS and given:
            ungranted = self._ungranted_gifts(claim, given, clause or sentence)
            if ungranted:
                self.flag(claim.kind, f"{claim.text} (no gift granted with {', '.join(ungranted)})")
                return
        for evidence in self.turn.offer_evidence():
            if claim.kind is ClaimKind.DISCOUNT and self._discount_in(claim.value, evidence.discounts):
                return
            if claim.kind is ClaimKind.GIFT and claim.value in evidence.gifts:
                return
            if claim.kind is ClaimKind.COUPON and (claim.value in evidence.coupons):
                return
            if claim.kind is ClaimKind.PROMISE and (
                str(claim.value) in evidence.promises or str(claim.value) in evidence.text
            ):
                return
        self.flag(claim.kind, claim.text)

    def _ungranted_gifts(self, claim: Claim, named: list[ProductEvidence], clause: str) -> list[str]:
        """The SKUs a gift clause gives away that neither a gift line of the policies nor the product's own text
        grants (`gifts`); none when the clause's free thing is a service (free installation of the lamp)."""
        if service_clause(clause):
            return []
        lines = granting_lines(self.gift_texts)
        items = {p.sku: p for p in self.facts.products}
        return [
            p.sku
            for p in named
            if claim.value not in p.evidence.gifts and not (p.sku in items and granted(items[p.sku], lines))
        ]

    def _free_shipping_ok(
        self, named: list[ProductEvidence], sentence: str, *, nationwide: bool = False
    ) -> bool:
        """包邮 / free shipping: the policies (or a product's own text) must offer it, and when the policies
        set a threshold ("满 ¥99 包邮"), an unconditional claim must be about products that reach it."""
        if any("free_shipping" in p.evidence.gifts for p in self.turn.scope(named)):
            return True
        if "free_shipping" not in self.turn.shop.gifts and "free_shipping" not in self.turn.contacts.gifts:
            return False
        if nationwide and "free_shipping:nationwide" in self.turn.shop.gifts:
            return True
        text = self.turn.shop.text
        threshold = highest_free_shipping_threshold(text) if nationwide else free_shipping_threshold(text)
        if threshold is None or _CONDITION.search(sentence):
            return True
        scope = self.turn.scope(named)
        prices = [a for p in scope for a, cur in p.prices if cur in ("", "CNY")]
        return (
            bool(prices)
            and len(prices) == sum(1 for p in scope for _ in p.prices)
            and min(prices) >= threshold
        )

    @staticmethod
    def _discount_in(value: object, known: set[object]) -> bool:
        if value in known:
            return True
        if (
            isinstance(value, tuple) and len(value) == 3 and value[1] is None
        ):  # "立减 20" matches "满 200 减 20"
            return any(isinstance(k, tuple) and k[2] == value[2] for k in known)
        return False

    def term(self, claim: Claim) -> None:
        value = claim.value
        bare = value[1:] if isinstance(value, tuple) and value and value[0] == "no_reason" else value
        for evidence in (self.turn.shop, self.turn.contacts, *(p.evidence for p in self.turn.products)):
            known = evidence.terms[claim.kind]
            tagged = {k[1:] for k in known if isinstance(k, tuple) and k and k[0] == "no_reason"}
            if value in known or (bare is value and value in tagged):
                return
            if isinstance(value, tuple) and value and value[0] == "fast" and value[1] in evidence.text:
                return
            if (
                isinstance(value, tuple)
                and value
                and value[0] == "fast"
                and _next_day(value[1], evidence.text)
            ):
                return
        order = self.facts.order
        days = bare[1] if isinstance(bare, tuple) and len(bare) == 2 and bare[0] == "day" else None
        if order is not None and claim.kind is not ClaimKind.WARRANTY and days in order.day_counts:
            return
        if claim.kind is ClaimKind.WARRANTY and value in self.warranty_periods():
            return  # "运动鞋质保30天": the period the warranty policy declares for the products' category
        self.flag(claim.kind, claim.text)

    def warranty_periods(self) -> set[object]:
        """The warranty periods the policy's `warranty_days_by_category` gives the turn's products (every
        category's when the turn names none), as claim values: ("day", 30), ("month", 12) for 365 days."""
        terms = self.facts.terms
        warranty = terms.warranty if terms is not None else None
        if warranty is None:
            return set()
        if self.facts.products:
            days = {warranty.days_of(p.category, p.attributes) for p in self.facts.products}
        else:
            days = set(warranty.warranty_days_by_category.values())
        periods: set[object] = set()
        for d in (d for d in days if d):
            periods.add(("day", Decimal(d)))
            if d >= 28:
                periods.add(("month", Decimal(round(d / 30.4))))
        return periods

    def contact(self, claim: Claim) -> None:
        sources = (self.turn.shop, self.turn.contacts)
        value = str(claim.value) if not isinstance(claim.value, tuple) else claim.value
        order = self.facts.order
        if claim.kind is ClaimKind.URL:
            allowed = {u for s in sources for u in s.urls} | {
                u for p in self.turn.products for u in p.evidence.urls
            }
            if order is not None:
                allowed |= {canonical_url(u) for u in order.urls}
            hosts = {u.split("/", 1)[0] for u in allowed}
            if value in allowed or value in hosts:
                return
        elif claim.kind is ClaimKind.PHONE:
            if any(value in s.phones for s in sources):
                return
        elif claim.kind is ClaimKind.EMAIL:
            if any(value in s.emails for s in sources):
                return
        elif claim.kind is ClaimKind.MESSENGER:
            known = {m for s in sources for m in s.messengers}
            if value in known or (str(value).startswith("ask:") and known):
                return
        elif claim.kind is ClaimKind.PAYMENT:
            if isinstance(value, tuple):
                numbers = set()
                if order is not None:
                    numbers = {re.sub(r"\D", "", n) for n in (*order.order_numbers, *order.tracking_numbers)}
                if value[1] in numbers or any(value in s.payments for s in sources):
                    return
            elif any(value in s.payments or value in s.text for s in sources):
                return
        self.flag(claim.kind, claim.text)

    # -- per text -------------------------------------------------------------------------------------
    def run(self, text: str) -> list[Violation]:
        text = scanned(mask_echo(surface(text), surface(self.facts.quoted)))
        limits = price_bounds(text)  # "不到50块" states no price of ¥50: checked against the prices instead
        claims = [c for c in extract_claims(text) if not any(b.start <= c.start < b.end for b in limits)]
        claims = _without_denied_amounts(text, claims)
        bounds = sentences(text)
        for i, (start, end) in enumerate(bounds):
            sentence = text[start:end]
            named = self.turn.named(sentence)
            self.price_limits([b for b in limits if start <= b.start < end], claims, start, end, named)
            for claim in (c for c in claims if start <= c.start < end):
                clause = _CLAUSE.search(text, claim.start)
                left = text.rfind(",", start, claim.start)
                for mark in ("，", "、"):
                    left = max(left, text.rfind(mark, start, claim.start))
                right = clause.start() if clause is not None and clause.start() < end else end
                left, right = _paired_bounds(text, claims, claim, max(left + 1, start), right)
                own = self.turn.named(text[left:right])
                self.one(claim, own or named, sentence, text[left:right])
            self.availability(sentence, named)
            self.variants(sentence, named)
            self.regional(sentence)
            self.applicability(sentence, named, text[bounds[i - 1][0] : start] if i else "")
            self.violations += unshipped_destinations(sentence, self.policy_body)
            self.violations += [
                Violation(str(ClaimKind.DELIVERY), f"same day to {place} (the policy limits it)")
                for place in same_day_elsewhere(sentence, self.same_day)
            ]
            self.kind_limited(sentence, named)
        for claim in claims:
            if not any(s <= claim.start < e for s, e in bounds):
                self.one(claim, [])
        self.skus(text)
        self.leaks(text)
        self.affirmation(text)
        return self.violations

    def price_limits(
        self, limits: list[Bound], claims: list[Claim], start: int, end: int, named: list[ProductEvidence]
    ) -> None:
        """Each bound of a sentence against the prices it speaks of: those the sentence states, else the last
        price stated before it, else the prices of the products it is about (`bounds`)."""
        if not limits:
            return
        money = [_amount(c) for c in claims if c.kind is ClaimKind.MONEY and start <= c.start < end]
        if not money:
            money = [_amount(c) for c in claims if c.kind is ClaimKind.MONEY and c.start < start][-1:]
        prices = money or [price for p in self.turn.scope(named) for price in p.prices]
        for bound in limits:
            over = broken(bound, prices)
            if over is not None:
                self.flag(ClaimKind.MONEY, f"{over} > {bound.value}")

    def affirmation(self, text: str) -> None:
        """A bare "是的" / "yes" to a question that states an unbacked term ("退货政策是90天对吧？") confirms it."""
        quoted = self.facts.quoted
        if not quoted or not _AFFIRM.match(text):
            return
        for choice, plain in (
            ("是不是", "是"),
            ("有没有", "有"),
            ("能不能", "能"),
            ("可不可以", "可以"),
            ("是否", ""),
        ):
            quoted = quoted.replace(choice, plain)  # "是不是终身保修？" asks; it denies nothing
        asked = _Checker(replace(self.facts, quoted="")).run(quoted)
        confirmed = [v for v in asked if v.kind in _AFFIRMABLE and "free_shipping" not in v.claim]
        if confirmed:
            self.flag("promise", f"affirms {confirmed[0].kind}: {confirmed[0].claim}")

    def one(self, claim: Claim, named: list[ProductEvidence], sentence: str = "", clause: str = "") -> None:
        if claim.negated:
            return
        kind = claim.kind
        if kind is ClaimKind.MONEY:
            self.money(claim, named, sentence)
        elif kind is ClaimKind.STOCK:
            self.stock(claim, named, sentence)
        elif kind in _OFFER_KINDS:
            self.offer(claim, named, sentence, clause)
        elif kind in (ClaimKind.RETURNS, ClaimKind.WARRANTY, ClaimKind.DELIVERY):
            self.term(claim)
        elif kind is ClaimKind.LEAK:
            self.flag(kind, claim.text)
        else:
            self.contact(claim)

    def availability(self, sentence: str, named: list[ProductEvidence]) -> None:
        for rx, wrong in ((IN_STOCK, lambda s: s == 0), (OUT_OF_STOCK, lambda s: s is not None and s > 0)):
            match = rx.search(sentence)
            if match is None or NEGATION.search(sentence[max(0, match.start() - 40) : match.start()]):
                continue
            for product in named:
                if len(named) == 1 and wrong(product.stock):
                    self.flag(ClaimKind.STOCK, f"{product.sku} {match.group(0)}")

    def kind_limited(self, sentence: str, named: list[ProductEvidence]) -> None:
        """A free service the policies grant to some kinds of products only, said of another (`conditions`)."""
        if not self.kind_terms:
            return
        scope = named or (self.turn.scope([]) if len(self.turn.scope([])) == 1 else [])
        skus = {p.sku for p in scope}
        products = [(p.title, p.category, p.brand) for p in self.facts.products if p.sku in skus]
        for term in kind_limited_terms(sentence, products, self.kind_terms):
            self.flag(ClaimKind.PROMISE, term)

    def regional(self, sentence: str) -> None:
        """A delivery window stated for a place outside the window of the place's region (`regional`)."""
        shipping = self.facts.terms.shipping if self.facts.terms is not None else None
        for claim in wrong_windows(sentence, shipping):
            lo, hi = claim.stated
            self.flag(ClaimKind.DELIVERY, f"{claim.place} {lo}-{hi} days")

    def variants(self, sentence: str, named: list[ProductEvidence]) -> None:
        """Colours the sentence gives the products it is about that their `color` attribute does not list."""
        skus = {p.sku for p in self.turn.scope(named)}
        products = [p for p in self.facts.products if p.sku in skus]
        for phrase in wrong_colours(sentence, products) + wrong_sizes(sentence, products):
            self.flag("variant", phrase)

    def applicability(self, sentence: str, named: list[ProductEvidence], before: str = "") -> None:
        """Policy terms the sentence grants to the products it is about (named, else the customer's focus)."""
        skus = {p.sku for p in named} or set(self.facts.focus)
        # a sentence naming no product, with no focus, is about the products of the turn
        products = [p for p in self.facts.products if p.sku in skus] or list(self.facts.products)
        self.violations += inapplicable_terms(
            sentence, products, self.facts.terms, named=bool(named), before=before
        )

    def skus(self, text: str) -> None:
        known = {p.sku.lower() for p in self.facts.products}
        product_text = self.facts.product_text()
        policy_text = self.turn.shop.text
        quoted = scanned(surface(self.facts.quoted)).lower()
        order_ids: set[str] = set()
        if self.facts.order is not None:
            order_ids = {
                x.lower()
                for x in (
                    *self.facts.order.order_numbers,
                    *self.facts.order.tracking_numbers,
                    *self.facts.order.skus,
                )
            }
        for match in _SKU_LIKE.finditer(text):
            token = match.group(0)
            low = token.lower()
            if low in known or low in product_text or low in policy_text or low in order_ids or low in quoted:
                continue
            if any(low in u for u in self.turn.shop.urls) or any(
                low in u for p in self.turn.products for u in p.evidence.urls
            ):
                continue
            if self.facts.known_sku is not None and self.facts.known_sku(token):
                continue
            self.flag("sku", token)

    def leaks(self, text: str) -> None:
        for line in self.facts.secret_lines:
            if line and line[:24] in text:
                self.flag(ClaimKind.LEAK, line[:40])


def check_claims(text: str, facts: GroundingFacts) -> list[Violation]:
    """Every claim in `text` that the facts of this turn do not back (empty list = grounded)."""
    return _Checker(facts).run(text)
