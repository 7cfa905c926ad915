"""The evidence side of the allow-list gate: the units a reply sentence may draw on (`Evidence.of(facts)`).

A unit is one piece of evidence with the commitment concepts it states, its figures (durations included),
the conditions it is bound to (质量问题 for a bullet, 满 ¥99 for its clause), and for a clause naming who pays,
its anchors (what the payment is for). Units come from:
- policy bullets: windows of up to three consecutive clauses, never across a clause opening another case
  ("16:00 后及周末…", "不满 ¥99…"); a window carries its own clauses' figures, each bound to the region its
  clause names ("偏远地区 4–7 天" never backs "新疆 1–2 天"); payer clauses on their own; a bullet headed by a
  restriction ("不支持：…") or a denied clause backs only denials, and a clause naming an exclusion (rust,
  water damage) takes its bullet's restriction — built once per policy version (`policy_units`, cached);
- products: their text (title, brand, tags, attribute names and values, description) minus the clauses
  stating a shop-wide term (`SHOP_TERMS`: returns, warranty, shipping, payment channels, contacts, price
  offers — "本品支持90天无理由退货" backs nothing, not even its 90), plus price and stock (cached per product
  text); the only evidence for a product spec; a comparison unit for price differences when several are in
  scope (one product alone compares with nothing);
- terms the policies grant the products by their own conditions (`_derived`: free shipping from the
  threshold, SF Express by default), the shop's contacts, the verified order.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from itertools import combinations

import regex

from bot.conversation.claims.arithmetic import gaps, sums
from bot.conversation.claims.attribution import ProductFacts, product_facts
from bot.conversation.claims.content import EMPTY, FactWords, brand_names, fact_words
from bot.conversation.claims.facts import GroundingFacts, described
from bot.conversation.claims.figures import DURATION_BASE
from bot.conversation.claims.figures import figures_and_durations as figures
from bot.conversation.claims.ledger import free_shipping_threshold, highest_free_shipping_threshold
from bot.conversation.claims.lexicon import Lexicon, lexicon
from bot.conversation.claims.text import scanned, surface
from knowledge.models import PolicyDoc, Product
from knowledge.policy_terms import category_matches

_BULLET = regex.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_UNIT_CLAUSE = regex.compile(r"[，；;。]|,(?!\d{3}(?!\d))|\s+and\s+|(?<!\d)\.(?=\s|$)")
_CUTOFF_SUBJECT = frozenset({"payment"})  # what both cases of a dispatch cut-off are about
_CONTRAST = regex.compile(
    r"^\s*(?:\d{1,2}:\d{2}\s*后|否则|不满|其他|其余|但|而|超过|以外|otherwise|later|below|but|except|while|"
    r"outside|beyond|after\s+\d)",
    regex.I,
)
WINDOW = 3
_DENIAL = frozenset({"not_offered"})
# What a payer clause says about postage; the rest of its context (换货, 质量问题, 保修) anchors it.
_PAYMENT_TERMS = frozenset(
    {"postage", "return_postage", "free_shipping", "buyer_pays", "seller_pays", "round_trip"}
)
_HEAD = regex.compile(r"^[^：:]{1,40}[：:]")
FREE_FIGURES = frozenset({Decimal(0), Decimal(1), Decimal(2)})
LOW_STOCK = 5
SCARCE = 10  # a stock at which "不多了" / "only a few left" is true
PLENTY = 20  # a stock from which "库存充足" / "plenty in stock" is true
_STOCK_STATES = frozenset({"stock", "sold_out", "plenty", "size_stock", "scarcity", "low_stock"})


@dataclass(frozen=True)
class Unit:
    """One piece of evidence: the concepts it states, its figures and the conditions it is bound to."""

    concepts: frozenset[str]
    figures: frozenset[Decimal]
    conditions: frozenset[str] = frozenset()
    anchors: frozenset[str] = frozenset()  # a payer clause: what the payment is for (one must be stated)
    restrictions: frozenset[str] = frozenset()  # negative concepts ("不支持…") a clause must state to use it
    product: bool = False  # a product's own text: the only evidence for its specs
    nearby: frozenset[Decimal] | None = None  # the whole bullet's figures (a figure a comma split off)
    # (case, figures) of each clause naming a case (a region): "偏远地区 4–7 天" binds 4–7 to remote regions, so a
    # clause naming a case may use only the figures of the same case ("新疆 1–2 天" is not supported)
    cases: tuple[tuple[frozenset[str], frozenset[Decimal]], ...] = ()


def make_unit(
    concepts: Iterable[str],
    numbers: Iterable[Decimal],
    conditions: frozenset[str] = frozenset(),
    anchors: frozenset[str] = frozenset(),
) -> Unit:
    """A unit with the concepts its own imply (寄回运费 → a return) and its restrictions worked out."""
    lex = lexicon()
    implied = lex.implied(frozenset(concepts))
    restrictions = frozenset(c for c in implied if lex.is_negative(c))
    return Unit(implied, frozenset(numbers), conditions, anchors, restrictions)


_CODE_NOISE = regex.compile(r"[\s_\-‐–]+")  # compiled once: `regex`'s pattern cache costs on every call


def code_key(text: str) -> str:
    """`text` as codes are compared: NFKC, lower-cased, without spaces, hyphens and underscores ("WH-1000XM5",
    "wh 1000xm5" and "WH1000XM5" are one code)."""
    return _CODE_NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


@lru_cache(maxsize=4096)
def _product_codes(sku: str, text: str) -> str:
    return code_key(f"{sku} {text}")


def _fields(
    unit: Unit,
) -> tuple[frozenset[str], frozenset[Decimal], frozenset[str], frozenset[str], frozenset[str]]:
    return unit.concepts, unit.figures, unit.conditions, unit.anchors, unit.restrictions


@lru_cache(maxsize=8192)
def read_text(text: str) -> str:
    """`text` as the lexicon reads it: surfaced, Simplified, lower-cased. Cached: a reply's sentences are read
    by the sentence gate, the agreement check and the evidence of the turn, and OpenCC is the costly part."""
    return scanned(surface(text)).lower()


def _bullets(doc: PolicyDoc) -> Iterable[str]:
    for line in doc.text.splitlines():
        if _BULLET.match(line):
            yield _BULLET.sub("", line).replace("**", "")


def _bullet_units(text: str, lex: Lexicon, topic: frozenset[str]) -> list[Unit]:
    """The units of one bullet: windows of up to `WINDOW` consecutive clauses (never across a clause that
    opens another case: "16:00 后及周末…", "不满 ¥99…", "later orders…"), each clause naming who pays on its
    own. Every unit carries the bullet's figures, its conditions and the concepts of its document's title."""
    clauses = [c for c in _UNIT_CLAUSE.split(text) if c and c.strip()]
    reading = lex.read(text)
    conditions = frozenset(c for c in reading.stated if lex.is_condition(c))
    head = _HEAD.match(text)  # "不支持：…", "Not covered: …" restricts the whole bullet
    if head:
        topic = topic | {c for c in lex.read(head.group(0)).stated if lex.is_negative(c)}
    numbers = figures(text)
    units: list[Unit] = [u for clause in clauses for u in _below_threshold(clause, lex, topic)]
    runs: list[list[frozenset[str]]] = [[]]
    spans: list[list[frozenset[Decimal]]] = [[]]  # each clause's own figures, beside its concepts
    cases: list[list[frozenset[str]]] = [[]]  # each clause's case (region), inherited by a clause naming none
    # the nearest clause before a payer clause that names no payer says what the payment is for
    previous: frozenset[str] = frozenset()
    for clause in clauses:
        reading = lex.read(clause)
        # what a clause denies ("不支持：货到付款、PayPal") backs only denials: it comes with a restriction
        concepts = reading.stated | reading.denied | (_DENIAL if reading.denied else frozenset())
        if any(lex.is_payer(c) for c in concepts):
            anchors = previous - _PAYMENT_TERMS
            units.append(make_unit(concepts | previous | conditions | topic, numbers, conditions, anchors))
            runs.append([])
            spans.append([])
            cases.append([])
            continue
        if _CONTRAST.match(clause):
            # "16:00 前付款的订单当天发货，16:00 后…次日发货": the other case of a cut-off is about the same
            # payment (the complement is implied)
            concepts = concepts | (previous & _CUTOFF_SUBJECT)
            runs.append([])
            spans.append([])
            cases.append([])
        previous = concepts
        runs[-1].append(concepts)
        spans[-1].append(figures(clause))
        named = frozenset(c for c in concepts if lex.is_case(c))
        # "…, free from ¥299" names no region: it is the same case as the clause before it
        cases[-1].append(named or (cases[-1][-1] if cases[-1] else frozenset()))
    # a bullet that restricts anything restricts each of its clauses naming an exclusion (rust, water damage)
    negatives = frozenset(c for clause in clauses for c in lex.read(clause).stated if lex.is_negative(c))
    for run, own, run_cases in zip(runs, spans, cases, strict=True):
        for i in range(len(run)):
            for j in range(i + 1, min(i + WINDOW, len(run)) + 1):
                merged = frozenset().union(*run[i:j])
                if negatives and any(lex.is_exclusion(c) for c in merged):
                    merged |= negatives
                local = conditions | {c for c in merged if lex.is_condition(c, "window")}
                # a window carries its own clauses' figures ("偏远地区 4–7 天" is not "江浙沪 1–2 天"), and the
                # bullet's when it has a clause stating none (the bullet's head names the figure's term)
                window = frozenset().union(*own[i:j])
                unit = make_unit(merged | conditions | topic, window or numbers, local)
                bound = tuple((c, f) for c, f in zip(run_cases[i:j], own[i:j], strict=True) if f and c)
                units.append(Unit(*_fields(unit), nearby=numbers, cases=bound))
    return units


_ASIDE = regex.compile(r"[（(]([^）)]*)[）)]?")


def _below_threshold(clause: str, lex: Lexicon, topic: frozenset[str]) -> list[Unit]:
    """What a clause granting something from a threshold says of orders below it: "订单满 ¥600 可使用花呗分期"
    backs the refusal "不满600元，不能用花呗分期" (a unit only denials may use), and "指定顺丰需补差价 ¥12（满 ¥500
    免补）" backs "不满500元指定顺丰需补差价12元" (the aside's grant dropped: below the threshold the rest applies)."""
    if "threshold" not in lex.read(clause).stated:
        return []
    numbers = figures(clause)
    aside = _ASIDE.search(clause)
    main = _ASIDE.sub(" ", clause)
    main_concepts = lex.read(main).stated - {"threshold"}
    units = []
    if aside is not None and "threshold" in lex.read(aside.group(1)).stated and main_concepts:
        units.append(make_unit(main_concepts | {"below_threshold"} | topic, numbers))
    granted = lex.read(clause).stated - {"threshold"}
    denial = make_unit(granted | {"below_threshold"} | topic | _DENIAL, numbers)
    units.append(Unit(*_fields(denial)))
    return units


