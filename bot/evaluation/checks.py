"""What a reply shows and says, read back from the text and cards, and the checks of a case applied to it.

Why read the text and not the bot's internals: the customer sees only the text and the cards, and the same
harness must judge any core (offline composer or LLM). So "products shown" = the reply's cards plus every
catalog SKU or full title named in its text; Chinese text is compared in its Simplified form (OpenCC), so a
Traditional reply is judged by the same expectations.

Grounding errors (must be 0): a money amount that is not the catalog price (in its currency) of a product the
reply names, nor a difference of two such prices, nor a policy or customer figure; a stock claim that
contradicts the one product its line names; and a price/stock answer about a product other than the one asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import regex

from bot.domain.language import detect_script
from bot.domain.messages import Outbound
from bot.evaluation.cases import Case, Expect
from knowledge.models import PolicyDoc, Product
from knowledge.traditional import script_evidence
from knowledge.traditional import to_simplified as _to_simplified

SHINGLE = 10  # characters of policy text a reply must repeat to count as quoting it
HANDOFF_MARKERS = ("/human", "人工客服", "转人工", "客服同事", "a colleague", "a person", "human")
UNKNOWN_MARKERS = (
    "没有",
    "暂无",
    "不卖",
    "没找到",
    "找不到",
    "未找到",
    "没查到",
    "没有列出",
    "未标注",
    "没写",
    "don't have",
    "do not have",
    "don't sell",
    "do not sell",
    "don't carry",
    "doesn't list",
    "does not list",
    "doesn't say",
    "does not say",
    "not listed",
    "no information",
    "couldn't find",
    "could not find",
    "nothing that matches",
    "don't list",
    "isn't listed",
    "is not listed",
)
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "pending": (
        "待付款",
        "未付款",
        "还没付款",
        "未支付",
        "unpaid",
        "awaiting payment",
        "not been paid",
        "pending",
    ),
    "paid": ("已付款", "已支付", "待发货", "paid", "not shipped yet", "hasn't shipped", "has not shipped"),
    "shipped": ("已发货", "运输中", "在路上", "shipped", "in transit", "on its way"),
    "delivered": ("已签收", "已送达", "签收", "delivered"),
    "cancelled": ("已取消", "取消", "cancelled", "canceled"),
    "refunded": ("已退款", "退款", "refunded", "refund"),
}
_MONEY = (
    regex.compile(r"(US\$|HK\$|¥|￥|\$|€|£)\s?(\d[\d,]*(?:\.\d+)?)"),
    regex.compile(
        r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)\s?(元|块(?!\p{Han})|yuan|CNY|RMB|USD|美元|dollars?)(?![A-Za-z])",
        regex.I,
    ),
)
_SYMBOL_CURRENCY = {"¥": "CNY", "￥": "CNY", "$": "USD", "US$": "USD", "HK$": "HKD", "€": "EUR", "£": "GBP"}
_WORD_CURRENCY = {"元": "CNY", "块": "CNY", "yuan": "CNY", "cny": "CNY", "rmb": "CNY", "usd": "USD"}
_OUT_OF_STOCK = re.compile(r"缺货|无货|售罄|卖完|没货|out of stock|sold out", re.I)
_IN_STOCK = re.compile(r"(?<!没)有货|有现货|库存充足|in stock|available now", re.I)
_LEFT = re.compile(r"(?:仅剩|只剩|还剩)\s?(\d+)\s?件|only (\d+) left", re.I)
_ASKS_PRICE_OR_STOCK = re.compile(
    r"多少钱|价格|价钱|几块|有货|库存|还有吗|现货|能买吗|how much|price|cost|in stock|available|sold out",
    re.I,
)
_NOT_IN_STOCK = re.compile(r"(?:不|没|not|isn't|is not)\S{0,3}\s?(?:有货|in stock)", re.I)


def to_simplified(text: str) -> str:
    """The text in Simplified script (knowledge.traditional)."""
    return _to_simplified(text)[0]


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str


def money_in(text: str) -> list[Amount]:
    """Every money amount stated in `text` with its currency (¥1899.00, 299.99 USD, 79元, $12.99)."""
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    for number, rx in enumerate(_MONEY):
        for m in rx.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            symbol, raw = (m.group(1), m.group(2)) if number == 0 else (m.group(2), m.group(1))
            currency = _SYMBOL_CURRENCY.get(symbol) or _WORD_CURRENCY.get(symbol.lower(), "USD")
            try:
                found.append(Amount(Decimal(raw.replace(",", "")), currency))
            except InvalidOperation:
                continue
            taken.append(m.span())
    return found


class CatalogNames:
    """Finds the catalog products a text names, by SKU or full title, in order of appearance."""

    def __init__(self, products: Iterable[Product]) -> None:
        self.products = {p.sku: p for p in products}
        by_length = sorted(self.products.values(), key=lambda p: -len(p.title))
        self._titles = [(p.title.lower(), p.sku) for p in by_length if len(p.title) >= 4]
        skus = sorted(self.products, key=len, reverse=True)
        self._sku_rx = (
            re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, skus)) + r")(?![A-Za-z0-9])")
            if skus
            else None
        )

    def without_titles(self, text: str) -> str:
        """The text with every full catalog title blanked (titles carry their own digits and scripts)."""
        lowered = text.lower()
        out = list(text)
        for title, _ in self._titles:
            start = lowered.find(title)
            while start >= 0:
                out[start : start + len(title)] = " " * len(title)
                start = lowered.find(title, start + len(title))
        return "".join(out)

    def named(self, text: str) -> list[str]:
        """SKUs named in `text`, first appearance first (a title inside a longer named title is not counted)."""
        lowered = text.lower()
        spans: list[tuple[int, int, str]] = []
        for title, sku in self._titles:
            start = lowered.find(title)
            while start >= 0:
                end = start + len(title)
                if not any(start < e and s < end for s, e, _ in spans):
                    spans.append((start, end, sku))
                start = lowered.find(title, end)
        if self._sku_rx is not None:
            spans += [(m.start(), m.end(), m.group(1)) for m in self._sku_rx.finditer(text)]
        return list(dict.fromkeys(sku for _, _, sku in sorted(spans)))


@dataclass(frozen=True)
class Observed:
    """The last reply as the customer sees it."""

    text: str  # as sent
    simplified: str  # Chinese folded to Simplified, for matching
    card_skus: tuple[str, ...]
    shown: tuple[str, ...]  # cards first, then products named in the text
    handoff_opened: bool
    script: str
    outbounds: tuple[Outbound, ...] = field(default_factory=tuple)
    chat_id: str = ""  # the customer's chat (outbounds to other chats go to staff)

    @property
    def handoff_offered(self) -> bool:
        lowered = self.simplified.lower()
        return self.handoff_opened or any(marker in lowered for marker in HANDOFF_MARKERS)


def observe(outbounds: Sequence[Outbound], chat_id: str, names: CatalogNames) -> Observed:
    """Read the customer-facing part of one turn's outbounds (several messages are read as one reply)."""
    mine = [o for o in outbounds if o.chat_id == chat_id]
    text = "\n".join(o.text for o in mine if o.text)
    simplified = to_simplified(text)
    cards = tuple(dict.fromkeys(c.sku for o in mine for c in o.cards))
    named = [sku for sku in names.named(simplified) if sku not in cards]
    return Observed(
        text=text,
        simplified=simplified,
        card_skus=cards,
        shown=(*cards, *named),
        handoff_opened=any(o.chat_id != chat_id for o in outbounds),
        script=_script(text, simplified, names),
        outbounds=tuple(outbounds),
        chat_id=chat_id,
    )


