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
Questions back only need each concept to exist somewhere in the evidence; denials promise nothing (a denied
product spec, "无涂层", makes no sentence a denial); a short question the reply answers itself is read with
its answer ("Tags removed? Then it can't be returned"). (d) A product property (a `spec` concept: 防水, carbon
plate, multipoint, servings, materials) is supported only by a product's own text, and (e) a model code
("IPX7", "QCC5171") only when a text of the turn contains it. `without_agreement` drops the agreement a reply
opens with, for replies that follow the bot's own "no".

`unsupported(text, facts)` lists the unsupported sentences as `Violation("unsupported", sentence)` or
`Violation("affirms", premise)`. Policy units are built once per policy version (cached by identity).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal

import regex

from bot.conversation.claims.arithmetic import multiples
from bot.conversation.claims.attribution import segments, stretch_ok
from bot.conversation.claims.bounds import blank_bounds
from bot.conversation.claims.concessions import assured_uses, grants, unstated_counts
from bot.conversation.claims.content import novel_terms, unknown_names, unstated_quantities
from bot.conversation.claims.destinations import names_places
from bot.conversation.claims.extract import number
from bot.conversation.claims.facts import GroundingFacts, Violation
from bot.conversation.claims.figures import counted_spans, instalment_counts
from bot.conversation.claims.figures import figures_and_durations as figures
from bot.conversation.claims.lexicon import Lexicon, lexicon
from bot.conversation.claims.parts import Parts, excluded_part_granted, part_spans_ok, policy_parts
from bot.conversation.claims.quote import mask_reported
from bot.conversation.claims.refusals import refusing
from bot.conversation.claims.regional import mask_backed_places, mask_next_working_day
from bot.conversation.claims.text import surface
from bot.conversation.claims.units import _HEAD, FREE_FIGURES, Evidence, read_text
from knowledge.models import PolicyDoc

# "No. 1", "Mr. Li", "e.g. …": an abbreviation's full stop ends no sentence (a cut there left "and it's the No.").
# ";" joins clauses of one sentence (an unsupported clause drops the whole sentence); a "?" inside a URL
# ("shop-example .com/pay?id=88") ends nothing.
_SENTENCE_SPLIT = regex.compile(
    r"(?<=[。！？!\n])|(?<=\?)(?![\w=&%/#])|(?<=(?<!\d|\b(?i:no|nr|mr|mrs|ms|dr|st|vs|approx|e\.g|i\.e))\.)(?=\s)|(?<=\.)$"
)
# An emoji or check mark between two statements ("满 ¥99 包邮 ✅ 当天发 ✅") separates them like a comma.
_CLAUSE_SPLIT = regex.compile(
    r"[，；;]|,(?!\d{3}(?!\d))|\s[—–-]{1,2}\s|——|[\p{Extended_Pictographic}✓✔☑•·|]+"
)
# A small figure with a time unit ("一个月", "a year") is a term, never a free count.
_TIMED = regex.compile(
    r"(?<![\d.])(?:[12]|一|两|二|one|two|an?)\s*(?:个)?\s*(?:年|月|周|星期|天|日|小时|工作日|years?|months?|weeks?|days?|hours?)",
    regex.I,
)
_LIST_MARK = regex.compile(r"^\s*(?:[-*•]\s+|\d{1,2}[.)、．]\s*(?!\d))")
_ORDINAL = regex.compile(
    r"第\s*[一二三四五六七八九十\d]{1,3}|(?:后|前|末|尾号)\s*[一二三四五六七八九\d]\s*位|last\s+(?:\d|four|six)\s+digits|"
    r"\b(?:1st|2nd|3rd|[4-9]th|first|second|third)\b",
    regex.I,
)
_DENIED_FIGURE = regex.compile(r"^\s*(?:不是|并不是|而不是|并非|而非|not|isn'?t|rather\s+than)", regex.I)
# "没有 42 码", "so there's no 42": a clause stating no term that opens by denying denies its figure (a clause
# that states a term keeps its figures: "no extra charge for 90-day returns" grants 90 days)
_DENIED_BARE_FIGURE = regex.compile(
    r"^\s*(?:(?:但|但是|可|并)?没有|(?:(?:and|but|so)\s+)?there(?:'s|\s+is|\s+are)\s+no\b|no\b)", regex.I
)
_SHORT_QUESTION = 24  # characters: "Tags removed?", "拆了吊牌？" — a condition, not a question back
_QUESTION = regex.compile(r"[?？]\s*$|吗\s*[。？?]?\s*$")
_SUBSTANCE = regex.compile(r"\p{Han}{4,}|[A-Za-z]{3,}(?:\W+[A-Za-z]{2,}){2,}|\d")