_POLICY_CACHE: OrderedDict[tuple[int, ...], tuple[tuple[PolicyDoc, ...], PolicyIndex]] = OrderedDict()


@dataclass(frozen=True)
class Thresholds:
    """Order amounts from which the policies ship free: to most regions (`lowest`), to all (`highest`)."""

    lowest: Decimal | None = None
    highest: Decimal | None = None


@dataclass(frozen=True)
class PolicyIndex:
    """A policy set read once: its units, every figure, the free-shipping thresholds and the concepts its
    unrestricted units state (what a question back may mention)."""

    units: tuple[Unit, ...]
    numbers: frozenset[Decimal]
    thresholds: Thresholds
    anywhere: frozenset[str]
    codes: str = ""  # the policies' text as `code_key` reads it (where a model code may be found)
    words: FactWords = EMPTY  # the policies' words, bigrams and quantities (the content check)


def policy_units(policies: tuple[PolicyDoc, ...]) -> PolicyIndex:
    """The `PolicyIndex` of a policy set, built once per policy version (cached by the documents' identity,
    8 versions kept): O(policy length) once, never per reply."""
    key = tuple(id(doc) for doc in policies)
    cached = _POLICY_CACHE.get(key)
    if cached is not None and all(a is b for a, b in zip(cached[0], policies, strict=True)):
        return cached[1]
    lex = lexicon()
    units: list[Unit] = []
    numbers: set[Decimal] = set()
    for doc in policies:
        # the title's head concept ("保修与售后服务", "Warranty and repairs": warranty) is every bullet's topic
        topic = frozenset(cid for cid, _, _ in lex.spans(read_text(doc.title))[:1])
        for bullet in _bullets(doc):
            text = read_text(bullet)
            units.extend(_bullet_units(text, lex, topic))
            numbers |= figures(text)
        numbers |= figures(read_text(doc.text))
    text = "\n".join(f"{doc.title}\n{doc.text}" for doc in policies).lower()
    thresholds = Thresholds(free_shipping_threshold(text), highest_free_shipping_threshold(text))
    anywhere = frozenset(c for u in units if not u.restrictions for c in u.concepts)
    # a term needs a character no product text has: the policies' characters would cover most of any sentence
    words = replace(fact_words(read_text(text)), chars=frozenset())
    index = PolicyIndex(tuple(units), frozenset(numbers), thresholds, anywhere, code_key(text), words)
    _POLICY_CACHE[key] = (policies, index)
    while len(_POLICY_CACHE) > 8:
        _POLICY_CACHE.popitem(last=False)
    return index