def _script(text: str, simplified: str, names: CatalogNames) -> str:
    """The reply's script, judged without the catalog titles it quotes (an English reply names Chinese titles)."""
    if not text.strip():
        return ""
    if len(simplified) == len(text):  # blank the titles found in the Simplified form, at the same places
        blanked = names.without_titles(simplified)
        text = "".join(c if b != " " or c == " " else " " for c, b in zip(text, blanked, strict=True))
    script = detect_script(text)
    if script != "en" and script_evidence(text) == (0, 0):
        return "zh"  # no character that only one script writes ("防水：5ATM"): either script reads it
    return script


class PolicyQuotes:
    """Which policy topics a reply quotes: the topic's title, or a run of SHINGLE characters of its text."""

    def __init__(self, docs: Iterable[PolicyDoc]) -> None:
        self._titles: dict[str, set[str]] = {}
        self._shingles: dict[str, set[str]] = {}
        for doc in docs:
            self._titles.setdefault(doc.topic, set()).add(doc.title.lower())
            shingles = self._shingles.setdefault(doc.topic, set())
            for line in doc.text.splitlines():
                body = re.sub(r"\*\*(.+?)\*\*", r"\1", line).strip(" -•*#").lower()
                shingles.update(body[i : i + SHINGLE] for i in range(max(0, len(body) - SHINGLE + 1)))

    def quoted(self, simplified: str) -> set[str]:
        lowered = simplified.lower()
        grams = {lowered[i : i + SHINGLE] for i in range(max(0, len(lowered) - SHINGLE + 1))}
        return {
            topic
            for topic in self._titles
            if any(title in lowered for title in self._titles[topic]) or grams & self._shingles[topic]
        }