@dataclass(frozen=True)
class _Clause:
    text: str
    concepts: frozenset[str]
    numbers: frozenset[Decimal]
    talk: bool = False
    denies: bool = False  # denies something ("不能无理由退"): it may draw on a restriction
    denied: frozenset[str] = frozenset()  # the terms it denies ("不能无理由退" → no_reason_return)


def _clauses(sentence: str, lex: Lexicon) -> list[_Clause]:
    """The clauses of a (read) sentence with their stated concepts. Negation is read over the sentence, so
    "I can't change prices, grant discounts or …" denies the discounts too; a sentence headed by a
    restriction ("Not accepted: cash on delivery, PayPal") denies everything it lists."""
    sentence = _LIST_MARK.sub("", sentence)  # "3. 华为 …": a list's numbering states no figure
    head = _HEAD.match(sentence)
    denial = head is not None and any(lex.is_negative(c) for c in lex.read(head.group(0)).stated)
    marked = [] if denial else lex.marked(sentence)
    stated = [(start, cid) for cid, start, denied in marked if not denied]
    # a denied spec describes the product ("无涂层"); only a denied term makes the clause a denial
    denials = [(start, cid) for cid, start, denied in marked if denied and not lex.is_spec(cid)]
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
            if concepts:
                numbers = counted_spans(numbers)  # "一周内可退": the term's span is 7 days, not a figure 1
            if "instalment" in concepts:
                numbers = instalment_counts(numbers)  # "3 or 6 months" of Huabei: 3 or 6 monthly payments
            if _DENIED_FIGURE.match(part) or (not concepts and _DENIED_BARE_FIGURE.match(part)):
                numbers = frozenset()  # "不是两年": a figure it denies is no claim
            if lex.deference.search(part) and numbers <= FREE_FIGURES:
                concepts = frozenset()  # "价格和优惠以页面为准": defers to the shop, promises nothing
            talk = talk or bool(lex.topic_talk.search(part))  # "questions about shipping, returns, …"
            denied = frozenset(cid for at, cid in denials if start <= at < end)
            if denied and all(lex.is_negative(c) for c in concepts):
                # "We have no ¥50 coupon", "不支持当天达": the figure sizes what the clause denies
                numbers = frozenset()
            out.append(_Clause(part, concepts, numbers, talk, bool(denied), denied))
    return out


# A model code or identifier: letters then digits ("IPX7", "Qi2", "PD3.0", "XM5", "RUN-001", "eSIM5"). Currency
# and quantity prefixes ("RMB899", "x2") are no codes.
# A code may touch Chinese text ("它是IPX7防水的"): only Latin letters and digits bound it.
_CODE = regex.compile(r"(?<![a-z\d])([a-z]{1,8})[-‐]?\d+(?:\.\d+)?[a-z\d+]*(?![a-z\d])", regex.I)
# SpO2 (blood oxygen) is a measure's name, not a model code
_NOT_CODES = frozenset(
    {"rmb", "cny", "usd", "hkd", "nt", "us", "hk", "eur", "gbp", "jpy", "x", "no", "vs", "spo"}
)


# A model code written with a space: capitals then a number ("徕芬SE 2", "GT 6", "RN 2000"); "USB 3.0" and "3 kg"
# are no such codes
_SPACED_CODE = regex.compile(r"(?<![A-Za-z\d])([A-Z]{2,4})\s(\d{1,4})(?![\d.,:]|\s*(?:%|[A-Za-z]))")


def codes(sentence: str) -> list[str]:
    """The model codes a sentence names (see `_CODE`, `_SPACED_CODE`), as written."""
    text = unicodedata.normalize("NFKC", sentence)
    found = [m.group(0) for m in _CODE.finditer(text) if m.group(1).lower() not in _NOT_CODES]
    return found + [m.group(0) for m in _SPACED_CODE.finditer(text) if m.group(1).lower() not in _NOT_CODES]