def _derived(facts: GroundingFacts, thresholds: Thresholds) -> list[Unit]:
    """Terms the policies grant the turn's products by their own conditions: free shipping when every
    product's price reaches the threshold (everywhere when it reaches the highest), SF Express by default
    when every product is over the SF amount or in an SF category; and cancelling an order before it ships
    when the returns policy declares the statuses an order can be cancelled in (`cancellable_statuses`: the
    ledger's applicability check denies it once shipped)."""
    units = []
    returns = facts.terms.returns if facts.terms is not None else None
    if returns is not None and returns.cancellable_statuses and "shipped" not in returns.cancellable_statuses:
        units.append(make_unit({"cancel", "dispatch"}, ()))
    prices = [p.price for p in facts.products if p.price is not None]
    if not facts.products or len(prices) < len(facts.products):
        return units
    if thresholds.lowest is not None and min(prices) >= thresholds.lowest:
        everywhere = min(prices) >= (thresholds.highest or 0)
        # "全国包邮" only when the price reaches the highest (remote) threshold too
        regions = {"region_core", "region_remote", "region_all"} if everywhere else set()
        amounts = {thresholds.lowest, thresholds.highest} if everywhere else {thresholds.lowest}
        concepts = {"free_shipping", "dispatch", "threshold"} | regions
        units.append(make_unit(concepts, (a for a in amounts if a is not None)))
    shipping = facts.terms.shipping if facts.terms is not None else None
    if shipping is not None and all(
        (shipping.sf_default_min_order is not None and price >= shipping.sf_default_min_order)
        or category_matches(p.category, shipping.sf_default_categories) is not None
        for p, price in zip(facts.products, prices, strict=True)
    ):
        units.append(make_unit({"carrier", "carrier_sf", "dispatch"}, ()))
    return units