def _contains(observed: Observed, needle: str) -> bool:
    """Case-insensitive, in either script — except a needle with Traditional-only characters ("爲", "裏"),
    which is looked for as written (it checks the reply's script variant itself)."""
    wanted = needle.lower()
    if script_evidence(needle)[0] > 0:
        return wanted in observed.text.lower()
    return wanted in observed.text.lower() or to_simplified(wanted) in observed.simplified.lower()


def says_unknown(simplified: str) -> bool:
    lowered = simplified.lower().replace("有没有", "")
    return any(marker in lowered for marker in UNKNOWN_MARKERS)


def _price_ok(product: Product, bound: Decimal, currency: str, *, upper: bool) -> bool:
    if product.price is None or product.currency.upper() != currency:
        return False
    return product.price <= bound if upper else product.price >= bound


def check(case: Case, observed: Observed, catalog: Mapping[str, Product], quotes: PolicyQuotes) -> list[str]:
    """Every failed check of `case` on the observed last reply, as readable reasons (empty = passed)."""
    e: Expect = case.expect
    shown = list(observed.shown)
    reasons: list[str] = []
    if e.skus_any and not set(e.skus_any) & set(shown):
        reasons.append(f"none of {list(e.skus_any)} shown (shown {shown[:6]})")
    missing = [s for s in e.skus_all if s not in shown]
    if missing:
        reasons.append(f"{missing} not shown (shown {shown[:6]})")
    if e.top_sku and (not shown or shown[0] != e.top_sku):
        reasons.append(f"top product {shown[0] if shown else None}, expected {e.top_sku}")
    banned = [s for s in e.skus_none if s in shown]
    if banned:
        reasons.append(f"must not show {banned}")
    if e.only_categories:
        off = [s for s in shown if not any(c in catalog[s].category for c in e.only_categories)]
        if off:
            reasons.append(f"outside {list(e.only_categories)}: {off}")
    if e.no_products and observed.card_skus:
        reasons.append(f"product cards shown: {list(observed.card_skus)}")
    for bound, upper in ((e.max_price, True), (e.min_price, False)):
        if bound is None:
            continue
        off = [s for s in shown if not _price_ok(catalog[s], bound.amount, bound.currency, upper=upper)]
        if off:
            reasons.append(f"{'over' if upper else 'under'} {bound.amount} {bound.currency}: {off}")
    if e.policy and not set(e.policy) & quotes.quoted(observed.simplified):
        reasons.append(f"no quote of policy {list(e.policy)}")
    if e.handoff is not None and observed.handoff_offered != e.handoff:
        reasons.append("no human offered" if e.handoff else "a human offered/opened")
    if e.handoff_opened is not None and observed.handoff_opened != e.handoff_opened:
        reasons.append("no human request opened" if e.handoff_opened else "a human request opened unasked")
    if e.says_unknown and not says_unknown(observed.simplified):
        reasons.append("does not say it is not known/sold")
    if e.contains_any and not any(_contains(observed, s) for s in e.contains_any):
        reasons.append(f"contains none of {list(e.contains_any)}")
    absent = [s for s in e.contains_all if not _contains(observed, s)]
    if absent:
        reasons.append(f"missing {absent}")
    present = [s for s in e.not_contains if _contains(observed, s)]
    if present:
        reasons.append(f"must not contain {present}")
    either = observed.script == "zh" and e.script in ("hans", "hant")
    if e.script and observed.script != e.script and not either:
        reasons.append(f"script {observed.script or 'none'}, expected {e.script}")
    if e.script in ("hans", "hant"):
        reasons += _card_script(observed, e.script)
    if e.order_fact is not None:
        words = STATUS_WORDS.get(e.order_fact.status, (e.order_fact.status,))
        lowered = observed.simplified.lower()
        if e.order_fact.order_id.lower() not in lowered or not any(w.lower() in lowered for w in words):
            reasons.append(f"order {e.order_fact.order_id} status {e.order_fact.status} not stated")
    return reasons