def split_sentences(text: str) -> list[str]:
    """The sentences of a reply, as written (split after 。！？!?；; newlines and a full stop + space)."""
    return [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _sentence_ok(
    sentence: str,
    evidence: Evidence,
    lex: Lexicon,
    *,
    premise: bool = False,
    before: frozenset[str] = frozenset(),
    brands: tuple[str, ...] = (),
) -> tuple[bool, frozenset[str]]:
    """Whether every clause of `sentence` is supported, and the concepts it states; `before` = the concepts
    the reply's earlier sentences stated, which (with the sentence's own) state the conditions and anchors a
    unit needs ("鞋类可换一次；寄回运费您出"); `brands` = the turn's products' brands (read), whose words are
    names, not terms."""
    text = blank_bounds(read_text(sentence))  # a price bound ("不到50块") is the ledger's to check
    for brand in brands:
        text = text.replace(brand, " " * len(brand))  # a brand's words ("京东京造") state no term
    clauses = _clauses(text, lex)
    own = frozenset(c for clause in clauses for c in clause.concepts)
    if premise and own:
        # a premise is one question ("我在台湾，你们能寄过来吧？"): its clauses' terms need ONE unit together
        clauses = [
            _Clause(text, own, frozenset(n for clause in clauses for n in clause.numbers), denies=True)
            if any(c.denies for c in clauses)
            else _Clause(text, own, frozenset(n for clause in clauses for n in clause.numbers))
        ]
    return _clauses_ok(clauses, text, evidence, own | before, premise=premise), own


def _clauses_ok(
    clauses: list[_Clause], text: str, evidence: Evidence, stated: frozenset[str], *, premise: bool
) -> bool:
    question = not premise and bool(_QUESTION.search(text))
    committed = [i for i, c in enumerate(clauses) if c.concepts]
    denies = any(c.denies for c in clauses)  # "Underwear, socks and … can't be returned": the list is denied
    extra: dict[int, set[Decimal]] = {i: set() for i in committed}
    for i, clause in enumerate(clauses):
        if clause.concepts:
            continue
        free = frozenset() if _TIMED.search(clause.text) else FREE_FIGURES
        orphans = clause.numbers - evidence.core - free
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
        if evidence.supports(clause.concepts, clause.numbers, stated, denies, frozenset(extra[i])):
            continue
        # "坚果拆封后就不能无理由退了，没拆封的 7 天内可以": the split-off figure belongs to the term the clause
        # names (or denies) in an unconditional unit of its own
        topic = clause.concepts | clause.denied
        if not extra[i] or not evidence.supports(clause.concepts, clause.numbers, stated, denies):
            return False
        if not evidence.states_figures(topic, frozenset(extra[i])):
            return False
    return True


def unsupported(text: str, facts: GroundingFacts, evidence: Evidence | None = None) -> list[Violation]:
    """The sentences of `text` the turn's facts do not support (empty list = every sentence is)."""
    lex = lexicon()
    evidence = evidence or Evidence.of(facts)
    found: list[Violation] = []
    # the customer's own figures reported back and disowned are read as blanks (`mask_reported`, same length,
    # same sentence bounds); a violation names the sentence as written, so that it can be cut from the reply
    masked = _term_names(mask_reported(text, facts.quoted), facts)
    masked = mask_next_working_day(masked, facts.policy_text())
    for url in {p.url for p in facts.products if p.url}:
        masked = masked.replace(url, " " * len(url))  # the product's own page states no figure or term
    sentences = split_sentences(masked)
    written = _as_written(text, masked) if masked != text else {}
    before: frozenset[str] = frozenset()
    current: int | None = None  # the product the reply is about so far (`attribution`)
    brands = tuple(
        sorted({read_text(p.brand) for p in facts.products if len(p.brand) >= 2}, key=len, reverse=True)
    )
    parts = _parts_of(facts.policies)
    prices = [(p.price, "") for p in facts.products if p.price is not None]
    shipping = facts.terms.shipping if facts.terms is not None else None
    policy_text = read_text(facts.policy_text()) if sentences else ""
    for group in _answered_questions(sentences):
        sentence = " ".join(s.strip() for s in group)
        # a place whose stated delivery window is its region's reads as that region ("寄到北京一般 2–4 天")
        regional = mask_backed_places(sentence, shipping)
        ok, own = _sentence_ok(
            regional, _with_totals(evidence, sentence, prices), lex, before=before, brands=brands
        )
        ok = ok and _parts_ok(sentence, lex, parts)
        # an exception, waiver or private deal; a use assured "也没问题" (`concessions`)
        ok = ok and grants(sentence, policy_text) is None and _assurances_ok(sentence, evidence, facts)
        ok = ok and all(evidence.knows_code(code) for code in codes(sentence))
        for part in group:
            attributed_ok, current, attributed = _attributed_ok(part, evidence, current)
            ok = ok and attributed_ok and _content_ok(part, own, evidence, attributed=attributed)
        before |= own  # what earlier sentences of the reply stated (换货…。寄回运费您出；换出的我们付。)
        if not ok:
            found.extend(Violation("unsupported", written.get(s, s).strip()) for s in group)
    if facts.quoted and sentences and _agrees(sentences, lex):
        for premise in split_sentences(facts.quoted):
            if not _sentence_ok(premise, evidence, lex, premise=True)[0]:
                found.append(Violation("affirms", premise.strip()))
    return found


# "7天无理由退货" is the name of the no-reason return term: its figure is the policy's window, whatever the
# sentence says of the term ("拆封后不支持7天无理由退货" quotes an exclusion, not a 7-day span of it).
_TERM_NAME = regex.compile(r"([0-9]+|[一二三四五六七八九十]+)\s*[天日](?=\s*[无無]理由)")


def _with_totals(evidence: Evidence, sentence: str, prices: list[tuple[Decimal, str]]) -> Evidence:
    """`evidence` with the totals the sentence computes ("两双一共 1798 元": 2 × ¥899, `arithmetic.multiples`) and
    their multipliers among its core figures; the same evidence when it computes none."""
    if not prices:
        return evidence
    stated = figures(read_text(sentence))
    totals = {total for total, _ in multiples(prices, stated)}
    if not totals & stated:
        return evidence
    counts = {n for n in stated if any(price * n in stated for price, _ in prices)}
    return replace(evidence, core=evidence.core | (totals & stated) | counts)


def _term_names(text: str, facts: GroundingFacts) -> str:
    """`text` with the figure of the no-reason return term's name blanked (same length) when it is the returns
    policy's own window (`return_window_days`); any other figure is read as written."""
    returns = facts.terms.returns if facts.terms is not None else None
    window = returns.return_window_days if returns is not None else None
    if window is None or ("无理由" not in text and "無理由" not in text):
        return text
    return _TERM_NAME.sub(
        lambda m: " " * len(m.group(0)) if number(m.group(1)) == window else m.group(0), text
    )


def _as_written(text: str, masked: str) -> dict[str, str]:
    """Each sentence of `masked` (a same-length copy of `text` with spans blanked) → that sentence of `text`."""
    out: dict[str, str] = {}
    at = 0
    for piece in _SENTENCE_SPLIT.split(masked):
        if piece.strip():
            out.setdefault(piece, text[at : at + len(piece)])
        at += len(piece)
    return out


# per policy version, keyed by the documents' identity (a turn builds a new tuple of the same documents)
_PARTS: dict[tuple[int, ...], tuple[tuple[PolicyDoc, ...], Parts]] = {}


def _parts_of(policies: tuple[PolicyDoc, ...]) -> Parts:
    """The warranty parts of the policies (`claims.parts`), read once per policy version (8 kept)."""
    key = tuple(id(doc) for doc in policies)
    cached = _PARTS.get(key)
    if cached is None or not all(a is b for a, b in zip(cached[0], policies, strict=True)):
        bullets = tuple(read_text(line) for doc in policies for line in doc.text.splitlines() if line.strip())
        cached = _PARTS[key] = (policies, policy_parts(bullets))
        while len(_PARTS) > 8:
            _PARTS.pop(next(iter(_PARTS)))
    return cached[1]


def _parts_ok(sentence: str, lex: Lexicon, parts: Parts) -> bool:
    """Whether no clause gives a part another span than its own, or grants a part the policies leave out."""
    if not parts.spans and not parts.left_out:
        return True
    for clause in _clauses(blank_bounds(read_text(sentence)), lex):
        if not part_spans_ok(clause.text, parts):
            return False
        if not clause.denies and excluded_part_granted(clause.text, clause.concepts, parts):
            return False
    return True


# What a sold-out product cannot do today: ship, arrive, be in stock.
_SHIPPING_SOON = frozenset({"dispatch", "same_day", "fast_delivery", "stock", "plenty", "size_stock"})


def _content_ok(
    sentence: str, stated: frozenset[str], evidence: Evidence, *, attributed: bool = False
) -> bool:
    """Whether the sentence's content (terms, measured quantities) is carried by the turn's facts, and it
    promises no shipping of products that are all sold out (`bot.conversation.claims.content`); the terms of
    a sentence `attributed` to products were read against each one's own facts instead."""
    if evidence.sold_out and stated & _SHIPPING_SOON:
        return False
    text = read_text(sentence)
    if unstated_quantities(text, evidence.words):
        return False
    if _QUESTION.search(text) or refusing(text):
        return True  # a question back asserts nothing; a refusal names only what it withholds
    if unknown_names(surface(sentence), evidence.words):
        return False
    if attributed:
        return True
    lex = lexicon()
    judged = [(start, end) for _, start, end in lex.spans(text)]
    return not novel_terms(
        text, evidence.words, han_full=evidence.han_full, latin_full=evidence.latin_full, judged=judged
    )


def _assurances_ok(sentence: str, evidence: Evidence, facts: GroundingFacts) -> bool:
    """Whether every use the sentence assures ("做蛋糕也没问题", "两只猫一起装也没问题") is one the products'
    own facts state — never the customer's message, which is the premise being agreed with."""
    # "Hong Kong and Macau are fine by SF Express": places are destinations (the ledger's `destinations`)
    uses = [use for use in assured_uses(sentence) if not names_places(use)]
    if not uses:
        return True
    if not evidence.products:
        return False
    own = evidence.products[0].words | evidence.products[0].names
    for product in evidence.products[1:]:
        own = own | product.words | product.names
    product_text = read_text(facts.product_text())
    return not any(
        unstated_counts(use, product_text)
        or novel_terms(use, own, han_full=evidence.han_full, latin_full=evidence.latin_full)
        for use in uses
    )


def _attributed_ok(sentence: str, evidence: Evidence, current: int | None) -> tuple[bool, int | None, bool]:
    """Whether each stretch of the sentence says only what the product it is about says
    (`bot.conversation.claims.attribution`), the product the reply is about after it, and whether the
    sentence is about products (its terms were read against them)."""
    if not evidence.products:
        return True, current, False
    text = read_text(sentence)
    stretches, current = segments(text, evidence.products, current)
    if _QUESTION.search(text):
        return True, current, bool(stretches)  # a question back asserts nothing
    ok = all(
        stretch_ok(
            stretch,
            evidence.products[index],
            evidence.shared,
            [p for i, p in enumerate(evidence.products) if i != index],
            han_full=evidence.han_full,
            latin_full=evidence.latin_full,
            named=named,
        )
        for stretch, index, named in stretches
    )
    return ok, current, bool(stretches)


def _answered_questions(sentences: list[str]) -> list[list[str]]:
    """The sentences, a short question the reply answers itself joined to its answer: "Tags removed? Then it
    can't be returned" is one statement (a denial), as is "Scuffed soles? We still take them back" (a grant)."""
    groups: list[list[str]] = []
    joined = False
    for sentence in sentences:
        if joined:
            groups[-1].append(sentence)
            joined = False
            continue
        groups.append([sentence])
        joined = bool(_QUESTION.search(sentence)) and len(sentence.strip()) <= _SHORT_QUESTION
    return groups


def _agrees(sentences: list[str], lex: Lexicon) -> bool:
    """A reply agrees when it opens with agreement, or one of its clauses is nothing but agreement."""
    if lex.affirm.match(read_text(sentences[0])):
        return True
    return any(lex.agrees(part) for s in sentences for part in _CLAUSE_SPLIT.split(read_text(s)))


def substantive(text: str) -> bool:
    """Whether what remains of a reply still says something (a figure, 4+ Chinese characters, 3+ words)."""
    return bool(_SUBSTANCE.search(text))


_LEADING_CLAUSE = regex.compile(
    r"^\s*((?:[^，,。！？!?；;\n~～.]|\.(?!\s|$))*)((?:[，,。！？!?；;\n~～]|\.(?=\s|$))+\s*|$)"
)


def without_agreement(text: str) -> str:
    """`text` without the agreement it opens with ("对，您说得对，…", "Yes, that's right. …", "好的，没问题。"):
    what a reply says after the bot has already answered "no" (an agreement there would contradict it).
    Empty when the text is nothing but agreement."""
    lex = lexicon()
    out = text
    while out.strip():
        m = _LEADING_CLAUSE.match(out)
        if m is None or not m.group(1).strip() or not lex.agrees(read_text(m.group(1))):
            break
        out = out[m.end() :]
    return out.strip() if out is not text else text
