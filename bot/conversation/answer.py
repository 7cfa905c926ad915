"""From an understood message to a grounded reply: retrieval, the offline composer, then the LLM (if any).

The composer always builds the reply first (its cards and the products to remember are deterministic);
with an LLM configured the text is regenerated from the same facts, checked by `bot.conversation.grounding`,
regenerated once with a stricter prompt on a violation, and otherwise left as the composer wrote it.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

import regex

from bot.conversation import contrasts, policy_scope, size_advice
from bot.conversation.asks import asked_attribute_words
from bot.conversation.attribute_answers import as_boolean, mentions
from bot.conversation.claims.quote import quotable
from bot.conversation.compatibility import asks_compatibility, in_attributes, stated, thing_beside
from bot.conversation.composer import MAX_CARDS, OfflineComposer, Reply
from bot.conversation.conversion import Conversion, conversion_asked, price_conversion_asked
from bot.conversation.gifts import (
    GiftRequest,
    asked_age,
    browse_request,
    budget_picks,
    fits_age,
    gift_picks,
    gift_request,
    hobby_likes,
    is_gift_word,
    names_occasion,
    shop_kinds,
)
from bot.conversation.goals import goal_kinds, goals_in, kind_spellings
from bot.conversation.grounding import (
    GroundingFacts,
    Violation,
    amounts,
    check_llm_reply,
    linked,
    without_sentences,
)
from bot.conversation.intents import PRODUCT_ASK_RX, RECOMMEND_RX, SIZE_ADVICE_RX, Intent
from bot.conversation.issue_followup import with_issue
from bot.conversation.issue_words import with_policy_words
from bot.conversation.kind_words import english_kinds
from bot.conversation.kinds import (
    KindCatalog,
    budget_currency,
    forms,
    has_word,
    in_category,
    kind_match,
    named_as,
    root_match,
    titled_as_other,
    titled_as_other_kind,
    titled_kind,
)
from bot.conversation.ordering import (
    bounds_in,
    fits_people,
    has_measure,
    is_ordering_word,
    people_wanted,
    stated_measures,
)
from bot.conversation.placement import run_step
from bot.conversation.plurals import plural_phrase
from bot.conversation.policy_scope import CatalogWords, ItemCategories
from bot.conversation.profile import rerank
from bot.conversation.prompting import ChatPrompts, answer_values, rewrite_query, violations_note
from bot.conversation.refinements import sized_from
from bot.conversation.regions import about_region, asked_region, region_words
from bot.conversation.shop_range import asks_open_recommendation, asks_shop_range, shop_example, shop_range
from bot.conversation.size_miss import size_filter, sizes_offered
from bot.conversation.store import ChatState, Turn
from bot.conversation.understanding import ANY_PRODUCT, Understanding, has_yes
from bot.domain import telemetry
from bot.domain.errors import LLMUnavailable
from bot.domain.messages import ReplyProgress
from bot.domain.protocols import ChatModel
from bot.privacy.redaction import DEFAULT_ORDER_PATTERN
from knowledge.compatible import devices_in, fits
from knowledge.gender import is_gender_key
from knowledge.models import PolicyDoc, PolicyHit, Product, QueryFilters, SearchHit
from knowledge.money import NO_RATES, ExchangeRates, round_cents
from knowledge.policies import bullets_of
from knowledge.policy_search import Bullet
from knowledge.policy_terms import PolicyTerms
from knowledge.prices import parse_price
from knowledge.protocols import ProductIndex
from knowledge.ranking import describe_filters, passing
from knowledge.resources import is_function_word, normalise_english, normalise_text
from knowledge.script import HAN, has_han, is_han
from knowledge.traditional import to_simplified

log = logging.getLogger(__name__)
_CJK = regex.compile(r"\p{Han}")
_FOR_USE = re.compile(r"(?:时|的时候)?用(?:的|来)?")


def names_purpose(word: str, clause: str) -> bool:
    """The word says what the thing asked is FOR, not what it is: it stands right before 用/用的/用来 ("写生用的
    东西", "考试用的笔", "浇水用的"); the kind, if any, follows it."""
    at = clause.find(word)
    return at >= 0 and _FOR_USE.match(clause, at + len(word)) is not None


_SELLS = re.compile(
    r"卖不卖|有没有卖|有卖|在卖|卖吗|你们卖|店里卖|出售|do you (?:sell|carry|stock|have)|\bsell(?:s|ing)?\b|"
    r"^(?:u\s+|you\s+)?got\s+any\b|\b(?:u|ya|you guys)\s+(?:got|have|carry|stock)\b",  # "got any …?", "u have …?"
    re.IGNORECASE,
)
_SHOPPING = re.compile(f"{RECOMMEND_RX.pattern}|{PRODUCT_ASK_RX.pattern}|{_SELLS.pattern}", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_CHILD_AGE = 14  # "5岁": a child, whose things say their ages
_SIZE_WORD = re.compile(r"尺码|码数|号型|\bsizes?\b", re.I)
_ASKS_DAYS = re.compile(r"几天|多久|多长时间|多少天|\bhow long\b|\bhow many days\b", re.I)  # a delivery time
# a size guide by body measure (a policy that says which size fits which height, waist …)
_BODY_WORD = re.compile(r"身高|体重|腰围|胸围|头围|脚长|\b(height|weight|waist|chest)\b", re.I)
# how long a parcel takes to reach the customer ("我在成都，锅寄过去要几天", "发过来要多久"): the shipping policy's
_DELIVERY_ASK = re.compile(
    r"(?<!退)(寄|发|送|运|邮)(过去|过来|到家|到)[^，。？?!！]{0,8}(几天|多久|多长时间)"
    r"|(几天|多久|多长时间)(能|才能|可以)?(到货|送到|寄到|收到)|\bhow long\b.{0,30}\b(ship|deliver|arrive)",
    re.I,
)


def _said_of(product: Product) -> str:
    """Everything a product's own text says: title, tags, attribute values and description, lower case."""
    values = " ".join(product.attributes.values())
    return f"{product.title} {' '.join(product.tags)} {values} {product.description}".lower()


# one Han character glued after the request's last word and before its end ("咖啡桌吗"): a compound jieba cut
_GLUED_HEAD = regex.compile(
    rf"(?![的吗呢嘛么吧啊呀了哦哈是有卖没要买用和跟与或也都还就在个款只双件台套支瓶些点吧])({HAN})(?=[吗呢嘛么吧啊呀？?。！!，,\s]|$)"
)
_RETURN_ASK = re.compile(
    r"(能|可以|可不可以|能不能|让)退|退吗|退不退|(能|可以|能不能)换|换吗|\b(can|could) i (return|exchange)\b",
    re.I,
)
_DIRECT_ASKS = frozenset({"price", "stock", "size", "colour"})
_FACT_ASKS = frozenset({"stock", "size", "colour", "duration"})  # asked of the one product a search finds
_QUESTION_END = re.compile(r"[吗么]\s*[?？]?\s*$|[?？]\s*$|有没有")  # "有蓝色吗": a yes/no question
DRAFT_INTERVAL_S = 1.0  # at most one draft per second; a reply ready within a second gets none


_QUESTION_WORD = re.compile(r"多[久少大长重高宽厚沉远]|几[个天年岁克升]|怎么样?|什么|为什么|哪里|哪个")


class PolicyLookup(Protocol):
    @property
    def docs(self) -> list[PolicyDoc]: ...

    @property
    def terms(self) -> PolicyTerms: ...

    def find(self, text: str, language: str = "zh", k: int = 2) -> list[PolicyDoc]: ...

    def find_bullets(
        self,
        text: str,
        language: str = "zh",
        k: int = 3,
        *,
        vector: object | None = None,
        min_relevance: float | None = None,
        topics: Sequence[str] = (),
    ) -> list[PolicyHit]: ...


@dataclass
class TurnContext:
    """Everything one message's answer may use."""

    text: str
    lang: str
    state: ChatState
    shown: list[Product]
    history: list[Turn] = field(default_factory=list)
    interests: list[tuple[str, float]] = field(default_factory=list)
    progress: ReplyProgress | None = None
    issue: str = ""  # the after-sales/policy issue `text` follows up ("面霜瓶子碎了" before "运费谁出")
    context: str = ""  # how the customer described themselves ("我是高个子"): for the LLM, not for search
    region: str = ""  # a place outside mainland China the message names ("港澳台", "海外": `regions`), if any
    # The whole message when `text` is one part of it (`multi_questions`): the truth guard reads the customer's
    # premises in all of it ("多少钱，是终身保修吧？" → a "对，没问题" in the price part agrees to the warranty).
    whole: str = ""


@dataclass
class Answer:
    reply: Reply
    docs: list[PolicyDoc] = field(default_factory=list)
    hits: list[SearchHit] = field(default_factory=list)
    source: str = "composer"  # composer | llm


def _same_kind_as_named(products: list[Product], filters: QueryFilters) -> list[Product]:
    """The closest products to a named product the shop lacks ("AirPods Max", "Pixel Watch 3"): of the kind or
    brand the message names, else of the closest one's category — never another kind that shares a word
    ("Max" in a running shoe's text)."""
    if not products:
        return products
    if filters.category:
        wanted = filters.category.strip("/")
        return [p for p in products if p.category == wanted or p.category.startswith(wanted + "/")]
    if (
        filters.brand
    ):  # "Dyson V15": the brand's products of the closest one's kind (its vacuums, not its fans)
        products = [p for p in products if p.brand.lower() == filters.brand.lower()]
    return [p for p in products if p.category == products[0].category] if products else products


def _budgeted(u: Understanding) -> bool:
    """The search has a price bound ("500以内", "好几千")."""
    return u.filters.min_price is not None or u.filters.max_price is not None


# an order number as the privacy layer recognises one ("订单号 XE20261127001", a 12+ digit number) or its mark
_ORDER_NUMBER = re.compile(rf"{DEFAULT_ORDER_PATTERN}|\[order\]")


def _sizes_of(product: Product) -> list[str]:
    """The sizes `product` comes in (its size attribute's values), or none."""
    key = size_filter(product.attributes)
    return sizes_offered([product], key[0]) if key else []


def _filters_only(u: Understanding) -> bool:
    """A search with a currency to be priced in and no word naming what kind of product."""
    return not u.search_text.strip() and "currency" in u.filters.attributes


def spread_kinds(hits: list[SearchHit], category: str) -> list[SearchHit]:
    """A department asked for ("运动鞋" over 运动鞋/跑步鞋 and 运动鞋/篮球鞋): its kinds taken in turn, each in its
    own order, so the first few picks span the kinds; a search of one kind comes back unchanged."""
    root = category.strip("/")
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.product.category, []).append(hit)
    if len(groups) < 2 or any(not c.startswith(root + "/") for c in groups):
        return hits
    spread: list[SearchHit] = []
    for row in itertools.zip_longest(*groups.values()):
        spread += [h for h in row if h is not None]
    return spread


def cheapest_first(hits: list[SearchHit], *, descending: bool = False) -> list[SearchHit]:
    """Hits sorted by price, cheapest first (`descending`: dearest first), within the main currency of the
    hits; another currency and unpriced products follow in their search order (never compared as numbers)."""
    currencies = [h.product.currency.upper() for h in hits if h.product.price is not None]
    main = max(dict.fromkeys(currencies), key=currencies.count) if currencies else ""

    def key(h: SearchHit) -> tuple[int, object]:
        priced = h.product.price is not None and h.product.currency.upper() == main
        price = h.product.price if priced and h.product.price is not None else 0
        return (0, -price if descending else price) if priced else (1, 0)

    return sorted(hits, key=key)


# A price question inside a policy question ("多少钱", "how much", "price").
PRICE_QUESTION = re.compile(r"多少钱|什么价|价格|价钱|售价|how\s+much|\bprice\b|\bcosts?\b", re.I)


# asking for advice ("新入职要布置工位，有什么推荐"): with no catalog word in it, a question back, not a 'none'
_ASKS_ADVICE = re.compile(r"推荐|有什么|有啥|买什么|需要(?:买)?什么|该买|怎么选|建议|recommend|suggest", re.I)


def understood_text(u: Understanding | None, state: ChatState) -> str:
    """What the conversation layer resolved, for the LLM prompt (data, one fact per line)."""
    if u is None:
        return "policy question"
    lines = [f"intent: {u.intent.value}"]
    if u.targets:
        lines.append("about: " + "; ".join(f"{p.sku} {p.title}" for p in u.targets))
    if u.intent is Intent.COMPARISON and len(u.targets) >= 2:
        lines.append("compare exactly these two products")
    if u.ordering is not None:
        side = "largest" if u.ordering.descending else "smallest"
        lines.append(f"rank by {u.ordering.attribute}, {side} first")
    if not u.search.is_empty():
        lines.append(f"search: {u.search.text} | filters: {describe_filters(u.search.filters)}")
    if u.filters.has_exclusions():
        lines.append(f"excluded: {describe_filters(u.filters.exclusions_only())}")
    if u.missing:
        lines.append(f"not in the catalog: {u.missing}")
    if state.dialogue.compared:
        lines.append("compared before: " + ", ".join(state.dialogue.compared))
    return "\n".join(lines)


class Drafts:
    """Forward a streamed reply to the channel as drafts, throttled by time: at most one draft per
    `interval_s` (seconds on `clock`, counted from the start of the reply, so a reply that is ready within
    `interval_s` gets no draft at all), and only whole sentences that pass the grounding check.

    The final reply is never a draft: it is sent by the channel when the answer is done, whatever was
    drafted. A draft that fails the grounding check stops the drafts of this reply.
    """

    def __init__(
        self,
        progress: ReplyProgress | None,
        facts: GroundingFacts,
        *,
        interval_s: float = DRAFT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.progress, self.facts, self.interval_s, self.clock = progress, facts, interval_s, clock
        self.sent, self.blocked, self.count = "", False, 0
        self._last = clock()

    async def on_text(self, text: str) -> None:
        """Streaming callback (`text` is the reply so far)."""
        if self.progress is None or self.blocked:
            return
        now = self.clock()
        if now - self._last < self.interval_s:
            return
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        prefix = text[: ends[-1]].strip() if ends else ""
        if not prefix or prefix == self.sent:
            return
        if check_llm_reply(prefix, self.facts):
            self.blocked = True
            return
        self.sent, self._last, self.count = prefix, now, self.count + 1
        await self.progress.draft(prefix)


class Answerer:
    def __init__(
        self,
        index: ProductIndex,
        composer: OfflineComposer,
        policies: PolicyLookup | None,
        llm: ChatModel | None,
        prompts: ChatPrompts | None,
        rates: ExchangeRates = NO_RATES,
    ) -> None:
        self.index, self.composer, self.policies, self.llm, self.prompts = (
            index,
            composer,
            policies,
            llm,
            prompts,
        )
        self.rates = rates  # XIAOER_EXCHANGE_RATES: a budget in one currency admits prices in another only through these
        self.violations = 0
        self.draft_clock: Callable[[], float] = time.monotonic  # drafts' clock (tests step it by hand)
        self.parser_vocabulary: object | None = (
            None  # the catalog vocabulary (attribute values), set by the core
        )
        self.generic: Callable[[str], bool] | None = None  # "is this word a kind of product?" (mention index)
        self._catalog_words: tuple[tuple[int, object], CatalogWords] | None = None
        self._kinds: tuple[tuple[int, object], KindCatalog] | None = None
        self.known_word: Callable[[str], bool] | None = (
            None  # "is this word the catalog's own?" (tags, values)
        )
        self.names_category: Callable[[str], str | None] | None = None  # "数码产品" → 数码: a department word

    async def policy_lines(
        self, ctx: TurnContext, intent: Intent, vector: object = None, k: int = 2, *, composed: bool = False
    ) -> Answer:
        """After-sales, order-status, contact and policy questions answered with the matching policy lines.
        `composed`: the composer's lines only, no LLM (a side question answered beside another answer)."""
        topics = {
            Intent.AFTER_SALES: ("warranty", "returns"),
            Intent.ORDER_STATUS: ("shipping",),
            Intent.CONTACT: ("contact",),
        }.get(intent, ())
        lang = ctx.lang
        if self.policies is None:
            return await self.policy(ctx)
        about = with_issue(
            ctx.text, ctx.issue
        )  # the issue says which item and problem; the text what is asked
        if intent is Intent.POLICY:
            topics = tuple(d.topic for d in self.policies.find(about, lang))
            if ctx.issue:  # "运费谁付" after "退货要怎么办理": the return's postage, not the delivery fees
                topics = tuple(d.topic for d in self.policies.find(ctx.issue, lang))[:1] or topics
            elif not topics and SIZE_ADVICE_RX.search(ctx.text):
                # "165/88A是什么码": the policies that speak about sizes (a size guide; else the size-exchange
                # rule of the returns policy), ranked by meaning below
                topics = tuple(
                    dict.fromkeys(d.topic for d in self.policies.docs if _SIZE_WORD.search(d.text))
                )
            elif (
                _DELIVERY_ASK.search(ctx.text)
                and not _RETURN_ASK.search(ctx.text)
                and any(d.topic == "shipping" for d in self.policies.docs)
            ):  # "我人在哈尔滨，电饭煲发过来要多久": the delivery times, whatever product word the message has
                topics = ("shipping", *(t for t in topics if t != "shipping"))
            elif _RETURN_ASK.search(ctx.text) and any(d.topic == "returns" for d in self.policies.docs):
                # "尺码不合适能退吗": whatever else the message names (a size guide), it asks for a return
                topics = ("returns", *(t for t in topics if t != "returns"))
        asked = with_policy_words(ctx.text)
        if intent in (Intent.AFTER_SALES, Intent.POLICY) and policy_scope.caused_by_customer(about):
            asked = f"{asked} {policy_scope.CAUSE_WORDS['en' if lang == 'en' else 'zh']}"  # the exclusions
        find = functools.partial(
            self.policies.find_bullets,
            asked,
            lang,
            max(k, 8),  # candidates: the item's own bullet may rank below another category's
            vector=vector,
            min_relevance=0,  # the route already says this asks about the policies: rank, do not gate
            topics=topics,
        )
        # once the bullet index is built, ranking a shop's few policy bullets costs less than a thread hand-off
        found = find() if getattr(self.policies, "bullets_built", False) else await asyncio.to_thread(find)
        # the catalog's words once built are a lookup: cheaper on the loop than a thread hand-off
        catalog = self._built_catalog_words()
        if catalog is None:
            catalog = await asyncio.to_thread(self.catalog_words)
        item = self._item(replace(ctx, text=about), catalog)
        text = about if intent is Intent.AFTER_SALES else ""
        twins = policy_scope.bullet_twins(tuple(self.policies.docs))
        found = policy_scope.pick(found, text, item, catalog, k, twins)
        region = ctx.region or asked_region(ctx.text)
        if region and (intent is Intent.ORDER_STATUS or any(h.topic == "shipping" for h in found)):
            regional = await self._regional_bullets(region, lang)
            if (
                not regional
            ):  # the policy says nothing about shipping there: no mainland term as if it applied
                names = dict(
                    pair.split("=", 1) for pair in self.composer.say("policy_region_names", lang).split("|")
                )
                line = self.composer.say("policy_region_none", lang, region=names.get(region, region))
                return (
                    Answer(Reply(line)) if composed else await self._llm(ctx, Answer(Reply(line)), [], None)
                )
            found = [*regional, *(h for h in found if h.topic != "shipping")][: max(k, len(regional))]
        if not region and found and found[0].topic == "shipping" and _ASKS_DAYS.search(ctx.text):
            # "发新疆要几天": the bullet with the delivery windows answers it, whatever else the place matched
            best = self._delivery_bullet(lang)
            if best is not None and all(h.text != best.text for h in found):
                hit = PolicyHit(best.topic, best.title, best.text, best.language, 0.0, best.label, best.index)
                found = [hit, *found][: max(k, 2)]
        if not found:
            return Answer(Reply("", answered=False)) if composed else await self.policy(ctx)
        problem = intent is not Intent.AFTER_SALES or not policy_scope.asks_term_only(about)
        intro = {  # a term asked about ("保修多久", "is there a lifetime warranty?") gets no apology
            Intent.AFTER_SALES: "after_sales_intro" if problem else "after_sales_terms_intro",
            Intent.ORDER_STATUS: "order_status_intro",
            Intent.CONTACT: "contact_intro",
        }.get(intent)
        if intro is None:
            title = found[0].title
            lines = [self.composer.say("policy_intro", lang, title=title), *(f"- {b.text}" for b in found)]
            lines.append(self.composer.say("policy_outro", lang))
            reply = Reply("\n".join(lines))
        else:  # "我的快递到哪了？订单号 XE…": the number is given, never asked for again
            numbered = intro == "order_status_intro" and _ORDER_NUMBER.search(ctx.text) is not None
            reply = self.composer.after_sales(found, lang, intro, numbered=numbered)
        if PRICE_QUESTION.search(ctx.text):  # "Pegasus 41 多少钱？可以90天退货吗": the price too
            priced = self.composer.listed_prices(self._named(ctx.text) or self._branded(ctx.text), lang)
            reply = replace(reply, text=f"{priced}\n{reply.text}") if priced else reply
        docs = [
            d for d in (self.policies.docs if self.policies else []) if d.topic in {b.topic for b in found}
        ]
        if composed:
            return Answer(reply, docs=docs)
        return await self._llm(ctx, Answer(reply, docs=docs), [], None)

    def own_warranty_lines(self, text: str, lang: str) -> list[str]:
        """Blocking: the warranty bullet scoped to the item `text` names ("收到的鞋子开线了" → "鞋服、床品：签收后 30 天内
        出现开胶、断线…"), as one "- …" line; [] when the item or such a bullet is unknown. Source: the policies."""
        if self.policies is None:
            return []
        catalog = self.catalog_words()
        item = catalog.item(text)
        if not item.paths:
            return []
        hits = self.policies.find_bullets(
            with_policy_words(text), lang, 8, min_relevance=0, topics=("warranty",)
        )
        twins = policy_scope.bullet_twins(tuple(self.policies.docs))
        return [f"- {h.text}" for h in policy_scope.own_bullets(hits, item, catalog, twins)[:1]]

    def delivery_time_lines(self, lang: str) -> list[str]:
        """Blocking: the shipping bullet that states the delivery windows, as one "- …" line: of the shipping
        bullets, the one naming most of the regions the policy's `delivery_regions` declare ([] when it declares
        none). Source: the shipping policy (its text and front matter)."""
        best = self._delivery_bullet(lang)
        return [f"- {best.text}"] if best is not None else []

    def _delivery_bullet(self, lang: str) -> Bullet | None:
        """The shipping bullet naming most (two or more) of the regions the policy's `delivery_regions` declare,
        in `lang`; None when it declares none."""
        shipping = self.policies.terms.shipping if self.policies is not None else None
        if self.policies is None or shipping is None or not shipping.delivery_regions:
            return None
        names = [n for r in shipping.delivery_regions for n in (r.name, r.name_en) if n]
        bullets = [
            b
            for d in self.policies.docs
            if d.topic == "shipping"
            for b in bullets_of(d)
            if b.language == lang
        ]
        count = {b.text: sum(n.lower() in b.text.lower() for n in names) for b in bullets}
        best = max(bullets, key=lambda b: count[b.text], default=None)
        return best if best is not None and count[best.text] >= 2 else None

    async def _regional_bullets(self, region: str, lang: str) -> list[PolicyHit]:
        """The shipping bullets that speak about `region` ("港澳台及海外：暂不支持配送"), best first."""
        assert self.policies is not None
        query = " ".join(region_words(region)[:8])
        hits = await run_step(
            self.policies.find_bullets, query, lang, 12, min_relevance=0, topics=("shipping",)
        )
        return [h for h in hits if about_region(h.text, region)][:2]

    def catalog_words(self) -> CatalogWords:
        """Category and tag words of the catalog (rebuilt when the catalog changes: see `_catalog_version`)."""
        version = self._catalog_version()
        cached = self._catalog_words
        if cached is None or cached[0][0] != version[0] or cached[0][1] is not version[1]:
            products = [p for p in map(self.index.get, sorted(self.index.skus())) if p is not None]
            cached = self._catalog_words = (version, CatalogWords(products))
        return cached[1]

    def _built_catalog_words(self) -> CatalogWords | None:
        """`catalog_words()` when it is built for the current catalog and its version can be read without
        building anything (a snapshot-backed index whose mention index exists), else None."""
        cached = self._catalog_words
        built = getattr(self.index, "built_mention_index", None)
        if cached is None or built is None:
            return None
        snapshot = built()
        if snapshot is None or cached[0][1] is not snapshot or cached[0][0] != self.index.count():
            return None
        return cached[1]

    def _catalog_version(self) -> tuple[int, object]:
        """What changes when the catalog does: its size, and — for a snapshot-backed index — the snapshot
        object itself (an edit that keeps the size builds a new one)."""
        snapshot = getattr(self.index, "mention_index", None)
        return (self.index.count(), snapshot() if snapshot is not None else None)

    def _item(self, ctx: TurnContext, catalog: CatalogWords) -> ItemCategories:
        """The item a policy question is about: named in the message, else the product in focus or the
        only product shown."""
        item = catalog.item(ctx.text)
        if item.paths:
            return item
        english = " ".join(kind for _, _, kind in english_kinds(ctx.text))  # "the warranty on pans" → 锅
        item = catalog.item(english) if english else item
        if item.paths:
            return item
        named = {
            p.category for p in self._named(ctx.text) if p.category
        }  # "Pegasus 41 保修多久": its category
        if named:
            return ItemCategories(frozenset(named))
        focus = self.index.get(ctx.state.dialogue.focus) if ctx.state.dialogue.focus else None
        if focus is None and len(ctx.shown) == 1:
            focus = ctx.shown[0]
        return ItemCategories(frozenset({focus.category} if focus is not None and focus.category else ()))

    async def search(
        self,
        query: str,
        u: Understanding | None = None,
        *,
        k: int = 5,
        include_weak: bool = False,
        with_filters: bool = True,
    ) -> list[SearchHit]:
        filters = u.filters if (u is not None and with_filters and not u.filters.is_empty()) else None
        with telemetry.stage("retrieval"):
            return await run_step(self.index.search, query, k=k, filters=filters, include_weak=include_weak)

    async def products(self, u: Understanding, ctx: TurnContext) -> Answer:
        """Product questions, comparisons, superlatives and searches (see `bot.conversation.understanding`).
        A budget in another currency than the shop's says how it was compared (`currency_note`)."""
        asked = conversion_asked(u.text)  # "19.99美元大概多少人民币": the rate or "no rate is set", no search
        if asked is not None:
            return Answer(self._conversion(asked, ctx.lang))
        target = price_conversion_asked(u.text)  # "换算成人民币大概多少" about the Sennheiser's $299.99
        if target is not None:
            priced = self._converted_prices(u, ctx, target)
            if priced is not None:
                return Answer(priced)
        answer = await self._products(u, ctx)
        note = self.currency_note(u, ctx.lang)
        if note:
            answer.reply = replace(answer.reply, text=f"{note}\n{answer.reply.text}")
        return answer

    def _conversion(self, asked: Conversion, lang: str) -> Reply:
        """The amount converted at the configured rate, or that no rate is set (prices stay as listed)."""
        converted = self.rates.convert(asked.amount, asked.source, asked.target)
        if converted is None:
            return self.composer.text("conversion_no_rate", lang, source=asked.source, target=asked.target)
        rate = self.rates.rate(asked.source, asked.target)
        return self.composer.text(
            "conversion_rate",
            lang,
            amount=asked.amount,
            source=asked.source,
            target=asked.target,
            converted=round_cents(converted),
            rate=round_cents(rate or Decimal(0)),
        )

    def _converted_prices(self, u: Understanding, ctx: TurnContext, target: str) -> Reply | None:
        """Each product asked about (named, else the one in focus, else those shown, at most 5) priced in another
        currency than `target`: at the configured rate, labelled approximate, beside its listed price; without
        a rate, that there is none and the listed price. None when no such product is in question (a product
        already priced in `target` is answered as a price question)."""
        named = list(u.targets) or self._named(u.text)
        if not named:
            focus = self.index.get(ctx.state.dialogue.focus) if ctx.state.dialogue.focus else None
            # else what was shown ("换算成美元大概多少" after a list of creams: each of them)
            named = [focus] if focus is not None else list(ctx.shown[:5])
        priced = [p for p in named[:5] if p.price is not None and p.currency and p.currency != target]
        if not priced:
            return None
        ph = self.composer.phrases(ctx.lang)
        sources = {p.currency for p in priced}
        if len(priced) > 1 and len(sources) == 1 and self.rates.rate(priced[0].currency, target) is None:
            # several shown, no rate: one sentence, not the same one per product
            return self.composer.text(
                "conversion_no_rate", ctx.lang, source=priced[0].currency, target=target
            )
        lines = []
        for p in priced:
            converted = self.rates.convert(p.price, p.currency, target) if p.price is not None else None
            rate = self.rates.rate(p.currency, target)
            if converted is None or rate is None:
                lines.append(
                    ph.say("conversion_price_no_rate", title=p.title, price=ph.price(p), target=target)
                )
            else:
                lines.append(
                    ph.say(
                        "conversion_price_rate",
                        title=p.title,
                        price=ph.price(p),
                        source=p.currency,
                        target=target,
                        rate=round_cents(rate),
                        converted=round_cents(converted),
                    )
                )
        return Reply("\n".join(lines), focus=priced[0].sku)

    def currency_note(self, u: Understanding, lang: str) -> str:
        """ "" unless the customer's budget is in another currency than the catalog's own (most of its prices):
        then with a configured rate, the rate it was converted at ("按 1 USD = 7.1 CNY 换算"); without one, that
        the shop prices in its currency and only prices in the budget's currency were compared."""
        bounds = [b for b in (u.filters.min_price, u.filters.max_price) if b is not None]
        if not bounds:
            return ""
        home = self.catalog_words().currency
        budget = budget_currency(u.text, getattr(u.filters, "currency", None) or u.currency, [])
        if not home:
            return ""
        if budget == home:  # "under $20 or 100 yuan" without a USD rate: say why the yuan figure is used
            price = parse_price(normalise_text(u.text))
            written = [price.currency, *(code for _, _, code in price.alternatives)]
            other = next((c for c in written if c and c != home and self.rates.rate(c, home) is None), None)
            if other is None:
                return ""
            name = self.composer.say("currency_name_cny", lang) if home == "CNY" else home
            return self.composer.say("budget_home_instead", lang, home=name, budget=other)
        rate = self.rates.rate(budget, home)
        if rate is not None:
            return self.composer.say(
                "budget_converted", lang, source=budget, rate=round_cents(rate), target=home
            )
        name = self.composer.say("currency_name_cny", lang) if home == "CNY" else home
        return self.composer.say("budget_other_currency", lang, home=name, budget=budget)

    def _in_budget_currency(self, product: Product, currency: str) -> bool:
        """A price in the budget's currency, or one a configured rate converts into it."""
        return product.currency.upper() == currency or self.rates.rate(product.currency, currency) is not None

    def _within(self, product: Product, u: Understanding, currency: str) -> bool:
        """The product's price, converted into the budget's currency, within the budget's bounds."""
        if product.price is None:
            return False
        price = self.rates.convert(product.price, product.currency, currency)
        if price is None:
            return False
        low, high = u.filters.min_price, u.filters.max_price
        return (low is None or price >= low) and (high is None or price <= high)

    async def _products(self, u: Understanding, ctx: TurnContext) -> Answer:
        c, lang = self.composer, ctx.lang
        if u.mode == "no_context":
            return Answer(c.text("answer_no_context", lang))
        if u.out_of_range:
            return Answer(c.text("ordinal_out_of_range", lang, count=len(ctx.shown)))
        if u.mode == "ambiguous":  # "那个多少钱" with several shown: ask which, naming them briefly
            return Answer(c.which_one(u.targets, lang))
        if u.mode == "ruled_out":  # "不要耳机": no more of that kind — what would they like instead?
            return Answer(await self._ruled_out(u, lang))
        if u.intent is Intent.COMPARISON and u.mode == "compare_kind":
            # "两款桨板比较一下": compared when the kind has exactly two products, else a search for the kind
            found = self._keep(await self.search(u.search_text, u, k=12), u)
            two = self._kind_matches([h.product for h in found], u, by_category=True)
            if len(two) == 2:
                asked = [a[5:] for a in u.asks if a.startswith("attr:")]
                reply = c.compare(two[0], two[1], lang, u.ordering, asked)
                return await self._llm(ctx, Answer(reply), two, u)
            u = replace(u, intent=Intent.RECOMMENDATION, mode="fresh")
        if u.intent is Intent.COMPARISON:
            targets = list(u.targets)
            if len(targets) < 2 and u.search.words:  # "Sony 和 Bose 的耳机哪个好": the two best matches
                targets = [h.product for h in await self.search(u.search.text, u, k=2)]
            if len(targets) < 2:
                return Answer(c.text("compare_need_two", lang, answered=False))
            asked = [a[5:] for a in u.asks if a.startswith("attr:")]
            reply = c.compare(targets[0], targets[1], lang, u.ordering, asked)
            return await self._llm(ctx, Answer(reply), targets[:2], u)
        if u.intent is Intent.PRODUCT_QUESTION and u.targets and u.compatible_with:
            reply = c.compatibility(
                u.targets[0], u.compatible_with, stated(u.targets[0], u.compatible_with), lang
            )
            return await self._llm(ctx, Answer(reply), list(u.targets[:1]), u)
        if u.intent is Intent.PRODUCT_QUESTION and u.targets:
            u = replace(u, asks=u.asks | self.value_asks(u.text, u.targets[0]))
            reply = c.answer(u.targets, u, lang)
            if len(u.targets) > 1 and not reply.cards:
                reply = replace(reply, cards=tuple(c.phrases(lang).card(p) for p in u.targets[:5]))
            reply = replace(reply, shown=tuple(u.targets) if len(u.targets) > 1 else reply.shown)
            return await self._llm(ctx, Answer(reply), list(u.targets), u)
        if u.mode == "brands":
            return await self._brands(u, ctx)
        if asks_shop_range(u.text) and not (ctx.shown and asks_open_recommendation(u.text)):
            # "你们卖什么" / "what do you sell?": the departments, never a search for "sell"; "有什么推荐"
            # while browsing running shoes goes on with the running shoes
            ranges = shop_range(await asyncio.to_thread(self._catalog_products))
            if ranges:
                sep = c.phrases(lang).say("list_sep")
                colon = ": " if lang == "en" else "："
                lines = "\n".join(f"- {d}{colon}{sep.join(k)}" if k else f"- {d}" for d, k in ranges)
                example = await self.example_question(lang)
                return Answer(c.text("shop_range", lang, departments=lines, example=example.rstrip("?？")))
        if u.size_step and u.targets:  # "换个大一点的": the same kind, sized beyond the one in focus
            return await self._sized(u, ctx)
        gift = self._gift_request(u)
        if gift is not None:
            return await self._gifts(u, gift, ctx)
        if u.ordering is not None and u.scope:
            reply = c.ranked(self._admissible(list(u.scope), u), u.ordering, u, lang)
            return await self._llm(ctx, Answer(reply), list(reply.shown), u)
        if (
            u.ordering is not None or u.cheap_first
        ) and u.filters.category:  # the whole category, not the top few
            hits = self._keep(await self.search(u.search_text, u, k=100, include_weak=True), u)
        elif self._browses_category(u) or _filters_only(u):
            # "有什么数码产品", "运动装备", "anything priced in USD?": the department / the filter itself is asked for
            hits = self._keep(await self.search("", u, k=12), u)
        else:
            wide = (
                u.ordering is not None or u.cheap_first
            )  # cheapest first: over the whole kind, not the top 12
            # a refinement's own words ("敏感肌用的" after creams) are required of every hit in the kind asked:
            # a product that has them is no weak match, whatever the old search words score
            weak = bool(u.search.required) and bool(u.filters.category)
            hits = self._keep(await self.search(u.search_text, u, k=40 if wide else 12, include_weak=weak), u)
        if u.features:  # cheaper than noise-cancelling earbuds shown: noise-cancelling ones (has_yes)
            hits = [h for h in hits if all(has_yes(h.product.attributes.get(k, "")) for k in u.features)]
        if not hits and u.skip:  # "还有别的吗" and everything that fits was shown
            return Answer(c.text("no_more", lang))
        if not hits and u.mode == "other_brand":
            return Answer(c.text("no_other_brand", lang))
        if not hits and u.search_text != u.text:  # the keywords lost the point ("给狗买点粮" → "买点")
            hits = self._keep(await self.search(u.text, u, k=12), u)
        if (
            not hits and u.search.text and u.search.text not in (u.search_text, u.text)
        ):  # "50块以内的书" → "书"
            hits = self._keep(await self.search(u.search.text, u, k=12), u)
        if not hits and u.mode == "fresh":
            hits, u = await self._rewritten(u)
            hits = self._keep(hits, u)
        if (
            not hits and u.filters.in_stock
        ):  # "针管笔有货吗": the shop has it, out of stock — say so, never "no such"
            u = replace(u, filters=replace(u.filters, in_stock=False))
            hits = self._keep(await self.search(u.search_text, u, k=12), u)
        devices = devices_in(u.text, self._kind_catalog().devices) if u.mode == "fresh" else ()
        if (
            devices
        ):  # "iPhone 16 Pro的手机壳", "Mate 60 Pro用哪个充电器": what is listed as fitting that device
            if not hits and u.filters.brand and u.filters.brand.lower() in devices[0].lower():
                # "华为Mate 60的钢化膜": 华为 is the phone's brand, not the screen protector's
                u = replace(u, filters=replace(u.filters, brand=None))
                hits = self._keep(await self.search(u.search_text, u, k=12), u)
            hits = [h for h in hits if fits(h.product, devices[0])[0]] or hits
        age = asked_age(u.text) if u.mode == "fresh" else None
        if age is not None:  # "给5岁的孩子买件冬天穿的衣服": what is made for that age, never an 18+ set
            hits = [h for h in hits if fits_age(h.product, age) is not False]
            aged = [h for h in hits if fits_age(h.product, age)]
            if (
                not aged and age <= _CHILD_AGE
            ):  # the words found grown-ups' things: the wider search's children's
                wider = self._keep(await self.search(u.search_text, u, k=40), u)
                aged = [h for h in wider if fits_age(h.product, age)]
                if not aged:  # none by "衣服", "冬天": the catalog's things for that age (of the kind asked)
                    catalog = await asyncio.to_thread(self._catalog_products)
                    kind = (u.filters.category or "").lower()
                    aged = [
                        SearchHit(p, 1.0)
                        for p in catalog
                        if fits_age(p, age) and (not kind or kind in p.category.lower())
                    ]
                    aged = self._keep(aged[:12], u)
            hits = aged or hits
        hits = self._narrowed(hits, u)
        missing = self._missing_kind(u, hits)
        if (
            missing
        ):  # before "we don't sell X": the catalog's own X the search ranked out ("夏天用的被子" → 夏凉被)
            own = await run_step(self._of_kind, missing)
            kept = [h.product for h in self._keep([SearchHit(p, 1.0) for p in own], u)]
            # the search's own price bounds too ("500以内的咖啡机": no ¥1799 machine as a pick)
            kept = passing(kept, replace(u.filters, category=None), self.rates) if _budgeted(u) else kept
            if kept or (own and not _budgeted(u)):
                hits, missing = [SearchHit(p, 1.0) for p in (kept or own)[:5]], ""
            elif (
                own
            ):  # "500以内的咖啡机": the shop's coffee machines all cost more — said, never shown as picks
                hits, missing = [], ""
        unsold = "" if missing else self._unsold(u, hits)
        if missing or unsold:
            u = replace(u, missing=missing or unsold)
        if hits and not u.missing and _budgeted(u) and u.mode == "fresh":
            # "coffee machines under $50": the shop sells coffee machines, none in budget — never earbuds instead
            kind = await run_step(self._sold_kind, u)
            # "basketball shoe" as the synonym file writes it too ("basketball shoes"): every product of the kind
            names = (kind, plural_phrase(kind)) if kind.isascii() else (kind,)
            of_kind = {p.sku for name in names if kind for p in self._of_kind(name)}
            if of_kind and not any(
                h.sku in of_kind or self._in_named(kind, h.product) or in_category(kind, h.product)
                for h in hits
            ):
                hits = []
        if not hits and not u.missing and _budgeted(u) and u.mode != "cheaper":
            priced_out = await self._budget_missing(u, ctx)
            if priced_out is not None:
                return priced_out
        if u.missing or not hits:
            generic = self.generic or (lambda word: False)
            return await self._not_found(u, ctx, not_sold=bool(unsold) or generic(missing.lower()))
        if u.ordering is not None and u.mode != "cheaper":
            # a product filed under the kind's own category is of that kind (a "Vacuum Bottle" under 保温杯)
            fresh = u.mode == "fresh"
            pool = self._kind_matches([h.product for h in hits], u, by_category=True, strict=fresh) or [
                h.product for h in hits
            ]
            pool = self._with_features(pool, u)
            pool = self._not_titled_otherwise(pool, u)
            reply = c.ranked(pool, u.ordering, u, lang)
            if reply.shown:
                return await self._llm(ctx, Answer(reply, hits=hits), list(reply.shown), u)
        kinds = {p.sku for p in self._kind_matches([h.product for h in hits], u, by_category=True)}
        hits = [h for h in hits if h.sku in kinds] or hits  # yoga mats asked: no yoga blocks as picks
        if u.cheap_first:
            hits = cheapest_first(hits)
        elif u.mode == "cheaper":  # a step down from what was shown: the nearest price first
            hits = cheapest_first(hits, descending=True)
        ranked = hits if u.cheap_first or u.mode == "cheaper" else rerank(hits, ctx.interests)
        if u.filters.category and u.mode == "fresh" and not u.cheap_first:
            ranked = spread_kinds(ranked, u.filters.category)  # 运动鞋: running and basketball shoes both
        attr_asks = frozenset(a for a in u.asks if a.startswith("attr:"))  # "打气筒最高气压多少"
        asks_fact = (
            bool(u.asks & _FACT_ASKS)
            or bool(attr_asks)
            or (bool(u.colour or u.size) and _QUESTION_END.search(u.text))
        )
        if len(ranked) == 1 and u.mode == "fresh" and not ctx.shown and asks_compatibility(u.text):
            # "Kakuno 适合小学生吗" finds one pen: whether it suits them, from its own text
            product = ranked[0].product
            thing = thing_beside(u.text, product)
            if thing and not in_attributes(product, thing):
                reply = c.compatibility(product, thing, stated(product, thing), lang)
                reply = replace(reply, shown=(product,))
                return await self._llm(ctx, Answer(reply, hits=ranked), [product], u)
        if len(ranked) == 1 and asks_fact and u.mode == "fresh" and not ctx.shown:
            # "Apple Watch 有哪些颜色": brand + kind finds one product — answer the question about it
            product = ranked[0].product
            u = replace(u, intent=Intent.PRODUCT_QUESTION, targets=(product,), mode="named")
            reply = c.answer([product], replace(u, asks=u.asks | self.value_asks(u.text, product)), lang)
            reply = replace(reply, shown=(product,))
            return await self._llm(ctx, Answer(reply, hits=ranked), [product], u)
        shown_skus = {p.sku for p in ctx.shown}
        if u.cheap_first and u.mode == "refined" and ranked and {h.sku for h in ranked} <= shown_skus:
            # "便宜点" after the only two yoga mats: the same list re-sent is no answer — nothing cheaper, said so,
            # with the cheapest of what was shown
            priced = sorted((p for p in ctx.shown if p.price is not None), key=lambda p: p.price or 0)
            same = (
                [p for p in priced if p.currency.upper() == priced[0].currency.upper()][:1] if priced else []
            )
            reply = c.not_found(u.text, same, replace(u, mode="cheaper"), lang)
            reply = replace(reply, answered=True)
            return await self._llm(ctx, Answer(reply, hits=ranked), list(reply.shown), u)
        ranked = self._with_stated_values(ranked, u)
        lifted = [w for w, _ in ctx.interests[:3]] if [h.sku for h in ranked] != [h.sku for h in hits] else []
        reply = c.recommend([h.product for h in ranked], u, lang, lifted)
        if attr_asks and u.mode == "fresh" and 2 <= len(reply.shown) <= 3:
            # a search that asks a fact ("打气筒最高气压多少"): the few products found, each with its answer
            about = replace(u, asks=attr_asks, mode="context", targets=tuple(reply.shown))
            facts = c.answer(list(reply.shown), about, lang).text
            if facts:  # before the closing "想了解哪一款" hint
                head, _, hint = reply.text.rpartition("\n")
                reply = replace(reply, text="\n".join(x for x in (head, facts, hint) if x))
        return await self._llm(ctx, Answer(reply, hits=ranked), list(reply.shown), u)

    def _gift_request(self, u: Understanding) -> GiftRequest | None:
        """A present asked for without naming a kind of product ("送女朋友生日礼物"; "500以内" after it)."""
        if u.intent not in (Intent.RECOMMENDATION, Intent.UNKNOWN) or u.targets:
            return None
        if u.filters.category and not all(is_gift_word(s) for s in u.filters.category.split("/")[-1:]):
            return None  # "送女朋友的耳机": a search; "小朋友露营用的礼物" names 露营 as what they like
        # "500以内" after "送女朋友生日礼物": the search remembers the gift words, the parser took 女朋友 as a gender
        genders = {v for k, v in u.filters.attributes.items() if is_gender_key(k)}
        who = " 女生" if genders & {"female", "女"} else " 男生" if genders & {"male", "男"} else ""
        # the remembered recipients too: "老公" said before "300以内" is still whom it is for
        request = gift_request(u.text + who) or gift_request(" ".join([u.search.text, *u.search.gift]) + who)
        if request is None and u.search.gift:  # "他喜欢喝茶" after "给爸爸买点什么好"
            request = gift_request(" ".join([*u.search.gift, u.text]) + who, asked=True)
        if request is None and not u.filters.has_price():
            request = browse_request(u.text)  # "随便推荐点": the shop's picks, never a search for 随便
        if request is None:
            return None
        words = [w for w in dict.fromkeys([*u.search.words, *u.keywords]) if not is_ordering_word(w)]
        is_kind = self.generic or (lambda word: False)
        # "gift ideas for a coffee lover": coffee is a hobby of gifts.yaml (every kind serving it: the beans and
        # the machines), not the kind asked; a liked thing of no hobby group ("likes chess") stays a search
        hobby = {x.lower() for x in request.interests} & hobby_likes()
        # "她爱游泳", "喜欢拍vlog": a liked activity of goals.yaml is served by its kinds, never the one kind asked
        hobby |= {x.lower() for x in request.interests if goals_in(x)}
        named = [
            w
            for w in words
            if not is_gift_word(w)
            and w.lower() not in hobby
            and len(w) >= 2
            and (is_kind(w.lower()) or self._of_kind(w))
        ]
        return None if named else request  # "送女朋友的耳机": a search for earphones

    async def _gifts(self, u: Understanding, request: GiftRequest, ctx: TurnContext) -> Answer:
        """Gift picks from the whole catalog within the budget and exclusions (see `bot.conversation.gifts`),
        with one question when nothing said who it is for."""
        c, lang = self.composer, ctx.lang
        products = await asyncio.to_thread(self._catalog_products)
        # who it is for is the gift rules' business: a cream with no gender attribute still suits a girlfriend
        plain = {k: v for k, v in u.filters.attributes.items() if not is_gender_key(k)}
        allowed = passing(products, replace(u.filters, category=None, attributes=plain))
        allowed = [p for p in self._admissible(allowed, u) if p.sku not in u.skip]  # "还有别的吗": new ones
        if (
            request.browse and ctx.shown
        ):  # "有什么推荐的" after "随便看看": other picks, not the same list again
            seen = {p.sku for p in ctx.shown}
            allowed = [p for p in allowed if p.sku not in seen] or allowed
        # a liked activity (goals.yaml) is served by its kinds too: a shop whose swimming goggles say nothing of 游泳
        kinds = [k for x in request.interests for goal in goals_in(x) for k in goal.kinds]
        if kinds:
            request = replace(request, interests=tuple(dict.fromkeys([*request.interests, *kinds])))
        picks = gift_picks(allowed, request)
        budget = u.filters.max_price is not None or u.filters.min_price is not None
        if not picks and (budget or not request.vague):  # "送小朋友的礼物 100块以内": what fits, no re-asking
            picks = budget_picks(allowed)
        reply = c.recommend(picks, u, lang) if picks else Reply("", answered=True)
        lines = reply.text.split("\n")
        if picks:
            lines[0] = c.say("browse_intro" if request.browse else "gift_intro", lang)
            if request.vague:
                lines = lines[:-1]  # the question replaces the "第一款多少钱" hint
        if request.vague or not picks:
            kinds = shop_kinds(products)
            # ask only what is not said: who it is for when the budget was given
            key = "gift_question_who" if budget and picks else "gift_question"
            lines.append(
                c.say(
                    "browse_question" if request.browse else key,
                    lang,
                    kinds="、".join(kinds) if lang == "zh" else ", ".join(kinds),
                )
            )
        reply = replace(reply, text="\n".join(line for line in lines if line), answered=True)
        return await self._llm(ctx, Answer(reply), list(reply.shown), u)

    async def _ruled_out(self, u: Understanding, lang: str) -> Reply:
        """ "好的，不看耳机了" and one question with the kinds the shop sells besides the ones ruled out."""
        products = await asyncio.to_thread(self._catalog_products)
        left = passing(products, u.filters.exclusions_only())
        sep = "、" if lang == "zh" else ", "
        what = sep.join(x.strip("/").split("/")[-1] for x in u.filters.exclude_categories)
        return self.composer.text("ruled_out", lang, what=what, kinds=sep.join(shop_kinds(left)))

    def _catalog_products(self) -> list[Product]:
        return [p for p in map(self.index.get, sorted(self.index.skus())) if p is not None]

    async def _brands(self, u: Understanding, ctx: TurnContext) -> Answer:
        """ "德龙和Nespresso": each brand's products (in its category when one is named), side by side; compared
        when each brand has exactly one. A brand with nothing here is said plainly (not-found sentence)."""
        c, lang = self.composer, ctx.lang
        per_brand: list[list[Product]] = []
        for brand in u.brands:
            branded = replace(u, filters=replace(u.filters, brand=brand))
            hits = self._keep(await self.search(u.search.text, branded, k=6), branded)
            if not hits and u.search.text:
                hits = self._keep(await self.search("", branded, k=6), branded)
            per_brand.append(self._kind_matches([h.product for h in hits], u, by_category=True)[:3])
        found = [ps for ps in per_brand if ps]
        if not found:
            return await self._not_found(u, ctx)
        if len(found) >= 2 and all(len(ps) == 1 for ps in found[:2]):
            pair = [found[0][0], found[1][0]]
            asked = [a[5:] for a in u.asks if a.startswith("attr:")]
            reply = c.compare(pair[0], pair[1], lang, u.ordering, asked)
            return await self._llm(ctx, Answer(reply), pair, u)
        mixed = [p for group in itertools.zip_longest(*found) for p in group if p is not None]
        reply = c.recommend(mixed[:6], u, lang, [])
        return await self._llm(ctx, Answer(reply), list(reply.shown), u)

    def _browses_category(self, u: Understanding) -> bool:
        """True when the search's words only name its category filter ("数码产品", "运动 装备", "electronics"):
        there is nothing to rank by but the category, so its products are listed (in stock first)."""
        words, category = u.search_text.split(), u.filters.category
        if not category or not words or self.names_category is None:
            return False
        # "好几千的户外装备": 装备 / 用品 / gear name no kind — the department is asked for with its budget
        kinds = [w for w in words if not ANY_PRODUCT.match(w)]
        return self._names_only(words, category) or (bool(kinds) and self._names_only(kinds, category))

    def _not_titled_otherwise(self, products: list[Product], u: Understanding) -> list[Product]:
        """For a superlative over a kind named in English ("cheapest sunscreen", read as the 防晒 filter): the
        products filed there whose titles name another kind ("冰丝防晒冰袖": sleeves) do not win; all of them
        when none is left."""
        words = {w for w in self._filter_words(u) if len(w) >= 3 and self._is_filter(w, u)}
        kept = [
            p for p in products if not any(titled_as_other(w, p) or titled_as_other_kind(w, p) for w in words)
        ]
        return kept or products

    def _filter_words(self, u: Understanding) -> set[str]:
        """English words of the message that name the category filter the index applied ("helmets", "kitten
        food" → 骑行/头盔, 宠物/猫粮), as written and singular: the Chinese-titled products filed there are of
        that kind although their titles never say it, so these words narrow nothing."""
        if not u.filters.category or self.names_category is None:
            return set()
        tokens = re.findall(r"[a-z]+", u.text.lower())
        return {
            word
            for size in (1, 2, 3)
            for n in range(len(tokens) - size + 1)
            if self._is_filter(" ".join(tokens[n : n + size]), u)
            for token in tokens[n : n + size]
            for word in (token, normalise_english(token))
        }

    def _is_filter(self, word: str, u: Understanding) -> bool:
        """An English word that names the search's own category filter ("helmets" → 骑行/头盔): the Chinese-titled
        products filed there are of its kind although their titles never say it. Chinese words stay words
        ("儿童头盔" is read as 头盔 but asks for the children's one)."""
        category = u.filters.category
        if not category or not word.isascii() or self.names_category is None:
            return False
        return self.names_category(word) == category

    def _in_named(self, word: str, product: Product) -> bool:
        """The product is filed under the category the word names ("helmet" → 骑行/头盔, learnt by the parser)."""
        named = self.names_category(word) if self.names_category is not None and word.isascii() else None
        return bool(named) and (product.category == named or product.category.startswith(f"{named}/"))

    def _names_only(self, words: list[str], category: str) -> bool:
        assert self.names_category is not None
        each = [self.names_category(w) for w in words]
        if all(c == category for c in each):  # "数码产品", "electronics"
            return True
        # "运动 装备": no word names a category alone, together they do ("慢跑 耳机" is not browsing)
        return not any(each) and self.names_category("".join(words)) == category

    # -- what a result must satisfy beyond the index's filters ---------------------------------------
    def _admissible(self, products: list[Product], u: Understanding) -> list[Product]:
        """Drop what the customer ruled out, and prices in another currency than the budget's."""
        out = passing(products, u.filters.exclusions_only())
        # "除了锅": a skillet is a pan too (synonym file), even where no title says 锅
        out = [p for p in out if not any(kind_match(t, p) for t in u.filters.exclude_terms)]
        # "猫零食", "成人用的防晒霜", "送给成年男性的礼物": a product named for another audience or form is no match
        asked = f"{u.text} {u.search.text}"
        out = contrasts.without_excluded(out, asked)
        if u.filters.min_price is not None or u.filters.max_price is not None:
            currency = budget_currency(u.text, getattr(u.filters, "currency", None) or u.currency, products)
            out = [
                p
                for p in out
                if p.currency.upper() == currency
                or (self._in_budget_currency(p, currency) and self._within(p, u, currency))
            ]
        return out

    async def _sized(self, u: Understanding, ctx: TurnContext) -> Answer:
        """ "换个大一点的" / "a smaller one": the target's kind with a larger (smaller) size or capacity."""
        seed, lang = u.targets[0], ctx.lang
        catalog = await asyncio.to_thread(self._catalog_products)
        pool = self._admissible(sized_from(seed, catalog, u.size_step), u)
        if not pool:
            word = {("zh", 1): "大", ("zh", -1): "小", ("en", 1): "bigger", ("en", -1): "smaller"}
            key = (lang if lang == "en" else "zh", u.size_step)
            return Answer(self.composer.text("sized_none", lang, title=seed.title, word=word[key]))
        reply = self.composer.recommend(pool, u, lang)
        return await self._llm(ctx, Answer(reply), list(reply.shown), u)

    @staticmethod
    def _with_features(pool: list[Product], u: Understanding) -> list[Product]:
        """A superlative over a kind with a feature ("最便宜的降噪耳机"): the feature words the message uses that
        are not what it ranks by are required of the winner (a plain Bluetooth earbud is no noise-cancelling
        one), when some products have them; else the pool stands."""
        ranked_by = u.ordering.attribute if u.ordering is not None else ""
        text = u.text.lower()
        words = [w for w in asked_attribute_words(u.asks, besides=ranked_by) if len(w) >= 2 and w in text]
        if not words:
            return pool
        return [p for p in pool if all(has_word(p, w) for w in words)] or pool

    def _keep(self, hits: list[SearchHit], u: Understanding) -> list[SearchHit]:
        skipped = set(u.skip)
        hits = [h for h in hits if h.sku not in skipped]
        allowed = {p.sku for p in self._admissible([h.product for h in hits], u)}
        # the catalog's own words a refinement added; "能用" in "要敏感肌能用的" names nothing a product could have
        known = self.known_word or (lambda word: True)
        required = [w for w in u.search.required if len(w) >= 2 and known(w.lower())]
        hits = [h for h in hits if h.sku in allowed and all(has_word(h.product, w) for w in required)]
        named = {p.sku for p in contrasts.kept([h.product for h in hits], f"{u.text} {u.search.text}")}
        return [h for h in hits if h.sku in named]  # "猫零食": the cat treats, when some say 猫

    def _narrowed(self, hits: list[SearchHit], u: Understanding) -> list[SearchHit]:
        """Results that also have every catalog word of the request ("头戴式", "全棉", "green tea") and satisfy
        its numeric bounds ("65W以上"); when none has them all, the ranked results stand (never empty)."""
        known = self.known_word or (lambda word: False)
        tokens = re.findall(r"[a-z]+", u.text.lower())
        filtered = self._filter_words(u)
        words = [
            w
            for w in u.search.words
            if len(w) >= 2
            and known(w.lower())
            and not is_ordering_word(w)
            and not names_occasion(w)  # "生日", "妈妈": the occasion and the recipient, not a product's word
            and w.lower() not in filtered
        ]
        for pair in (f"{a} {b}" for a, b in itertools.pairwise(tokens)):  # "green tea", "arm sleeves"
            single = pair[:-1] if pair.endswith("s") else pair
            if known(pair) or known(single):
                words = [w for w in words if w.lower() not in pair] + [pair if known(pair) else single]
        bounds = bounds_in(u.text)
        narrowed = [
            h
            for h in hits
            if all(has_word(h.product, w) for w in words) and all(b.admits(h.product) for b in bounds)
        ]
        if bounds and not narrowed:
            return []  # "65W以上" that nothing reaches: say so, do not show what fails it
        wanted = people_wanted(u.text)  # "两个人用的帐篷", "适合两个人玩的": the ones for that many people
        if wanted is not None:
            fitting = [h for h in narrowed or hits if fits_people(h.product, wanted)]
            narrowed = fitting or narrowed
        for asked_measure in stated_measures(
            u.text
        ):  # "5.4米的鱼竿": the rod of that length, when the shop has it
            exact = [h for h in narrowed or hits if has_measure(h.product, asked_measure)]
            narrowed = exact or narrowed
        return narrowed or hits

    def _kind_matches(
        self, products: list[Product], u: Understanding, *, by_category: bool = False, strict: bool = False
    ) -> list[Product]:
        """For a superlative over a search: only products of the kind asked ("充电头" is not a power bank).
        Kind words are the search words that name some product here (not "最大", "battery", "life");
        `by_category`: a category segment names the kind too (运动鞋 for 运动鞋/跑步鞋), for a search's picks;
        `strict`: not when the title names another kind ("Power Bank" under 充电器 is no 充电头)."""
        attribute_words = set(asked_attribute_words(u.asks))
        asked = attribute_words | (self._filter_words(u) if by_category else set())
        raw = [  # ("noise cancelling" asks for an attribute: never a kind)
            w
            for w in dict.fromkeys([*u.search.words, *u.keywords])
            if len(w) >= 2 and w.lower() not in attribute_words
        ]
        words = [w for w in raw if w.lower() not in asked and not is_ordering_word(w) and not is_gift_word(w)]
        # "要纯棉的" after T-shirts: a refinement's required word is a feature `_keep` checked by title, tags and
        # attributes (优衣库 U系列 holds 纯棉 as a tag), never the kind a title must name
        words = [w for w in words if w not in u.search.required]
        generic = self.generic or (lambda word: True)
        # "yoga mat": a kind of two words (synonym file), even when "yoga" alone names the category filter
        # (or is a hobby a present could be for)
        for a, b in itertools.pairwise(raw):
            pair = f"{a} {b}"
            if pair.isascii() and len(forms(pair)) > 1 and any(kind_match(pair, p) for p in products):
                words = [w for w in words if w not in (a, b)] + [pair]

        def of_kind(word: str, product: Product) -> bool:  # 运动鞋 names the category 运动鞋/跑步鞋
            return kind_match(word, product) or (
                by_category
                and (root_match(word, product) or in_category(word, product) or self._in_named(word, product))
                and not titled_as_other(word, product)
                # a power bank filed under 充电器 is no 充电头 (a superlative asked afresh: what a list showed stays);
                # a kind of two words ("yoga mat") is never a product titled as another (瑜伽砖 under 瑜伽)
                and not ((strict or " " in word) and titled_as_other_kind(word, product))
            )

        if by_category:  # "65W" is a bound or a value ("65W以上"), never a kind
            words = [w for w in words if not re.search(r"\d", w)]
        # "敏感肌" is an attribute's value (适合肤质) some products only hold there: what they are for, not a kind
        valued = {w for w in words if any(w in str(v) for p in products for v in p.attributes.values())}
        kinds = [
            w
            for w in words
            if w not in valued and generic(w.lower()) and any(of_kind(w, p) for p in products)
        ]
        if not kinds:
            return products
        return [p for p in products if all(of_kind(w, p) for w in kinds)] or [
            p for p in products if any(of_kind(w, p) for w in kinds)
        ]

    def _missing_kind(self, u: Understanding, hits: list[SearchHit]) -> str:
        """A Chinese request whose last word names a kind no hit is ("蓝牙音箱", "登山徒步鞋"): we don't sell it."""
        if u.mode != "fresh" or not hits or not _CJK.search(u.text) or self.generic is None:
            return ""
        clauses = [c for c in re.split(r"[，,。！!？?；;]", u.text) if c.strip()]
        clause = next((c for c in clauses if _SHOPPING.search(c)), clauses[0] if len(clauses) == 1 else "")
        words = [
            w
            for w in u.search.words
            if _CJK.search(w)
            and len(w) >= 2
            and w in clause
            and not _QUESTION_WORD.fullmatch(w)
            and not is_function_word(w)  # "价格写成0元": 写成 and 价格 name no kind
            and not names_purpose(w, clause)
            and not ANY_PRODUCT.match(w)  # "瑜伽用品": 用品 names no kind, 瑜伽 does
            and not is_ordering_word(w)  # "读取速度最快的卡": 最快 ranks, it names no kind
            and w.lower() != (u.filters.brand or "").lower()  # "那三星的呢": a brand of English titles
        ]  # "能保温多久": 多久 asks how long, it names no kind; "写生用的东西": 写生 is what it is for
        if not words:
            return ""
        head = max(words, key=clause.rfind)  # the request's last word names the kind ("蓝牙音箱")
        glued = _GLUED_HEAD.match(clause, clause.rfind(head) + len(head))
        if glued and not self._of_kind(head + glued.group(1)):
            # "咖啡桌" cut into 咖啡 + 桌: the thing asked is the compound, not the shorter kind inside it
            compound = head + glued.group(1)
            if not any(compound in h.product.title for h in hits):
                return compound
        spans = (head, "".join(words[-2:]), "".join(words))
        # "手表收纳盒": a kind the shop does not sell after one it does names no department of this shop
        unsold_head = (
            len(words) > 1
            and self.generic(head)
            and (self.names_category is None or self.names_category(head) is None)
            and not self._of_kind(head)
            and not any(head in _said_of(h.product) for h in hits)
            and not asks_compatibility(clause)  # "防晒霜适合油皮吗": whom it suits, not a thing asked for
        )
        if (
            self.names_category is not None
            and not unsold_head
            and any(self.names_category(w) is not None for w in spans)
        ):
            return ""  # "数码产品", "运动 装备": a department of this shop, read as the category filter
        if any(titled_kind(head, h.product) or in_category(head, h.product) for h in hits):
            return ""  # 运动鞋 names the category 运动鞋/跑步鞋 even where no title says it
        if len(forms(head)) == 1 and any(head in h.product.tags for h in hits):
            return ""  # a tag of a hit in no synonym group ("本命年" on a 转运珠手链): what was asked for
        # (a charger whose description mentions 笔记本 is not a 笔记本电脑: titles, tags and categories only)
        return head if not self.generic(head) or not any(kind_match(head, h.product) for h in hits) else ""

    def _value_names(self) -> dict[str, frozenset[str]]:
        """Attribute value (lower case) → the attributes that hold it, from the catalog vocabulary; built once
        per vocabulary (a new catalog brings a new one)."""
        vocabulary = self.parser_vocabulary
        memo = getattr(self, "_values_memo", None)
        if memo is not None and memo[0] is vocabulary:
            return memo[1]
        names: dict[str, set[str]] = {}
        for name, values in (getattr(vocabulary, "attributes", None) or {}).items():
            for value in values:
                if len(value.strip()) >= 2 and not value.strip().isdigit():
                    names.setdefault(value.strip().lower(), set()).add(name)
        built = {v: frozenset(n) for v, n in names.items()}
        self._values_memo = (vocabulary, built)
        return built

    def _with_stated_values(self, hits: list[SearchHit], u: Understanding) -> list[SearchHit]:
        """Picks that state another value of an attribute whose value the message names ("电磁炉能用的铁锅": a
        wok whose 适用炉灶 is 燃气灶 only) are off the constraint: dropped while one pick keeps the value."""
        if u.mode != "fresh" or len(hits) < 2:
            return hits
        names = self._value_names()
        titles = " ".join(h.product.title.lower() for h in hits)
        # a value a pick's title carries ("cream" of a face cream's texture) names the kind asked, not a value
        stated = [
            (w.lower(), names[w.lower()])
            for w in u.keywords
            if w.lower() in names and w.lower() not in titles
        ]
        for value, attributes in stated:

            def keeps(product: Product, value: str = value, attributes: frozenset[str] = attributes) -> bool:
                held = [product.attributes.get(a, "") for a in attributes if product.attributes.get(a, "")]
                return not held or any(value in v.lower() for v in held)

            kept = [h for h in hits if keeps(h.product)]
            if kept and len(kept) < len(hits):
                hits = kept
        return hits

    def _sold_kind(self, u: Understanding) -> str:
        """Blocking: the kind of product the search names that the catalog sells ("coffee machine", "咖啡机"),
        the longest such word (two English words before one), or ''."""
        words = [w for w in u.search.words if len(w) >= 2]
        pairs = [f"{a} {b}" for a, b in itertools.pairwise(words) if f"{a} {b}".isascii()]
        generic = self.generic or (lambda word: False)
        features = [a for a in asked_attribute_words(u.asks) if len(a) >= 2]  # "noise cancelling" is no kind
        for word in sorted([*pairs, *words], key=len, reverse=True):
            if any(a in word.lower() for a in features):
                continue
            if generic(word.lower()) and self._of_kind(word):
                return word
        return ""  # (the caller reads the products of that kind with `_of_kind` too: one notion of "kind")

    def _of_kind(self, word: str) -> list[Product]:
        """The catalog's products of the kind `word` names (title, tags, category, 子-root), in stock first."""
        return sorted(self._kind_catalog().of_kind(word), key=lambda p: not p.in_stock)

    def warm_up(self) -> None:
        """Build the catalog's folded names (`KindCatalog`) and its category/tag words (`CatalogWords`) now
        (~0.5 s at 10k SKUs), not in a first message."""
        self._kind_catalog()
        self.catalog_words()

    def _kind_catalog(self) -> KindCatalog:
        """The catalog's folded names (`KindCatalog`), rebuilt when the catalog changes: its size, or — for a
        snapshot-backed index — the snapshot (an edit that keeps the size)."""
        version = self._catalog_version()
        if self._kinds is None or self._kinds[0][0] != version[0] or self._kinds[0][1] is not version[1]:
            products = [p for p in map(self.index.get, sorted(self.index.skus())) if p is not None]
            self._kinds = (version, KindCatalog(products))
        return self._kinds[1]

    def _unsold(self, u: Understanding, hits: list[SearchHit]) -> str:
        """ "Do you sell laptops?" / "卖不卖自行车": the thing asked about, when no hit is one by title or category
        (a power bank tagged "laptop" is not a laptop), else ''."""
        if u.mode != "fresh" or not _SELLS.search(u.text):
            return ""
        words = [
            w for w in dict.fromkeys([*u.search.words, *u.keywords]) if len(w) >= 2 and not _SELLS.search(w)
        ]
        latin = re.findall(r"[a-z][a-z-]+", u.text.lower())
        words += [f"{a} {b}" for a, b in itertools.pairwise(latin)]  # "rice cooker", "basketball shoes"
        words += [" ".join(t) for t in zip(latin, latin[1:], latin[2:], strict=False)]  # "soy milk maker"
        words = [w for w in words if not is_ordering_word(w)]
        if not words:
            return ""

        def is_one(product: Product, word: str) -> bool:
            # its name: title, category and tags in the other language ("KitchenAid … Stand Mixer" is 厨师机)
            name = to_simplified(named_as(product).lower())[0]
            singular = word[:-1] if word.isascii() and word.endswith("s") else word
            names = forms(word) | forms(singular)
            # a Chinese kind word heads its name ("单反相机", "相机" as a category): "相机电池", "相机背带" are
            # batteries and straps for a camera, no camera
            if any(_heads(f, name) if has_han(f) else f in name for f in names if len(f) >= 2):
                return True
            # a phrase form whose words the name has apart ("capsule coffee machine": tags "coffee machine;
            # capsule" of a "Vertuo Pop Coffee Machine") — 胶囊咖啡机 is sold
            return any(" " in f and all(part in name for part in f.split()) for f in names)

        if any(is_one(h.product, w) for h in hits for w in words):
            return ""
        return max((w for w in words if " " not in w), key=u.text.lower().rfind, default="")

    def _kind_words(self, u: Understanding) -> list[str]:
        """The keywords of an English message that name a kind of product ("bottle" in "BPA-free bottles?")."""
        if self.generic is None or _CJK.search(u.text):
            return []
        return [k for k in u.keywords if self.generic(k)]

    @staticmethod
    def _related(head: str, products: list[Product]) -> list[Product]:
        """Alternatives to an item we do not sell: only products of the same head kind (登山徒步鞋 → 跑步鞋 share
        鞋; 羽绒服 is not a 羽绒被; an English item must be in the title or category)."""
        if not head:
            return products
        if _CJK.search(head):
            return [p for p in products if head[-1] in f"{p.title}{p.category}"]
        return [p for p in products if head.lower().rstrip("s") in f"{p.title} {p.category}".lower()]

    def value_asks(self, text: str, product: Product) -> frozenset[str]:
        """ "能放烤箱吗" / "works on induction?": a word that is one of the catalog's values of an attribute
        this product has → ask that attribute and answer yes or no."""
        vocabulary = getattr(self.parser_vocabulary, "attributes", {}) if self.parser_vocabulary else {}
        title = product.title.lower()
        asks = set()
        for key in product.attributes:
            if key.lower() in ("color", "colour", "size"):
                continue
            for value in vocabulary.get(key.lower(), ()):
                if len(value) < 2 or value.isdigit() or as_boolean(value) is not None:
                    continue  # "是"/"no" are answers, not values asked about
                if value.lower() in title or not mentions(text, value):
                    continue  # "罗马仕 20000mAh 充电宝" names the product, it does not ask about 20000mAh
                asks.add(f"value:{key.lower()}:{value}")
        return frozenset(asks)

    async def _rewritten(self, u: Understanding) -> tuple[list[SearchHit], Understanding]:
        """Second chance with an LLM: search again with the model's keywords (same filters)."""
        if self.llm is None or self.prompts is None:
            return [], u
        try:
            keywords = await rewrite_query(self.llm, self.prompts, u.text)
        except LLMUnavailable as exc:
            log.info("query rewrite unavailable: %s", exc)
            return [], u
        if not keywords or keywords == u.search_text:
            return [], u
        rewritten = replace(u, search_text=keywords, keywords=tuple(keywords.split()), mode="fresh")
        return await self.search(keywords, rewritten), rewritten

    async def _not_found(self, u: Understanding, ctx: TurnContext, *, not_sold: bool = False) -> Answer:
        """Nothing fits. `not_sold`: the customer asked for a kind of product the shop does not sell — an
        answer (one honest sentence, related kinds only, a human offered), not a failure."""
        stray = (
            u.intent is Intent.UNKNOWN
            and u.mode == "fresh"
            and not u.missing
            and not _SHOPPING.search(u.text)
            # an amount or a department with it ("在200和600之间的头灯", "好几千的户外装备") is a search
            and u.filters.min_price is None
            and u.filters.max_price is None
            and not u.filters.category
            and "currency" not in u.filters.attributes  # "anything priced in USD?" is a search too
            and u.ordering is None  # "再亮一点的" / "最亮的呢" ranks what is sold: never out of scope
        )
        # "BPA-free bottles?": an English kind of product asked for is no stray question — a kind the shop has none
        # of is "we don't sell bottles", one it has is searched for by that kind alone (never the other words)
        if u.mode == "fresh" and not u.filters.brand and (goal := await self._goal(u, ctx)) is not None:
            return goal  # "我想练臀腿，买什么器材好": the kinds that serve the goal, never a refusal
        kinds = self._kind_words(u) if stray else []
        if kinds:
            unsold = [k for k in kinds if not await asyncio.to_thread(self._of_kind, k)]
            u = replace(
                u, keywords=tuple(kinds), search_text=" ".join(kinds), missing=unsold[-1] if unsold else ""
            )
            not_sold = not_sold or bool(unsold)
        elif stray:
            refusal = self.composer.text(
                "out_of_scope", ctx.lang, answered=False, example=await self.example_question(ctx.lang)
            )
            # a question outside the shop is refused, not missed: it never counts towards the automatic
            # hand-off after two unanswered turns (a customer asking ordinary questions keeps the bot)
            return Answer(replace(refusal, meta={**refusal.meta, "refusal": "out_of_scope"}))
        if self.index.count() == 0:  # a length: no hand-off
            return Answer(self.composer.text("no_catalog", ctx.lang, answered=False))
        sized = size_filter(u.filters.attributes) if u.mode != "cheaper" else None
        if sized is not None and (answer := await self._size_missing(u, ctx, sized)) is not None:
            return answer
        weak: list[SearchHit] = []
        if u.mode != "cheaper":  # the closest: the same search without its budget (never irrelevant padding)
            relaxed = replace(u, filters=replace(u.filters, min_price=None, max_price=None))
            query = u.missing or u.search_text or u.text
            weak = self._keep(await self.search(query, relaxed, k=6), relaxed)
            if not weak and u.missing:
                weak = self._keep(await self.search(u.text, relaxed, k=6), relaxed)
            if (
                not weak
                and not u.missing
                and u.filters.category
                and replace(u.filters, category=None).is_empty()
            ):
                # words the catalog has none of ("会说话的行李箱"): the kind named, without them
                kind_word = u.filters.category.strip("/").split("/")[-1]
                weak = self._keep(await self.search(kind_word, relaxed, k=6), relaxed)
            if u.filters.min_price is not None or u.filters.max_price is not None:  # "$100": no ¥ as closest
                currency = budget_currency(u.text, getattr(u.filters, "currency", None) or u.currency, [])
                weak = [h for h in weak if self._in_budget_currency(h.product, currency)]
        kind = bool(u.missing) and not_sold
        alternatives = [h.product for h in weak]
        if kind:  # a kind of product we do not sell ("自行车"), not a word we missed ("送人")
            alternatives = self._related(u.missing, alternatives)
        elif u.missing:  # a named product we lack ("AirPods Max"): closest of its kind or brand, never a shoe
            alternatives = _same_kind_as_named(alternatives, u.filters)
        if u.mode == "cheaper":  # nothing cheaper: the cheapest of what was shown, in the budget's currency
            priced = [p for p in ctx.shown if p.price is not None]
            currency = u.currency or (priced[0].currency.upper() if priced else "")
            same = [p for p in priced if p.currency.upper() == currency]
            alternatives = sorted(same, key=lambda p: p.price or 0)[:1]
        known: list[str] | None = None
        if not u.missing and u.mode != "cheaper":
            # the words we understood are those a found product has; the others ("会飞", "写成") are not echoed
            known = [w for w in u.keywords if any(has_word(p, w) for p in alternatives)]
            if not alternatives and u.keywords and u.filters.is_empty() and _ASKS_ADVICE.search(u.text):
                # a need in words the catalog has none of ("新入职要布置工位"): ask, naming the shop's kinds
                kinds = shop_kinds(await asyncio.to_thread(self._catalog_products))
                sep = self.composer.phrases(ctx.lang).say("list_sep")
                reply = self.composer.text("browse_question", ctx.lang, kinds=sep.join(kinds))
                return await self._llm(ctx, Answer(reply), [], u)
        reply = self.composer.not_found(u.text, alternatives, u, ctx.lang, not_sold=kind, known=known)
        answer = await self._llm(ctx, Answer(reply, hits=weak), list(reply.shown), u)
        # "we don't sell X" and "nothing cheaper, this is the cheapest" answer the question (a human is offered,
        # not opened); a search that found nothing did not, and two of those in a row bring in a person
        answer.reply = replace(answer.reply, answered=kind or u.mode == "cheaper")
        return answer

    async def _goal(self, u: Understanding, ctx: TurnContext) -> Answer | None:
        """A goal named instead of a product ("I want to start running, what do I need?"): up to two products of each
        kind serving it (`bot.conversation.goals`) that the shop sells within the message's filters; None when the
        message names no goal or the shop sells none of its kinds."""
        kinds = goal_kinds(u.text)
        if not kinds:
            return None
        allowed = replace(u.filters, category=None)
        picks: list[Product] = []
        for kind in kinds:
            for spelling in kind_spellings(kind):
                found = await asyncio.to_thread(self._of_kind, spelling)
                fitting = [p for p in self._admissible(passing(found, allowed), u) if p not in picks]
                if fitting:
                    picks.extend(fitting[:2])
                    break
            if len(picks) >= MAX_CARDS:
                break
        if not picks:
            return None
        reply = self.composer.recommend(picks, replace(u, mode="goal"), ctx.lang)
        return await self._llm(ctx, Answer(reply), list(reply.shown), u)

    async def _budget_missing(self, u: Understanding, ctx: TurnContext) -> Answer | None:
        """ "好几千的咖啡机" / "500以内的咖啡机" when the shop's coffee machines all cost otherwise: the budget is what
        fails — said plainly, with the products of that kind nearest to it (every other filter kept); None when
        the search finds nothing of the kind without the budget either."""
        if size_filter(u.filters.attributes) is not None:
            return (
                None  # "36码的呢" within a budget: the size's own answer says which fails (`_size_missing`)
            )
        relaxed = replace(u, filters=replace(u.filters, min_price=None, max_price=None))
        hits = self._keep(await self.search(u.search_text or u.text, relaxed, k=20), relaxed)
        # of the kind asked only ("咖啡机": no instant coffee), and the kind must be named by some product
        words = [w for w in u.search.words if len(w) >= 2 and not is_ordering_word(w)]
        products = [
            h.product
            for h in hits
            if h.product.price is not None and all(has_word(h.product, w) for w in words)
        ]
        products = self._kind_matches(products, relaxed, by_category=True, strict=True)
        currency = budget_currency(u.text, getattr(u.filters, "currency", None) or u.currency, [])
        products = [p for p in products if self._in_budget_currency(p, currency)]  # "$100": no ¥ as closest
        if not products:
            return None
        c, lang = self.composer, ctx.lang
        category = (u.filters.category or "").strip("/").split("/")[-1]
        # "夜跑反光跑鞋" within a budget: not every 跑鞋 costs more — the words asked are the kind that does
        narrower = any(w not in (u.filters.category or "") for w in words)
        kind = (u.search_text or u.text) if narrower or not category else category
        high = u.filters.max_price
        if high is not None and all((p.price or 0) > high for p in products):
            # "sleeping pads under $100": every one costs more — said, none shown (no padding over a budget)
            # the kind exists: its cheapest price is said (no 'none'), no product padded in over the budget
            cheapest = min(products, key=lambda p: p.price or 0)
            line = c.say(
                "budget_missing_above",
                lang,
                kind=quotable(kind).strip()[:20],
                title=cheapest.title,
                price=cheapest.price_text(),
            )
            return await self._llm(ctx, Answer(Reply(line, answered=True)), [], u)
        low = u.filters.min_price
        fitting = [
            p
            for p in products
            if (high is None or (p.price or 0) <= high) and (low is None or (p.price or 0) >= low)
        ]
        # some of the kind do fit the budget (another filter emptied the first search): they are the answer, and
        # the reply must not say that nothing is at this price
        nearest = (fitting or products)[:3]  # the search's own order: the most relevant first
        reply = c.recommend(nearest, u, lang)
        if not fitting:
            lines = reply.text.split("\n")
            lines[0] = c.say("budget_missing", lang, kind=quotable(kind).strip()[:20])
            reply = replace(reply, text="\n".join(lines))
        reply = replace(reply, answered=True)
        return await self._llm(ctx, Answer(reply, hits=hits[:3]), list(reply.shown), u)

    async def _size_missing(
        self, u: Understanding, ctx: TurnContext, sized: tuple[str, str]
    ) -> Answer | None:
        """ "35码的男款篮球鞋" with none in 35: that size is what fails — the sizes there are and the closest
        products (every other filter kept); None when the search finds nothing without the size either."""
        key, size = sized
        others = {k: v for k, v in u.filters.attributes.items() if k != key}
        relaxed = replace(u, filters=replace(u.filters, attributes=others))
        hits = self._keep(await self.search(u.search_text or u.text, relaxed, k=20), relaxed)
        if u.filters.category:
            hits = [h for h in hits if h.product.category.startswith(u.filters.category)]
        sizes = sizes_offered([h.product for h in hits], key)
        if not hits or not sizes or any(size.lower() == s.lower() for s in sizes):
            return None  # the size exists: another constraint fails with it (女款 in 42), said as before
        c, lang = self.composer, ctx.lang
        if u.filters.min_price is not None or u.filters.max_price is not None:
            # "36码的呢" after "42码的跑鞋500以内": the shop has 36, only not within the budget — say so
            unbudgeted = replace(u, filters=replace(u.filters, min_price=None, max_price=None))
            fitting = self._keep(await self.search(u.search_text or u.text, unbudgeted, k=20), unbudgeted)
            if u.filters.category:
                fitting = [h for h in fitting if h.product.category.startswith(u.filters.category)]
            if fitting:
                kind = (u.filters.category or "").strip("/").split("/")[-1] or u.search_text
                reply = c.recommend([h.product for h in fitting[:3]], u, lang)
                lines = reply.text.split("\n")
                lines[0] = c.say("size_over_budget", lang, kind=quotable(kind).strip()[:20], size=size)
                reply = replace(reply, text="\n".join(lines), answered=True)
                return await self._llm(ctx, Answer(reply, hits=fitting[:3]), list(reply.shown), u)
        kind = (u.filters.category or "").strip("/").split("/")[-1] or u.search_text
        if lang == "en" and u.search_text.isascii() and u.search_text.strip():
            kind = u.search_text  # "size 47 running shoes": the customer's own words for the kind
        reply = c.recommend([h.product for h in hits[:3]], u, lang)
        lines = reply.text.split("\n")
        sep = c.phrases(lang).say("list_sep")
        lines[0] = c.say(
            "size_missing", lang, kind=quotable(kind).strip()[:20], size=size, sizes=sep.join(sizes)
        )
        reply = replace(reply, text="\n".join(lines), answered=True)
        return await self._llm(ctx, Answer(reply, hits=hits[:3]), list(reply.shown), u)

    async def policy(self, ctx: TurnContext) -> Answer:
        docs = self.policies.find(ctx.text, ctx.lang) if self.policies is not None else []
        answer = Answer(self.composer.policy(docs, ctx.lang, ctx.text), docs=docs)
        return await self._llm(ctx, answer, [], None) if docs else answer

    async def example_question(self, lang: str) -> str:
        """A question this shop's catalog answers, for "try asking …" (`shop_range.shop_example`: its most
        stocked kind and a budget in its currency); the generic example_1 for an empty catalog."""
        products = await asyncio.to_thread(self._catalog_products)
        return shop_example(products, lang) or self.composer.say("example_1", lang)

    def contact_text(self, lang: str) -> str:
        doc = None
        if self.policies is not None:
            doc = next((d for d in self.policies.find("contact 联系方式", lang, k=1)), None)
        return doc.text[:300] if doc else self.composer.say("human_contact_default", lang)

    async def _llm(
        self, ctx: TurnContext, answer: Answer, products: Sequence[Product], u: Understanding | None
    ) -> Answer:
        if self.llm is None or self.prompts is None:
            return answer
        # a policy question that names a product ("Pegasus 41 保修多久"): its catalog facts back the reply too
        named = [] if products else self._named(ctx.text)
        known = {p.sku: p for p in [*products, *answer.reply.shown, *ctx.shown, *named]}
        all_docs = list(self.policies.docs) if self.policies is not None else []
        budget = amounts([u.filters.min_price, u.filters.max_price]) if u is not None else frozenset()
        facts = GroundingFacts(
            products=tuple(known.values()),
            policies=tuple(all_docs),
            allowed_amounts=budget,
            known_sku=lambda sku: self.index.get(sku) is not None,
            secret_lines=self.prompts.secrets(),
            focus=tuple(p.sku for p in products) if u is not None and u.targets else (),
            quoted=ctx.whole or ctx.text,
            terms=self.policies.terms if self.policies is not None else None,
            linker=self.index.find_named,
        )
        prompt_products = list(products) or list(answer.reply.shown) or named
        values = answer_values(
            ctx.lang,
            prompt_products,
            answer.docs,
            ctx.history,
            f"{ctx.context}，{ctx.text}" if ctx.context else ctx.text,
            understood_text(u, ctx.state),
        )
        text = await self._grounded(values, facts, ctx.progress)
        if text is None:
            return answer
        return Answer(replace(answer.reply, text=text.strip()), answer.docs, answer.hits, "llm")

    def _branded(self, text: str) -> list[Product]:
        """Products of a brand and kind the text names without a model ("Sony 耳机多少钱"): search hits whose
        brand and one of whose tags or category words the text contains, at most three."""
        lowered = text.lower()
        found = []
        for hit in self.index.search(text, k=5):
            p = hit.product
            kinds = (*p.tags, *p.category.split("/")) if p.category else tuple(p.tags)
            if p.brand and p.brand.lower() in lowered and any(k and k.lower() in lowered for k in kinds):
                found.append(p)
        return found[:3]

    def size_advice(self, ctx: TurnContext) -> Answer | None:
        """Which size fits ("身高175体重70穿什么码") for the product named or the products shown: the size their description's chart
        backs for the measurements given, or plainly no chart (with the sizes there are) and a person to ask.
        None when no product is in view, or when none has a chart and the shop's own size guide answers."""
        products = self._named(ctx.text)[:1] or ctx.shown[:3]
        if not products:
            return None
        measures = size_advice.measurements(ctx.text)
        advices = [size_advice.advise(p, measures) for p in products]
        charted = [a for a in advices if a.chart]
        docs = self.policies.docs if self.policies else []
        if not charted and any(_SIZE_WORD.search(d.text) and _BODY_WORD.search(d.text) for d in docs):
            return None  # the shop's size guide (a policy) answers it
        text, _ = size_advice.compose(charted or advices, measures, ctx.lang, self.composer.say, _sizes_of)
        return Answer(Reply(text, focus=products[0].sku if len(products) == 1 else ""))

    def _named(self, text: str) -> list[Product]:
        """The products `text` names best (the men's and women's Pegasus 41 alike), at most three."""
        mentions = self.index.find_mentions(text, k=3)
        best = max((m.score for m in mentions), default=0.0)
        found = (self.index.get(m.sku) for m in mentions if m.score == best and best > 0)
        return [p for p in found if p is not None]

    async def _grounded(
        self, values: dict[str, str], facts: GroundingFacts, progress: ReplyProgress | None
    ) -> str | None:
        assert self.llm is not None and self.prompts is not None
        violations: list[Violation] = []
        for attempt, spec in enumerate((self.prompts.answer, self.prompts.answer_strict)):
            extra = {"violations": violations_note(violations)} if attempt else {}
            drafts = Drafts(progress if attempt == 0 else None, facts, clock=self.draft_clock)
            try:
                text = await self.llm.stream(spec, {**values, **extra}, drafts.on_text)
            except LLMUnavailable as exc:
                log.warning("llm unavailable (%s), using the offline composer: %s", exc.kind, exc)
                telemetry.count("llm_fallback", reason="unavailable")
                return None
            with telemetry.stage("grounding"):  # on the loop: both gates check a reply in about a millisecond
                # the catalog products the reply names are linked in only when the turn's facts fall short
                found, named = linked(text, facts)
                violations = [v for v in found if v.kind not in ("unsupported", "affirms")]
                gaps = [] if violations else found
            if not violations and not gaps:
                return text
            if gaps:  # the allow-list: drop unsupported sentences when what remains still answers
                kept = without_sentences(text, gaps, named)
                action = "dropped" if kept is not None else "regenerated"
                for gap in gaps:
                    telemetry.count("grounding_unsupported", kind=gap.kind, action=action)
                log.warning("unsupported in LLM reply (attempt %d, %s): %s", attempt + 1, action,
                            violations_note(gaps))  # fmt: skip
                if kept is not None:
                    return kept
                violations = gaps
            self.violations += len(violations)
            for violation in violations:
                telemetry.count("grounding_violation", kind=violation.kind)
            log.warning("grounding violation (attempt %d): %s", attempt + 1, violations_note(violations))
        telemetry.count("llm_fallback", reason="grounding")
        return None


def _heads(word: str, name: str) -> bool:
    """A Chinese kind word ends one of its Han runs in `name` (a product's title, category and tags): "相机" in
    "索尼 微单相机" or "摄影/相机", not in "相机电池" (a modifier of the battery)."""
    start = name.find(word)
    while start >= 0:
        end = start + len(word)
        if end == len(name) or not is_han(name[end]):
            return True
        start = name.find(word, start + 1)
    return False