def _card_script(observed: Observed, expected: str) -> list[str]:
    """Cards and buttons follow the reply's script too: a zh-Hant customer is shown no Simplified-only
    character on a card title, summary or button label (and a zh-Hans customer no Traditional-only one)."""
    mine = [o for o in observed.outbounds if o.chat_id == observed.chat_id]
    shown = [c.title for o in mine for c in o.cards] + [c.summary for o in mine for c in o.cards]
    shown += [b.label for o in mine for b in o.buttons] + [
        b.label for o in mine for c in o.cards for b in c.buttons
    ]
    wrong = []
    for text in shown:
        traditional, simplified = script_evidence(text)
        if (simplified if expected == "hant" else traditional) > 0:
            wrong.append(text[:30])
    return [f"cards/buttons not in {expected}: {wrong[:3]}"] if wrong else []


def _own_prices(products: Sequence[Product]) -> set[Amount]:
    return {Amount(p.price, p.currency.upper()) for p in products if p.price is not None}


def _allowed_amounts(products: Sequence[Product]) -> set[Amount]:
    prices = [Amount(p.price, p.currency.upper()) for p in products if p.price is not None]
    diffs = {
        Amount(abs(a.value - b.value), a.currency)
        for a in prices
        for b in prices
        if a.currency == b.currency and a.value != b.value
    }
    return set(prices) | diffs


def grounding_errors(
    case: Case,
    observed: Observed,
    catalog: Mapping[str, Product],
    policy_amounts: set[Amount],
    customer_text: str,
) -> list[str]:
    """Wrong prices, contradicted stock claims and price/stock answers about another product (see module doc)."""
    errors: list[str] = []
    named_all = [catalog[s] for s in observed.shown if s in catalog]
    customer_amounts = set(money_in(to_simplified(customer_text)))
    allowed = _allowed_amounts(named_all) | policy_amounts | customer_amounts
    diffs = _allowed_amounts(named_all)
    customer_numbers = {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", customer_text)}
    names = CatalogNames(catalog.values())
    last = next((t.text for t in reversed(case.turns) if t.text), "")
    asked = case.expect.asked_skus() if _ASKS_PRICE_OR_STOCK.search(to_simplified(last)) else frozenset()
    first_claim_checked = False
    for line in observed.simplified.splitlines():
        in_line = [catalog[s] for s in names.named(line)]
        amounts = money_in(names.without_titles(line))
        for amount in amounts:
            if len(in_line) == 1:  # a line about one product may state its price, a difference, the budget
                own = _allowed_amounts(in_line) | (diffs - _own_prices(named_all)) | customer_amounts
            else:
                own = allowed
            if amount in own or (len(in_line) != 1 and amount.value in customer_numbers):
                continue
            errors.append(f"price {amount.value} {amount.currency} not in the catalog: {line[:80]}")
        left = _LEFT.search(line)
        out = bool(_OUT_OF_STOCK.search(line))
        has = bool(_IN_STOCK.search(line)) and not _NOT_IN_STOCK.search(line)
        if len(in_line) == 1 and (out or has or left):
            stock = in_line[0].stock
            if left and stock != int(left.group(1) or left.group(2)):
                errors.append(f"stock count wrong for {in_line[0].sku}: {line[:80]}")
            elif out and not left and stock != 0:
                errors.append(f"'out of stock' wrong for {in_line[0].sku}: {line[:80]}")
            elif has and not out and not (stock or 0) > 0:
                errors.append(f"'in stock' wrong for {in_line[0].sku}: {line[:80]}")
        if asked and in_line and (amounts or out or has or left) and not first_claim_checked:
            first_claim_checked = True
            if in_line[0].sku not in asked and len(in_line) == 1:
                errors.append(f"price/stock answer about {in_line[0].sku}, asked {sorted(asked)}")
    return errors


def policy_amounts(docs: Iterable[PolicyDoc]) -> set[Amount]:
    """Money figures the policies state (¥99 free shipping …): a reply quoting them is grounded."""
    return {amount for doc in docs for amount in money_in(doc.text)}
