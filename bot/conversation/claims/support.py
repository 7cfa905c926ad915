"""The allow-list gate: every sentence of an LLM reply must be SUPPORTED by this turn's facts.

The claims ledger (`bot.conversation.claims.ledger`) is a deny-list: it checks the claim shapes it knows.
This second gate inverts the burden. A reply is cut into sentences and clauses; a clause is supported when
(a) every figure it states (`figures`) is one the turn's facts contain — the products in scope (prices,
stock, every number of their text), the policies, the customer's budget and message, the verified order,
the shop's contacts, a difference of two product prices — never arithmetic on them ("899 的一半", "minus
200", "便宜三百"); (b) when it states a commercial concept of the lexicon (`bot/prompts/commitments.yaml`:
discounts, gifts, price match, points, free/shipping terms, delivery times, returns/exchanges/warranty/
repair, stock/scarcity/popularity, reservations, authority, contact/payment channels, guarantees), ONE
evidence unit — a policy bullet (its payer clauses on their own), a product's text, the product's price
and stock, the turn's contacts or the order — carries every concept of the clause, and its figures too;
a unit's restricting conditions (质量问题) must be stated in the sentence or the customer's message when
the clause offers something free or paid by us; (c) a reply opening with agreement ("对，没问题", "yes")
states the customer's premise, so the premise's clauses are checked as if the reply said them.
Questions back only need each concept to exist somewhere in the evidence; denials promise nothing.

`unsupported(text, facts)` lists the unsupported sentences as `Violation("unsupported", sentence)` or
`Violation("affirms", premise)`. Policy units are built once per policy version (cached by identity).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import combinations

import regex

from bot.conversation.claims.facts import GroundingFacts, Violation
from bot.conversation.claims.figures import figures
from bot.conversation.claims.lexicon import Lexicon, lexicon
from bot.conversation.claims.text import scanned, surface
from knowledge.models import PolicyDoc, Product

_SENTENCE_SPLIT = regex.compile(r"(?<=[。！？!?\n；;])|(?<=(?<!\d)\.)(?=\s)|(?<=\.)$")
_CLAUSE_SPLIT = regex.compile(r"，|,(?!\d{3}(?!\d))|\s[—–-]{1,2}\s|——")
_BULLET = regex.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_UNIT_CLAUSE = regex.compile(r"[，；;。]|,(?!\d{3}(?!\d))|\s+and\s+|(?<!\d)\.(?=\s|$)")
_CONTRAST = regex.compile(
    r"^\s*(?:\d{1,2}:\d{2}\s*后|否则|不满|其他|其余|但|而|超过|以外|otherwise|later|below|but|except|while|"
    r"outside|beyond|after\s+\d)",
    regex.I,
)
WINDOW = 3
_HEAD = regex.compile(r"^[^：:]{1,40}[：:]")
_LIST_MARK = regex.compile(r"^\s*(?:[-*•]\s+|\d{1,2}[.)、．]\s*(?!\d))")
_ORDINAL = regex.compile(
    r"第\s*[一二三四五六七八九十\d]{1,3}|(?:后|前|末|尾号)\s*[一二三四五六七八九\d]\s*位|last\s+(?:\d|four|six)\s+digits|"
    r"\b(?:1st|2nd|3rd|[4-9]th|first|second|third)\b",
    regex.I,
)
_QUESTION = regex.compile(r"[?？]\s*$|吗\s*[。？?]?\s*$")
_SUBSTANCE = regex.compile(r"\p{Han}{4,}|[A-Za-z]{3,}(?:\W+[A-Za-z]{2,}){2,}|\d")
FREE_FIGURES = frozenset({Decimal(0), Decimal(1), Decimal(2)})
LOW_STOCK = 5


@dataclass(frozen=True)
class Unit:
    """One piece of evidence: the concepts it states, its figures and the conditions it is bound to."""

    concepts: frozenset[str]
    figures: frozenset[Decimal]
    conditions: frozenset[str] = frozenset()

    @cached_property
    def restrictions(self) -> frozenset[str]:
        """Negative concepts ("不支持无理由退货") a clause must state to draw on this unit."""
        lex = lexicon()
        return frozenset(c for c in self.concepts if lex.is_negative(c))


def read_text(text: str) -> str:
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
    units: list[Unit] = []
    runs: list[list[frozenset[str]]] = [[]]
    previous: frozenset[str] = frozenset()  # the clause before a payer clause says what the payment is for
    for clause in clauses:
        concepts = lex.read(clause).stated
        if any(lex.is_payer(c) for c in concepts):
            units.append(Unit(concepts | previous | conditions | topic, numbers, conditions))
            runs.append([])
            previous = frozenset()
            continue
        previous = concepts
        if _CONTRAST.match(clause):
            runs.append([])
        runs[-1].append(concepts)
    for run in runs:
        for i in range(len(run)):
            for j in range(i + 1, min(i + WINDOW, len(run)) + 1):
                merged = frozenset().union(*run[i:j])
                units.append(Unit(merged | conditions | topic, numbers, conditions))
    return units


_POLICY_CACHE: OrderedDict[tuple[int, ...], tuple[tuple[PolicyDoc, ...], list[Unit], frozenset[Decimal]]] = (
    OrderedDict()
)


def policy_units(policies: tuple[PolicyDoc, ...]) -> tuple[list[Unit], frozenset[Decimal]]:
    """The units and every figure of a policy set, built once per policy version (kept for 8 versions)."""
    key = tuple(id(doc) for doc in policies)
    cached = _POLICY_CACHE.get(key)
    if cached is not None and all(a is b for a, b in zip(cached[0], policies, strict=True)):
        return cached[1], cached[2]
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
    _POLICY_CACHE[key] = (policies, units, frozenset(numbers))
    while len(_POLICY_CACHE) > 8:
        _POLICY_CACHE.popitem(last=False)
    return units, frozenset(numbers)


def _product_text(p: Product) -> str:
    return " ".join([p.title, p.brand, *p.tags, *p.attributes.values(), p.description])


_IMPLIED_POLICY: OrderedDict[tuple[int, ...], tuple[tuple[PolicyDoc, ...], list[Unit], frozenset[str]]] = (
    OrderedDict()
)


def _implied_policy_units(policies: tuple[PolicyDoc, ...]) -> tuple[list[Unit], frozenset[str]]:
    """`policy_units` with the lexicon's implied concepts added, and every concept they state: what
    `Evidence.of` needs of the policies, built once per policy version as `policy_units` is."""
    key = tuple(id(doc) for doc in policies)
    cached = _IMPLIED_POLICY.get(key)
    if cached is not None and all(a is b for a, b in zip(cached[0], policies, strict=True)):
        return cached[1], cached[2]
    lex = lexicon()
    units = [Unit(lex.implied(u.concepts), u.figures, u.conditions) for u in policy_units(policies)[0]]
    anywhere = frozenset(c for u in units for c in u.concepts)
    _IMPLIED_POLICY[key] = (policies, units, anywhere)
    while len(_IMPLIED_POLICY) > 8:
        _IMPLIED_POLICY.popitem(last=False)
    return units, anywhere


_PRODUCT_UNITS: dict[tuple[object, ...], Unit] = {}


def _product_unit(p: Product) -> Unit:
    """One product's unit, implied concepts added: what its text states + its price and stock ("仅剩4件" when
    stock ≤ 5). Built once per product content (keyed by every field it reads: an edit is another key)."""
    key = (p.title, p.brand, p.tags, tuple(p.attributes.values()), p.description, p.price, p.stock)
    unit = _PRODUCT_UNITS.get(key)
    if unit is None:
        unit = _build_product_unit(p)
        if len(_PRODUCT_UNITS) >= 4096:
            _PRODUCT_UNITS.clear()
        _PRODUCT_UNITS[key] = unit
    return unit


def _build_product_unit(p: Product) -> Unit:
    lex = lexicon()
    text = read_text(_product_text(p))
    numbers = set(figures(text)) | {Decimal(p.stock)} if p.stock is not None else set(figures(text))
    if p.price is not None:
        numbers.add(p.price)
    concepts = set(lex.read(text).stated) | {"price_compare"}
    if p.stock is not None:
        concepts.add("stock")
        if 0 < p.stock <= LOW_STOCK:
            concepts.add("scarcity")
    return Unit(lex.implied(frozenset(concepts)), frozenset(numbers))


@dataclass
class Evidence:
    """Everything one reply may draw on (see the module docstring)."""

    units: list[Unit]
    anywhere: frozenset[str]  # every concept some unit states (what a question back may mention)
    core: frozenset[Decimal]  # figures any clause may carry: products, budget, order
    turn: frozenset[Decimal]  # figures a clause without commitments may carry
    quoted_concepts: frozenset[str]

    @classmethod
    def of(cls, facts: GroundingFacts) -> Evidence:
        lex = lexicon()
        _, policy_numbers = policy_units(facts.policies)
        implied_policy, policy_anywhere = _implied_policy_units(facts.policies)
        units: list[Unit] = []
        core: set[Decimal] = set(facts.allowed_amounts)
        prices = [p.price for p in facts.products if p.price is not None]
        product_units = [_product_unit(p) for p in facts.products]
        for unit in product_units:
            core |= unit.figures
        if len(prices) >= 2:
            diffs = frozenset(abs(a - b) for a, b in combinations(prices, 2))
            core |= diffs
            units.append(Unit(frozenset({"price_compare"}), diffs))
        for contact in facts.contacts:
            text = read_text(contact)
            units.append(Unit(lex.read(text).stated | {"service_line"}, figures(text)))
        if facts.order is not None:
            order = facts.order
            numbers = {*order.amounts, *(Decimal(q) for q in order.quantities)}
            numbers |= {Decimal(d) for d in order.day_counts}
            numbers |= {Decimal(v) for day in order.dates for v in (day.year, day.month, day.day)}
            core |= numbers
            units.append(
                Unit(
                    frozenset({"dispatch", "delivery_time", "carrier", "stock", "payment"}),
                    frozenset(numbers),
                )
            )
        quoted = read_text(facts.quoted)
        turn = frozenset(core | policy_numbers | figures(quoted) | FREE_FIGURES)
        for contact in facts.contacts:
            turn |= figures(read_text(contact))
        # the policies' and products' units come implied already (built once per version / product)
        units = [
            *implied_policy,
            *product_units,
            *(Unit(lex.implied(u.concepts), u.figures, u.conditions) for u in units),
        ]
        anywhere = policy_anywhere.union(*(u.concepts for u in units[len(implied_policy) :]))
        return cls(units, anywhere, frozenset(core), turn, lex.read(quoted).stated)

    def supports(self, concepts: frozenset[str], numbers: frozenset[Decimal], stated: frozenset[str]) -> bool:
        """Whether ONE unit carries every concept and every figure (beyond the core ones) of a clause."""
        needed = numbers - self.core
        context = lexicon().implied(stated | self.quoted_concepts)
        for unit in self.units:
            if not concepts <= unit.concepts or not needed <= unit.figures:
                continue
            if not unit.conditions <= context or not unit.restrictions <= concepts:
                continue
            return True
        return False


@dataclass(frozen=True)
class _Clause:
    text: str
    concepts: frozenset[str]
    numbers: frozenset[Decimal]
    talk: bool = False  # names topics ("questions about returns") rather than stating terms


def _clauses(sentence: str, lex: Lexicon) -> list[_Clause]:
    """The clauses of a (read) sentence with their stated concepts. Negation is read over the sentence, so
    "I can't change prices, grant discounts or …" denies the discounts too; a sentence headed by a
    restriction ("Not accepted: cash on delivery, PayPal") denies everything it lists."""
    sentence = _LIST_MARK.sub("", sentence)  # "3. 华为 …": a list's numbering states no figure
    head = _HEAD.match(sentence)
    denial = head is not None and any(lex.is_negative(c) for c in lex.read(head.group(0)).stated)
    stated = (
        []
        if denial
        else [(start, cid) for cid, start, _ in lex.spans(sentence) if not lex.denied(sentence, start)]
    )
    out = []
    offset = 0
    talk = False
    for part in _CLAUSE_SPLIT.split(sentence):
        start = sentence.find(part, offset)
        end = start + len(part)
        offset = end
        if part.strip():
            concepts = frozenset(cid for at, cid in stated if start <= at < end)
            numbers = figures(_ORDINAL.sub("", part))
            if lex.deference.search(part) and numbers <= FREE_FIGURES:
                concepts = frozenset()  # "价格和优惠以页面为准": defers to the shop, promises nothing
            talk = talk or bool(lex.topic_talk.search(part))  # "questions about shipping, returns, …"
            out.append(_Clause(part, concepts, numbers, talk))
    return out


def split_sentences(text: str) -> list[str]:
    """The sentences of a reply, as written (split after 。！？!?；; newlines and a full stop + space)."""
    return [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _sentence_ok(sentence: str, evidence: Evidence, lex: Lexicon, *, premise: bool = False) -> bool:
    text = read_text(sentence)
    clauses = _clauses(text, lex)
    stated = frozenset(c for clause in clauses for c in clause.concepts)
    question = not premise and bool(_QUESTION.search(text))
    committed = [i for i, c in enumerate(clauses) if c.concepts]
    extra: dict[int, set[Decimal]] = {i: set() for i in committed}
    for i, clause in enumerate(clauses):
        if clause.concepts:
            continue
        orphans = clause.numbers - evidence.core - FREE_FIGURES
        if premise:
            orphans = clause.numbers - evidence.core
        if not orphans:
            continue
        if committed:  # a figure split from its term by a comma belongs to the nearest commitment
            nearest = min(committed, key=lambda j: (abs(j - i), j < i))
            extra[nearest] |= orphans
        elif not orphans <= evidence.turn or premise:
            return False
    for i in committed:
        clause = clauses[i]
        if question or clause.talk:
            if not clause.concepts <= evidence.anywhere:
                return False
            continue
        numbers = frozenset(clause.numbers | extra[i])
        if not evidence.supports(clause.concepts, numbers, stated):
            return False
    return True


def unsupported(text: str, facts: GroundingFacts, evidence: Evidence | None = None) -> list[Violation]:
    """The sentences of `text` the turn's facts do not support (empty list = every sentence is)."""
    lex = lexicon()
    evidence = evidence or Evidence.of(facts)
    found: list[Violation] = []
    sentences = split_sentences(text)
    for sentence in sentences:
        if not _sentence_ok(sentence, evidence, lex):
            found.append(Violation("unsupported", sentence.strip()))
    if facts.quoted and sentences and _agrees(sentences, lex):
        for premise in split_sentences(facts.quoted):
            if not _sentence_ok(premise, evidence, lex, premise=True):
                found.append(Violation("affirms", premise.strip()))
    return found


def _agrees(sentences: list[str], lex: Lexicon) -> bool:
    """A reply agrees when it opens with agreement, or one of its clauses is nothing but agreement."""
    if lex.affirm.match(read_text(sentences[0])):
        return True
    return any(lex.agrees(part) for s in sentences for part in _CLAUSE_SPLIT.split(read_text(s)))


def substantive(text: str) -> bool:
    """Whether what remains of a reply still says something (a figure, 4+ Chinese characters, 3+ words)."""
    return bool(_SUBSTANCE.search(text))