_NO_VALUE = regex.compile(r"^\s*(?:否|无|没有|不支持|no|none|n/?a|false|-)?\s*$", regex.I)
# What a product's own text may NOT vouch for: shop-wide terms (returns, exchanges, warranty, shipping,
# payment channels, contacts) and price offers belong to the policies and the price field, never to a
# description ("本品支持90天无理由退货，终身质保" is an injection, not a term). Its specs, gifts in the box, stock
# and popularity remain; so do words the lexicon shares with product copy (修护, 试用, 100%, fragrance-free).
SHOP_TERMS = frozenset(
    {
        "returns", "no_reason_return", "full_refund", "exchange", "warranty", "unlimited", "refund_time",
        "free_shipping", "postage", "return_postage", "seller_pays", "buyer_pays", "surcharge_waived",
        "fast_delivery", "same_day", "delivery_choice", "pickup", "cod", "invoice", "invoice_special",
        "messenger", "money_transfer", "price_match", "points", "compensation", "onsite", "extended_warranty",
        "nationwide_warranty", "keep_old", "price_history", "per_period", "approval",
    }
)  # fmt: skip


# A clause with its closing punctuation; an English full stop ends one only before a space ("v3.5" does not).
_SEGMENT = regex.compile(r"(?:[^，；;。,！？!?\n.]|\.(?!\s|$))+(?:[，；;。,！？!?\n]|\.(?=\s|$))*\s*")


@lru_cache(maxsize=4096)
def own_text(text: str) -> str:
    """A product text without its clauses stating shop-wide terms ("本品支持90天无理由退货，终身质保"): what it
    may tell a model about the product itself. Returned unchanged when nothing is cut."""
    lex, banned = lexicon(), SHOP_TERMS
    kept = [seg for seg in _SEGMENT.findall(text) if not lex.read(read_text(seg)).stated & banned]
    out = "".join(kept).strip()
    return text if len(kept) == len(_SEGMENT.findall(text)) else out


def _product_text(p: Product) -> str:
    """Title, brand, tags, attribute names (with a value that is not "否"/"no") and values, description: one
    clause each, so a field stating a shop-wide term drops only itself."""
    names = [k.replace("_", " ") for k, v in p.attributes.items() if not _NO_VALUE.match(str(v))]
    return "。".join([p.title, p.brand, *p.tags, *names, *p.attributes.values(), described(p)])


@lru_cache(maxsize=4096)
def _product_unit(text: str, price: Decimal | None, stock: int | None) -> Unit:
    """One product as evidence: what its text states + its price and stock ("仅剩4件" when stock ≤ 5);
    cached per (text, price, stock), so a product is read once, not once per reply."""
    lex = lexicon()
    banned = SHOP_TERMS
    # a clause of the text stating a shop-wide term ("本品支持90天无理由退货") is no evidence at all: neither
    # its concepts nor its figures (90) back a reply
    kept = [c for c in _UNIT_CLAUSE.split(read_text(text)) if c and not lex.read(c).stated & banned]
    text = "。".join(kept)  # a clause break: "不伤发" denies nothing of the next clause ("磁吸风嘴")
    numbers = set(figures(text))
    numbers |= {p for p in (price,) if p is not None} | ({Decimal(stock)} if stock is not None else set())
    concepts = set(lex.read(text).stated)
    concepts -= _STOCK_STATES  # a description's "现货" says nothing of today's stock: the stock field does
    if stock is not None:
        # in stock, sold out, low (仅剩4件) or plenty (库存充足): what the stock figure says, nothing else
        concepts.add("stock" if stock > 0 else "sold_out")
        if 0 < stock <= SCARCE:
            concepts |= {"scarcity", "low_stock"}
        if stock >= PLENTY:
            concepts.add("plenty")
    unit = make_unit(concepts, numbers)
    return Unit(*_fields(unit), product=True)


def _same_case(
    needed: frozenset[Decimal],
    own: frozenset[str],
    cases: tuple[tuple[frozenset[str], frozenset[Decimal]], ...],
) -> bool:
    """Whether every figure a clause naming `own` cases needs is stated by a unit clause of one of them (or by
    a clause of the unit that names no case)."""
    bound = {f for _, figs in cases for f in figs}
    return all(f not in bound or any(f in figs and c & own for c, figs in cases) for f in needed)


def _region_words(facts: GroundingFacts) -> FactWords:
    """The delivery regions the policies declare, in every language they name them ("新疆", "Xinjiang")."""
    shipping = facts.terms.shipping if facts.terms is not None else None
    if shipping is None:
        return EMPTY
    names = [
        n for r in shipping.delivery_regions for n in (r.name, r.name_en, *r.provinces) if n and n != "*"
    ]
    return fact_words(read_text(" ".join(names)))


@dataclass
class Evidence:
    """Everything one reply may draw on (see the module docstring)."""

    units: list[Unit]
    anywhere: frozenset[str]  # every concept some unit states (what a question back may mention)
    core: frozenset[Decimal]  # figures any clause may carry: products, budget, order
    turn: frozenset[Decimal]  # figures a clause without commitments may carry
    quoted_concepts: frozenset[str]
    codes: str = ""  # every text of the turn as `code_key` reads it: where a code ("IPX7", "Qi2") must be
    words: FactWords = (
        EMPTY  # every text of the turn for the content check (`bot.conversation.claims.content`)
    )
    han_full: bool = True  # the products' (else the policies') facts are written in Chinese
    latin_full: bool = True  # … in English
    sold_out: bool = False  # every product of the turn has stock 0 (nothing of them ships today)
    products: tuple[ProductFacts, ...] = ()  # each product as the attribution reads it (same order as facts)
    shared: FactWords = EMPTY  # the turn's texts but the products' (policies, message, contacts, order)

    @classmethod
    def of(cls, facts: GroundingFacts) -> Evidence:
        """The evidence of one turn (policy units from the per-version cache, product units per product)."""
        lex = lexicon()
        index = policy_units(facts.policies)
        extra = _derived(facts, index.thresholds)
        core: set[Decimal] = set(facts.allowed_amounts)
        product_words = [
            fact_words(read_text(f"{own_text(_product_text(p))} {brand_names(p.brand, p.title)}"))
            for p in facts.products
        ]
        prices = [p.price for p in facts.products if p.price is not None]
        for p in facts.products:
            unit = _product_unit(_product_text(p), p.price, p.stock)
            core |= unit.figures
            extra.append(unit)
        if len(facts.products) >= 2:
            core.add(Decimal(len(facts.products)))  # "这三款", "all three"
        if len(prices) >= 2:
            diffs = frozenset(abs(a - b) for a, b in combinations(prices, 2))
            core |= diffs
            extra.append(make_unit({"price_compare"}, diffs))
            core |= {total for total, _ in sums((p, "") for p in prices)}  # "两个一起 1098 元"
        missing = gaps(prices, index.thresholds.lowest)  # "再买 20 元就能包邮"
        if missing and index.thresholds.lowest is not None:
            extra.append(
                make_unit({"free_shipping", "threshold", "dispatch"}, {*missing, index.thresholds.lowest})
            )
        turn = set(index.numbers) | FREE_FIGURES
        for contact in facts.contacts:
            text = read_text(contact)
            extra.append(make_unit(lex.read(text).stated | {"service_line"}, figures(text)))
            turn |= figures(text)
        if facts.order is not None:
            order = facts.order
            numbers = {*order.amounts, *(Decimal(q) for q in order.quantities)}
            numbers |= {Decimal(d) for d in order.day_counts} | {DURATION_BASE + d for d in order.day_counts}
            numbers |= {Decimal(v) for day in order.dates for v in (day.year, day.month, day.day)}
            core |= numbers
            carriers = {cid for cid in lex.concepts if cid.startswith("carrier")}  # the order's own carrier
            extra.append(make_unit({"dispatch", "delivery_time", "stock", "payment", *carriers}, numbers))
        quoted = read_text(facts.quoted)
        turn |= core | figures(quoted)
        anywhere = index.anywhere | {c for u in extra if not u.restrictions for c in u.concepts}
        units = [*index.units, *extra]
        texts = [index.codes, code_key(facts.quoted), *(code_key(c) for c in facts.contacts)]
        texts += [_product_codes(p.sku, _product_text(p)) for p in facts.products]
        if facts.order is not None:
            order = facts.order
            texts += map(code_key, [*order.order_numbers, *order.tracking_numbers, *order.skus, *order.urls])
        words = index.words | fact_words(quoted) | _region_words(facts)
        for contact in facts.contacts:
            words = words | fact_words(read_text(contact))
        if facts.order is not None:
            words = words | fact_words(read_text(" ".join(facts.order.urls)))
        shared = words
        for own in product_words:
            words = words | own
        attributed = tuple(
            product_facts(
                read_text(p.title),
                brand_names(p.brand, p.title) + " " + read_text(p.brand),
                read_text(f"{own_text(_product_text(p))}"),
                read_text(described(p)),
            )
            for p in facts.products
        )
        # the language of the products' descriptions (attribute names are English keys in every catalog)
        scope = [fact_words(read_text(p.description)) for p in facts.products] or [index.words]
        return cls(
            units,
            frozenset(anywhere),
            frozenset(core),
            frozenset(turn),
            lex.read(quoted).stated,
            "\n".join(texts),
            words,
            any(w.han for w in scope),
            any(w.latin for w in scope),
            bool(facts.products) and all(p.stock == 0 for p in facts.products),
            attributed,
            shared,
        )

    def knows_code(self, code: str) -> bool:
        """Whether a model code or identifier of a reply ("IPX7", "XM5", "RUN-001") is in the turn's texts."""
        return code_key(code) in self.codes

    def supports(
        self,
        concepts: frozenset[str],
        numbers: frozenset[Decimal],
        stated: frozenset[str],
        denies: bool = False,
        nearby: frozenset[Decimal] = frozenset(),
    ) -> bool:
        """Whether ONE unit carries every concept and every figure (beyond the core ones) of a clause; `nearby`
        = figures of the sentence's clauses without a concept, which the unit's bullet must state."""
        needed = numbers - self.core
        around = nearby - self.core
        own_cases = frozenset(c for c in concepts if lexicon().is_case(c))
        context = lexicon().implied(stated | self.quoted_concepts)
        lex = lexicon()
        specs_only = bool(concepts) and all(lex.is_spec(c) for c in concepts)
        for unit in self.units:
            if not concepts <= unit.concepts or not needed <= unit.figures:
                continue
            if around and not around <= (unit.figures if unit.nearby is None else unit.nearby | unit.figures):
                continue
            if unit.cases and own_cases and not _same_case(needed, own_cases, unit.cases):
                continue
            if specs_only and not unit.product:
                continue  # a property is the product's own ("鞋底是碳板"), never a policy's wording
            if not unit.conditions <= context:
                continue
            if not denies and any(
                r not in stated and lexicon().binds(r, concepts) for r in unit.restrictions
            ):
                continue
            if unit.anchors and not unit.anchors & context:
                continue
            return True
        return False

    def states_figures(self, topic: frozenset[str], numbers: frozenset[Decimal]) -> bool:
        """Whether an unconditional, unrestricted unit naming a concept of `topic` states every figure of
        `numbers` (beyond the core ones)."""
        needed = numbers - self.core
        return any(
            unit.concepts & topic and needed <= unit.figures and not unit.conditions and not unit.restrictions
            for unit in self.units
        )
