"""Query understanding with memory: what is being asked, about which products, with which filters.

Fresh questions go through the knowledge layer's `QueryParser`; follow-ups resolve against the products
last shown in the chat ("第二个多少钱", "the cheaper one", "那黑色的呢", "有没有更便宜的", "这两款有什么区别").
Pure functions over plain values, so every rule is testable without a bot.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

import regex

from bot.conversation import contrasts
from bot.conversation.asks import ATTRIBUTE_WORDS, asked_size, asks_in, attribute_asks
from bot.conversation.compatibility import (
    asks_compatibility,
    compatibility_thing,
    in_attributes,
    thing_beside,
)
from bot.conversation.dialogue_state import DialogueState, Search, merge_filters
from bot.conversation.gifts import (
    GIFT_MARK,
    gift_request,
    gift_words_in,
    liked_things,
    names_occasion,
    without_likes,
)
from bot.conversation.intents import COMPARE_RX, PRODUCT_ASK_RX, RECOMMEND_RX, Intent
from bot.conversation.kinds import has_word
from bot.conversation.named import CatalogNames
from bot.conversation.ordering import Ordering, is_ordering_residue, is_ordering_word, order, ordering_in
from bot.conversation.other_item import matches_product, unmatched_item
from bot.conversation.refinements import asks_more, asks_other_brand, shown_brands, size_step
from bot.conversation.store import ChatState
from bot.conversation.unread import names_other_thing
from knowledge.compatible import fits
from knowledge.gender import is_gender_key
from knowledge.materials import ask_from_value, made_of, material_text, material_word, material_words
from knowledge.models import ParsedQuery, Product, QueryFilters
from knowledge.negation import find_negations
from knowledge.query import PRICED_IN
from knowledge.resources import normalise_text, synonym_groups
from knowledge.script import HAN, has_han

__all__ = [  # re-exported: older callers import these from here
    "ATTRIBUTE_WORDS",
    "QueryParsing",
    "Understanding",
    "asked_size",
    "asks_in",
    "attribute_asks",
    "merge_filters",
    "understand",
]


class QueryParsing(Protocol):
    def parse(self, text: str) -> ParsedQuery: ...

    def read_pinyin(self, text: str) -> str | None: ...

    def fix_typos(self, text: str) -> str: ...


_ZH_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_ORD = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
}
_ORD_ZH = re.compile(
    r"第\s*([一二两三四五六七八九十]|\d{1,2})\s*(?:个|款|双|件|种|条|台|只|瓶|部|套|样|支|盒|包)?"
)
_ORD_EN = re.compile(r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\b", re.IGNORECASE)
_ORD_NUM = re.compile(r"(?:#|No\.?\s?)\s*(\d)\b|(?<![\d.])(\d)\s*号", re.IGNORECASE)
_VALUE_SPLIT = re.compile(r"[;；,，、/|]")
_LAST = re.compile(r"最后(?:一|那)(?:个|款|双|件)|\bthe last( one)?\b|\blast one\b", re.IGNORECASE)
# a message whose subject is a bare pronoun: "它有货吗", "这个多少钱", "is it waterproof?", "how much is that one"
_PRONOUN_SUBJECT = re.compile(
    r"^\s*(?:请问|那|那么)?\s*(?:它|这个|那个|这款|那款|this one|that one|is it|does it|it's|it is|how much is it)",
    re.IGNORECASE,
)
_CHEAPER_REF = re.compile(
    r"(?:便宜|实惠)的?那(?:个|款|双|件|一款|一个)|最便宜的(?:那|一)|\bthe (?:cheaper|cheapest)(?: one)?\b",
    re.IGNORECASE,
)
_PRICIER_REF = re.compile(
    r"贵的?那(?:个|款|双|件|一款|一个)|最贵的(?:那|一)|\bthe (?:pricier|more expensive|most expensive)(?: one)?\b",
    re.IGNORECASE,
)
_CHEAPER_SEARCH = re.compile(
    r"(?:更|再|还)便宜|便宜(?:一点|点|些)的|cheaper (?:ones?|options?|alternatives?)|anything cheaper|something cheaper"
    r"|less expensive|any cheaper|lower price",
    re.IGNORECASE,
)
# two names side by side ("德龙和Nespresso", "Sony or Bose"): only then are brands looked for in the message
_BRAND_LIST = re.compile(r"和|跟|与|还是|或|、|[,，/&]|\b(?:and|or|vs)\b", re.IGNORECASE)
# "换个便宜点的": another product, so the brand of the one shown is no longer asked for (unless named again)
_SWITCH = re.compile(
    r"换(?:个|一个|一款|一双|一件|款|双|件|别的)|\bsomething else\b|\bdifferent\b", re.IGNORECASE
)
# "便宜点的跑鞋", "平价的T恤", "cheap running shoes": a search whose results are listed cheapest first
_CHEAP = re.compile(
    # Cantonese "平啲" / "平d" is "cheaper" (平 alone is in 平底锅, 平板)
    r"便宜|实惠|平价|划算|低价|性价比|平(?:啲|d(?![a-z]))|\bcheap(?:er|est)?\b|\baffordable\b|\binexpensive\b|\bbudget\b",
    re.IGNORECASE,
)
_DEMONSTRATIVE = re.compile(
    r"这(?:个|款|双|件|种|条|台|只|瓶|部|套|一款)|^它|\b(?:this|that) one\b|\bit\b", re.IGNORECASE
)
_THAT_ONE = re.compile(r"^那(?:个|款|双|件|台|只|条|套|瓶)")  # "那双…" with nothing else named: a reference
_SWITCH_WORDS = frozenset({"换", "换个", "换一个", "换一款", "有没有", "还有"})
_LIST_ASKS = frozenset({"price", "colour"})  # asked of a shown list, each product answers; "有货的呢" refines
_WHICH = re.compile(r"哪(?:个|款|双|件|台|只|一个|一款|一双)|\bwhich\b|谁", re.IGNORECASE)
_BOTH = re.compile(
    r"这两|那两|两(?:款|个(?!人)|双|件|种)|\bboth\b|\bthese two\b|\bthe two\b|\bthem\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Understanding:
    """The resolved request: its intent, the products it is about, or the search to run."""

    intent: Intent
    text: str
    targets: tuple[Product, ...] = ()
    search_text: str = ""
    filters: QueryFilters = field(default_factory=QueryFilters)
    keywords: tuple[str, ...] = ()
    asks: frozenset[str] = frozenset()
    size: str | None = None
    colour: str | None = None
    mode: str = "fresh"  # fresh | cheaper | refined | switched | named | reference | context | no_context | ambiguous |
    # compare_kind ("两款电热水壶对比一下": the kind searched, compared when it has two) |
    # ruled_out (only a kind excluded: "不要耳机")
    currency: str = ""  # the budget's currency when the message implies it ("便宜一点的" → the shown prices')
    out_of_range: int = 0  # an ordinal beyond the shown list ("第五个" when 3 were shown)
    ordering: Ordering | None = None  # "最便宜", "哪个更轻", "longest battery"
    scope: tuple[Product, ...] = ()  # the products an ordering ranks (the shown set); empty = a search
    search: Search = field(default_factory=Search)  # the search to remember for follow-ups
    missing: str = ""  # a product name asked about that the catalog does not have ("AirPods Max")
    compatible_with: str = ""  # "iphone能用吗" about the focus: the thing it should work with ("iphone")
    brands: tuple[
        str, ...
    ] = ()  # "德龙和Nespresso": two or more brands named without a product (mode "brands")
    cheap_first: bool = (
        False  # "便宜点的跑鞋", "cheap running shoes": the results sorted by price, cheapest first
    )
    skip: tuple[str, ...] = ()  # "还有别的吗": SKUs already shown, never shown again (mode "more")
    # mode "cheaper": the yes/no features (attribute keys) every product shown has, kept by the cheaper ones
    features: tuple[str, ...] = ()
    size_step: int = 0  # "换个大一点的": +1 bigger / -1 smaller than the target (mode "bigger"/"smaller")


def ordinal_indices(text: str, values: AbstractSet[str] = frozenset()) -> list[int]:
    """1-based positions named in the text, in order ("第一款和第三款" → [1, 3]). A bare "N号" among products
    sized in numbers (`values`: the shown products' attribute values — ring sizes 10–18) names a size."""
    found: list[tuple[int, int]] = []
    for m in _ORD_ZH.finditer(text):
        raw = m.group(1)
        found.append((m.start(), int(raw) if raw.isdigit() else _ZH_NUM[raw]))
    found += [(m.start(), _EN_ORD[m.group(1).lower()]) for m in _ORD_EN.finditer(text)]
    found += [
        (m.start(), int(m.group(1) or m.group(2)))
        for m in _ORD_NUM.finditer(text)
        if not (m.group(2) and any(v.rstrip("号").isdigit() for v in values))
    ]
    return list(dict.fromkeys(n for _, n in sorted(found)))


def resolve_references(text: str, shown: Sequence[Product], focus: str = "") -> tuple[list[Product], int]:
    """Products the text points at among those shown; second value = an out-of-range ordinal, else 0."""
    if not shown:
        return [], 0
    picks: list[Product] = []
    values = {v.strip() for p in shown for raw in p.attributes.values() for v in _VALUE_SPLIT.split(raw)}
    for n in ordinal_indices(text, frozenset(values)):
        if n > len(shown):
            return [], n
        picks.append(shown[n - 1])
    # "最便宜的那个" ranks several; over one product (a winner just named) it asks the active search again
    # prices compete within the list's main currency only (`ordering.order`): never $59.99 against ¥149
    many = len(shown) > 1
    if _CHEAPER_REF.search(text) and many and (cheapest := order(shown, Ordering("price", False, True))):
        picks.append(cheapest[0][0])
    if _PRICIER_REF.search(text) and many and (dearest := order(shown, Ordering("price", True, True))):
        picks.append(dearest[0][0])
    if _LAST.search(text):
        picks.append(shown[-1])
    if not picks and _BOTH.search(text) and len(shown) >= 2:
        picks = list(shown[:2])
    if not picks and _DEMONSTRATIVE.search(text):
        # "它" / "that one": the product in focus, or the only one shown; several shown and none in focus is
        # ambiguous (`is_ambiguous_reference`): nothing is picked, the customer is asked which
        one = next((p for p in shown if p.sku == focus), shown[0] if len(shown) == 1 else None)
        picks += [one] if one is not None else []
    return list({p.sku: p for p in picks}.values()), 0


def is_ambiguous_reference(text: str, shown: Sequence[Product], focus: str = "") -> bool:
    """ "那个多少钱" / "how much is that one" with several products shown and none in focus: nothing singles
    one out (no ordinal, no value, no "便宜的那个"), so the customer is asked which one they mean."""
    if len(shown) < 2 or any(p.sku == focus for p in shown):
        return False
    return bool(_DEMONSTRATIVE.search(text) or _THAT_ONE.search(text))


def _ranks_only(text: str, ordering: Ordering | None, shown: Sequence[Product], u: Understanding) -> bool:
    """ "最贵的那个呢" / "the cheapest one?" over a list: a superlative that asks nothing else of the winner."""
    return (
        ordering is not None
        and ordering.superlative
        and len(shown) > 1
        and not u.asks
        and not ordinal_indices(text)
        and not _LAST.search(text)
    )


def _names_anything(words: Sequence[str], mentions: CatalogNames | None) -> bool:
    """True when one of the words names a kind of product or a word of the catalog's titles ("耳机", "pegasus");
    "does", "come" of "what colours does that one come in" name nothing."""
    if mentions is None:
        return True
    return any(mentions.is_kind(w) or mentions.knows(w) for w in words)


def _only_colour_exclusions(filters: QueryFilters) -> bool:
    """The filters only rule colours out ("除了黑色", "not black"): with a colour question, a question about
    the other colours of the products in question, not a new search."""
    colour_keys = {"color", "colour", "颜色"}
    return (
        bool(filters.exclude_attributes)
        and all(k.lower() in colour_keys for k, _ in filters.exclude_attributes)
        and filters.is_empty() is False
        and replace(filters, exclude_attributes=()).is_empty()
    )


def filters_to_state(filters: QueryFilters) -> dict[str, str]:
    data = {f"attr:{k}": v for k, v in filters.attributes.items()}
    for name in ("min_price", "max_price", "category", "brand"):
        value = getattr(filters, name)
        if value not in (None, ""):
            data[name] = str(value)
    if filters.in_stock:
        data["in_stock"] = "1"
    return data


def filters_from_state(data: dict[str, str]) -> QueryFilters:
    return QueryFilters(
        min_price=Decimal(data["min_price"]) if data.get("min_price") else None,
        max_price=Decimal(data["max_price"]) if data.get("max_price") else None,
        category=data.get("category") or None,
        brand=data.get("brand") or None,
        attributes={k[5:]: v for k, v in data.items() if k.startswith("attr:")},
        in_stock=data.get("in_stock") == "1",
    )


def colour_of(filters: QueryFilters) -> str | None:
    return next((v for k, v in filters.attributes.items() if k.lower() in ("color", "colour", "颜色")), None)


# How many / which ones: a question about the results, never the product searched ("便宜点的跑鞋有几款").
COUNT_WORDS = re.compile(
    r"^(?:几|多少|哪几|哪些|好几)(?:款|个|种|样|件|双|套|台|只|类|瓶|条|家|个牌子)?$|"
    r"^(?:有什么|什么|有哪些|还有什么|有啥|啥|how|many|kinds?|types?|sorts?|options?|models?|choices?)$"
)
_NOISE = re.compile(
    r"^[\d.]+|码|号|多少|价格|钱|有货|库存|颜色|尺码|size|price|stock|colou?r|cheap|便宜|平价|实惠|划算|低价|affordable|"
    r"inexpensive|贵|区别|对比|推荐|有没有|"
    r"^(女款|男款|女士|男士|女生|男生|女子|男子|women|woman|men|man|female|male|ladies)$|"
    r"^(anything|something|any|else|other|others|别的|其他|其它|还有|牌子|品牌|brands?|好的|了解|另外|对了)$|"
    r"^(最小|最大|最高|最低|最长|最短|最久|几码|几号|多大|多长|多重|多少|有吗|有没有)$|"
    r"^(我家|我们家|家里|已经|自己|不用|看了)$|"
    r"^(预算|控制|控制在|范围|换个|换一个|换一款|里面|这里面|那里面|其中|当中|之中|这些|那些|budget|within)$|"
    r"^(sell|sells|selling|buy|much|need|want|looking|recommend|please|show|got|carry)$|"
    r"^(哪本|哪个|哪款|哪双|哪件|哪只|哪台|哪种|which)$|^(这|那)?(两|俩)(个|款|双|件|种|台|只)?$|"
    r"^(一|个|款|双|件|这|那|呢|吗|的|它|第.*)$|^(one|ones|it|this|that|the|first|second|third|last|which|them|both)$|"
    + COUNT_WORDS.pattern
)


def _of_material(shown: Sequence[Product], filters: QueryFilters) -> tuple[Product, ...]:
    """The shown products of the material the message names ("羽绒的那几个里哪个最便宜"), else all of them."""
    ask = ask_from_value(filters.material) if filters.material else None
    made = [p for p in shown if ask is not None and made_of(material_text(p), ask)]
    return tuple(made or shown)


def content_keywords(keywords: Sequence[str], filters: QueryFilters) -> list[str]:
    """Keywords that name a kind of product, not a number, filter value or question word."""
    values = {str(v).lower() for v in filters.attributes.values()}
    if filters.material:  # "纯棉的床单": 纯棉 is the material filter, 床单 the kind
        values |= material_words(filters.material)
    return [k for k in keywords if k.lower() not in values and not _NOISE.search(k.lower())]


def _narrows_search(
    search: Search, ruled_out: Sequence[str], kind_of: Callable[[str], str | None] | None
) -> bool:
    """ "pens" then "not fountain pens": the active search's words name a wider kind than the one ruled out
    (none of them is of that kind, nor is its category), so the exclusion narrows it — not "what instead?"."""
    wider = (search.filters.category or "").rstrip("/")
    if wider and all(x.startswith(f"{wider}/") for x in ruled_out):
        return True  # "除了耳机还有什么数码产品" → "不要充电器": the rest of 数码 without chargers
    if not search.words or search.filters.category in ruled_out:
        return False
    return not any(kind_of is not None and kind_of(w) in ruled_out for w in search.words)


# parser → keyword → the attribute filters it alone parses to. Only catalog words and words that parse to an
# attribute (colours, sizes …) are kept — shop vocabulary, never what else a customer typed — up to a bound.
_ALONE: weakref.WeakKeyDictionary[QueryParsing, dict[str, dict[str, str]]] = weakref.WeakKeyDictionary()
_ALONE_MAX = 20_000


def _alone_attributes(parser: QueryParsing, word: str) -> dict[str, str]:
    memo = _ALONE.get(parser)
    if memo is None:
        memo = _ALONE.setdefault(parser, {})
    alone = memo.get(word)
    if alone is None:
        alone = dict(parser.parse(word).filters.attributes)
        catalog = getattr(getattr(parser, "vocabulary", None), "doc_freq", ())
        if (alone or word in catalog) and len(memo) < _ALONE_MAX:
            memo[word] = alone
    return alone


def _names_filter(parser: QueryParsing | None, word: str, filters: QueryFilters) -> bool:
    """True when a keyword is just the name of an attribute filter already applied ("black" → 黑色)."""
    if parser is None or not filters.attributes:
        return False
    alone = _alone_attributes(parser, word)
    return bool(alone) and all(filters.attributes.get(k) == v for k, v in alone.items())


def _parse(parser: QueryParsing | None, text: str) -> ParsedQuery:
    if parser is None:
        return ParsedQuery(
            text=text, keywords=[w for w in re.split(r"\W+", text) if w], filters=QueryFilters()
        )
    parsed = parser.parse(text)
    genders = [k for k in parsed.filters.attributes if is_gender_key(k)]
    if genders and contrasts.recipient_gender_only(text):
        # "送妈妈茶叶", "给老公买双跑鞋": whom it is for — a product named for the other one is ruled out
        # (contrasts), a tea or a cream with no gender still fits
        kept = {k: v for k, v in parsed.filters.attributes.items() if k not in genders}
        parsed = replace(parsed, filters=replace(parsed.filters, attributes=kept))
    return parsed


_CHINESE_REF_VALUE = re.compile(r"([^的，,。？?\s]{1,8}?)的?(?:那|这)(?:个|款|双|件|一款|只|台|套|条)")
# "那个迷你的多重", "那款太阳能的续航多久": the describing word after the demonstrative
_CHINESE_REF_VALUE_AFTER = re.compile(
    r"(?:那|这)(?:个|款|双|件|只|台|套|条|本|支)([^的，,。？?\s那这个款]{1,8}?)的"
)
_ENGLISH_REF_VALUE = re.compile(r"\bthe ([a-z0-9][\w.+-]{1,15}) one\b", re.IGNORECASE)


def _products(lookup: Callable[[str], Product | None], skus: Sequence[str]) -> list[Product]:
    return [p for sku in skus if (p := lookup(sku)) is not None]


def _value_reference(text: str, shown: Sequence[Product]) -> list[Product]:
    """ "樱桃红的那个", "100w的那个", "the 100W one" → the shown product whose attribute values or title have
    those words (any case or width), only when they pick some of the shown out."""
    for rx in (_CHINESE_REF_VALUE, _CHINESE_REF_VALUE_AFTER, _ENGLISH_REF_VALUE):
        match = rx.search(text)
        if not match or len(shown) < 1:
            continue
        word = normalise_text(match.group(1)).strip()
        if not word:
            continue

        def has(product: Product, word: str = word) -> bool:
            values = [*product.attributes.values(), product.title, *product.tags]
            return any(word in normalise_text(v) for v in values)

        picked = [p for p in shown if has(p)]
        if 0 < len(picked) < max(2, len(shown)) or (len(shown) == 1 and picked):
            return picked
    return []


def _ranked_reference(text: str, pool: Sequence[Product]) -> list[Product]:
    """ "便宜的那个" / "那个便宜的" / "轻的那个" / "the cheaper one" over the compared pair or the shown list."""
    if len(pool) < 2 or not re.search(
        r"的(?:那|这)|(?:那|这)(?:个|款|双|件|只|台|本|支)[^的，,。？?\s]{1,4}的|the \w+(?:er|est) one|\bthe (?:cheaper|lighter)",
        text,
    ):
        return []
    wanted = ordering_in(text.replace("的那", "一点的那")) or ordering_in(text + " 哪个")
    if wanted is None:
        return []
    ranked = order(pool, wanted)
    return [ranked[0][0]] if ranked else []


def understand(
    text: str,
    intent: Intent,
    state: ChatState,
    shown: Sequence[Product],
    parser: QueryParsing | None,
    mentions: CatalogNames | None = None,
    lookup: Callable[[str], Product | None] | None = None,
    kind_of: Callable[[str], str | None] | None = None,
    brands_of: Callable[[str], list[str]] | None = None,
) -> Understanding:
    """Resolve a cleaned (Simplified) message against the dialogue state into targets or a search.

    Order of the rules: products named by name → a comparison of two → references to what was shown →
    an ordering over the shown set → a question about the product in focus → a search that refines the
    active one, or starts a new one when the message names another kind of product (`kind_of` says which
    category a few words belong to; it is how "枕头" after coffee machines is told from "清爽" after sunscreen).
    """
    lookup = lookup or (lambda sku: next((p for p in shown if p.sku == sku), None))
    d: DialogueState = state.dialogue
    parsed = _parse(parser, text)  # exclusions ("不要李宁的", "not white") are filters, never keywords
    positive_text = without_negations(text)
    if "currency" in parsed.filters.attributes:  # "anything priced in USD?": the filter, no words to search
        positive_text = " ".join(
            w
            for w in _bare_words(PRICED_IN.sub(" ", normalise_text(positive_text))).split()
            if len(w) > 1 and not ANY_PRODUCT.match(w)
        )
    query = " ".join(k for k in parsed.keywords if not COUNT_WORDS.match(k.lower())) or positive_text
    filters = parsed.filters
    ordering = ordering_in(text)
    if (
        ordering
        and ordering.attribute == "price"
        and not ordering.superlative
        and filters.max_price is not None
    ):
        ordering = None  # "anything cheaper than 1000 yuan?" states a budget; it asks for no ranking
    base = Understanding(
        intent=intent,
        text=text,
        search_text=query,
        filters=filters,
        keywords=tuple(parsed.keywords),
        asks=asks_in(text),
        size=asked_size(text),
        colour=colour_of(filters),
        ordering=ordering,
    )
    named = mentions.find(positive_text) if mentions is not None else []  # "not Stanley" names nothing
    named_products = [_products(lookup, m.skus) for m in named]
    named_products = [ps for ps in named_products if ps]
    compared = _products(lookup, d.compared)
    refs, out_of_range = resolve_references(text, shown, d.focus)
    refs = refs or _value_reference(text, shown) or _ranked_reference(text, compared or list(shown))
    if refs and ordering is not None and ordering.rank > 1 and ordering.superlative:
        refs = []  # "第二便宜的呢": a place in the ranking over the list, not its second item
    pair = compared or list(shown)
    if (
        len(refs) == 1
        and len(pair) == 2
        and _CHEAPER_REF.search(text)
        and len({p.currency.upper() for p in pair if p.price is not None}) > 1
    ):  # "the cheaper one" of a $ and a ¥ price (no rate here): side by side, no pick
        return replace(base, intent=Intent.COMPARISON, targets=tuple(pair), mode="reference")
    if refs and _ranks_only(text, ordering, shown, base):
        refs = []  # "最贵的那个呢": the winner over the list (with a note on other currencies), not a detail card
    asked_words = {w for name in asks_in(text) if name.startswith("attr:") for w in ATTRIBUTE_WORDS[name[5:]]}
    phrase_words = _phrase_words(text)  # "power" asks for wattage, but "power bank" names a product kind
    asked_words -= phrase_words
    content = [
        k
        for k in content_keywords(parsed.keywords, filters)
        if not _names_filter(parser, k, filters)
        and (not is_ordering_word(k) or k.lower() in phrase_words)  # "最轻", "thickest": how to rank
        and not is_ordering_residue(k, ordering)  # "要轻" of "要轻一点的"
        and k.lower() not in asked_words
    ]
    ambiguous = not refs and is_ambiguous_reference(text, shown, d.focus)
    if not refs and not content and shown and _THAT_ONE.search(text) and not ambiguous:
        refs = [next((p for p in shown if p.sku == d.focus), shown[0])]  # "那双有粉色吗": the one in focus
    wants_compare = intent is Intent.COMPARISON or bool(COMPARE_RX.search(text))
    comparative = (
        ordering is not None and not ordering.superlative and bool(re.search(r"哪|which|比|or\b", text, re.I))
    )

    # 1. two products named (or one named + "它"): compare exactly those
    if len(named_products) >= 2 or (named_products and refs and (wants_compare or comparative)):
        pair = (
            [ps[0] for ps in named_products[:2]]
            if len(named_products) >= 2
            else [refs[0], named_products[0][0]]
        )
        return replace(base, intent=Intent.COMPARISON, targets=tuple(pair), mode="named")
    in_focus = _in_focus(d, shown, lookup)
    named_skus = {p.sku for p in named_products[0]} if len(named_products) == 1 else set()
    if in_focus is not None and in_focus.sku in named_skus and len(shown) == 2:
        # "和 WF-1000XM5 比哪个续航长" with the WF and the WH shown: the other one against it
        in_focus = next((p for p in shown if p.sku not in named_skus), None)
    if (
        len(named_products) == 1
        and in_focus is not None
        and (wants_compare or comparative or _AGAINST.search(text))
        and in_focus.sku not in {p.sku for p in named_products[0]}
    ):  # "和 Kinvara 15 比哪个轻" with the Pegasus 41 in focus: those two, on the attribute asked
        return replace(base, intent=Intent.COMPARISON, targets=(in_focus, named_products[0][0]), mode="named")
    listing = brands_of is not None and not refs and bool(_BRAND_LIST.search(positive_text))
    brands = brands_of(positive_text) if brands_of is not None and listing else []
    if len(brands) >= 2 and not _names_more_than(content, brands_of, filters):
        # "德龙和Nespresso", "索尼和Bose的耳机": those brands' products (compared when each has one)
        assert brands_of is not None
        each = Search(tuple(w for w in content if not brands_of(w)), replace(filters, brand=None))
        return replace(base, intent=Intent.RECOMMENDATION, mode="brands", brands=tuple(brands), search=each)
    listed = len(shown) > 2 and set(d.compared) != {p.sku for p in shown}  # the last reply was a list
    if (
        ordering is not None
        and comparative
        and listed
        and len(refs) < 2
        and not content
        and not named_products
    ):
        # "哪个更轻" / "which is lighter" after a list: rank the whole shown set by the attribute asked
        return replace(
            base, intent=Intent.RECOMMENDATION, scope=_of_material(shown, filters), mode="reference"
        )
    pair_shown = len(compared) == 2 and {p.sku for p in compared} == {p.sku for p in shown}
    if (
        pair_shown
        and _WHICH.search(text)
        and (not content or _only_ask_words(content, base))
        and not named_products
        and not filters.category
    ):
        # "哪个降噪好" / "续航哪个长" / "which is lighter" right after a comparison: answer over that pair
        return replace(base, intent=Intent.COMPARISON, targets=tuple(compared), mode="reference")
    if wants_compare or (comparative and len(compared or shown) >= 2 and not content):
        pool = refs if len(refs) >= 2 else compared if len(compared) >= 2 else list(shown[:2])
        if len(pool) >= 2 and not (content and not refs):
            return replace(base, intent=Intent.COMPARISON, targets=tuple(pool[:2]), mode="reference")
        if wants_compare and not content and not named_products and not filters.category:
            # "这两个哪个好" with fewer than two shown: ask which two, never search for "两个"
            return replace(base, intent=Intent.COMPARISON, targets=tuple(pool[:1]), mode="reference")
        if (
            wants_compare
            and not refs
            and not named_products
            and len(pool) < 2
            and (content or filters.category)
        ):
            # "两款电热水壶对比一下" with nothing shown: the kind's products compared when it has just two
            # (the answer searches the kind; more than two are listed as a search)
            return replace(base, intent=Intent.COMPARISON, targets=(), mode="compare_kind")
    # 2. a product named by name
    if named_products:
        products = named_products[0]
        same_kind = not filters.category or products[0].category.startswith(filters.category)
        if len(products) == 1 and asks_compatibility(positive_text) and same_kind:
            # "Kakuno 适合小学生吗": whether the named product suits them, from its own text
            thing = thing_beside(positive_text, products[0])
            # a device in its list of compatible models: answered yes/no from that list, not with the card
            listed = bool(thing) and fits(products[0], thing)[0] is not None
            if thing and (listed or not in_attributes(products[0], thing)):
                return replace(
                    base,
                    intent=Intent.PRODUCT_QUESTION,
                    targets=tuple(products),
                    mode="context",
                    compatible_with=thing,
                )
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(products), mode="named")
    # 3. "iphone能用吗" / "will it work with my iPhone?": compatibility of the product referred to or in focus
    subject = refs[:1] or [p for p in shown if p.sku == d.focus] or (list(shown) if len(shown) == 1 else [])
    if subject and asks_compatibility(positive_text) and not filters.category:
        thing = compatibility_thing(positive_text)
        if thing:
            return replace(
                base,
                intent=Intent.PRODUCT_QUESTION,
                targets=tuple(subject[:1]),
                mode="context",
                compatible_with=thing,
            )
    # 4. references to what was shown ("第二个", "它", "便宜的那个", "樱桃红的那个")
    if not shown and (ordinal_indices(text) or (_CHEAPER_REF.search(text) and not ordering)):
        return replace(base, intent=Intent.PRODUCT_QUESTION, mode="no_context")
    if (
        not shown
        and not d.focus
        and _PRONOUN_SUBJECT.match(text)
        and not filters.category
        and not filters.brand
    ):
        # "它有货吗" in a fresh chat: which product? — never a search for the words 「它有货」
        return replace(base, intent=Intent.PRODUCT_QUESTION, mode="no_context")
    if out_of_range:
        return replace(base, intent=Intent.PRODUCT_QUESTION, out_of_range=out_of_range, mode="reference")
    if refs:
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(refs), mode="reference")
    if (
        ambiguous
        and not filters.category
        and not ordering
        and (not content or _only_ask_words(content, base) or not _names_anything(content, mentions))
    ):
        # "那个多少钱" after a list of five: which one? (the shown list, for the question to name them)
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(shown), mode="ambiguous")
    step = size_step(positive_text)
    seeds = [p for p in shown if p.sku == d.focus] or list(shown[:1])
    lowered = positive_text.lower()
    said_brand = bool(filters.brand) and str(filters.brand).lower() in lowered  # "大一点" is no 大益
    # the words of "换个大一点的" itself, or a word the parser read into it ("大" → 大益) that the message lacks
    only_step = all(size_step(w) or w in _SWITCH_WORDS or w.lower() not in lowered for w in content)
    if step and seeds and not filters.category and not said_brand and not named_products and only_step:
        # "换个大一点的" (a wok): the same kind, sized beyond the one in focus (answer.py compares the sizes)
        mode = "bigger" if step > 0 else "smaller"
        sized = replace(base, filters=replace(filters, brand=None))
        return replace(
            sized, intent=Intent.RECOMMENDATION, targets=tuple(seeds[:1]), mode=mode, size_step=step
        )
    if not filters.category and kind_of is not None and len(content) == 1:  # "两三百的锅": 锅 = 锅具
        filters = replace(filters, category=_single_character_kind(content[0], kind_of))
        base = replace(base, filters=filters)
    content = _with_head_nouns(
        content, positive_text
    )  # "徒步袜": jieba keeps 徒步 and drops the 袜 that heads it
    new_kind = bool(filters.category) or bool(content)
    focus = [p for p in shown if p.sku == d.focus] or (list(shown) if len(shown) == 1 else [])
    only_focus = bool(focus) and len(shown) == 1
    anew = False
    if (
        ordering is not None
        and ordering.superlative
        and only_focus
        and not new_kind
        and not refs
        and not named_products
        and not d.search.is_empty()
    ):  # "哪个续航最长" / "cheapest one in stock" after a superlative showed its one winner: ranked anew over
        focus, only_focus, anew = [], False, True  # the search the winner came from, never it alone
    # 4. "哪个最便宜" over the shown list
    if (
        ordering is not None
        and shown
        and not new_kind
        and ordering.superlative
        and not only_focus
        and not anew
    ):
        return replace(
            base, intent=Intent.RECOMMENDATION, scope=_of_material(shown, filters), mode="reference"
        )
    if d.asked == "colour" and not content and _only_colour_exclusions(parsed.filters):
        base = replace(base, asks=base.asks | {"colour"})  # "除了黑色呢" after "有哪些颜色": the others
    # 5. a question about the product in focus ("有37码吗", "容量多大", "is it waterproof", "黑色的呢")
    values_only = not content and not filters.category and bool(base.colour or base.size)
    same_question = (base.colour and d.asked == "colour") or (base.size and d.asked == "size")
    again = values_only and bool(focus) and bool(same_question or d.search.is_empty())
    asks_fact = bool(base.asks - {"details"}) or (bool(base.size) and not values_only) or again
    other_thing = (
        names_other_thing(positive_text, focus[0])
        if focus and base.asks and base.asks <= {"price", "stock"} and not (base.colour or base.size)
        else []
    )
    if not other_thing and focus and asks_fact and not content:  # 竹板 ↔ 竹制砧板 by character overlap
        other = unmatched_item(positive_text)
        modal = bool(other) and _MODAL.match(other or "") is not None  # "几岁能玩": 能玩 is no item
        other_thing = [other] if other and not modal and not matches_product(other, focus[0]) else []
    if (
        other_thing and not content
    ):  # "钛杯多少钱" with dog treats in focus: the cup's price, never the treats'
        content, new_kind = other_thing, True
    elif (
        focus
        and asks_fact
        and (not filters.category or (not content and _own_category(focus[0], filters.category)))
        and (
            not (content and not _only_ask_words(content, base))
            # "烧开一壶水要几分钟" of the kettle in focus: the other words name no product
            or ("duration" in base.asks and not _names_anything(content, mentions))
            # "几岁能玩" of the one game just found: the attribute asked, the other words name nothing
            or (any(a.startswith("attr:") for a in base.asks) and not _names_anything(content, mentions))
        )
    ):
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(focus), mode="context")
    features = (
        _features_asked(content, positive_text, focus[0], mentions)
        if focus and not filters.category and not filters.brand and not named_products and not ordering
        else []
    )
    if (
        features
    ):  # "水箱多大" / "压力多大" of the coffee machine in focus: its listing's words, never a search
        asks = base.asks | {f"feature:{w}" for w in features}
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(focus), mode="context", asks=asks)
    # "除了黑色还有什么颜色": a question about the other colours of what was shown, not a search
    colours_asked = "colour" in base.asks and _only_colour_exclusions(parsed.filters)
    if (
        shown
        and not focus
        and not content
        and (parsed.filters.is_empty() or colours_asked)
        and base.asks
        and base.asks <= _LIST_ASKS | {a for a in base.asks if a.startswith("attr:")}
        and not (base.colour or base.size or ordering)
    ):  # "价格多少" / "有什么颜色" / "续航呢" about the short list just shown: answer for each of them
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(shown), mode="context")
    if (
        intent is Intent.PRODUCT_QUESTION
        and shown
        and not content
        and not filters.category
        and not d.search.words
    ):
        return replace(base, intent=Intent.PRODUCT_QUESTION, targets=tuple(focus or shown), mode="context")
    # 6. "不要耳机" / "别推荐耳机了": only a kind ruled out, with no search left to narrow — ask what instead
    ruled_out = parsed.filters.exclude_categories
    active = d.search.filters.category or _shared_category(shown)
    if (
        ruled_out
        and not content
        and not _ASKS_NOTHING.sub("", positive_text)  # "有什么书推荐，不要童书" still asks for 书
        and replace(parsed.filters, exclude_categories=(), exclude_brands=()).is_empty()
        and (not active or any(_related(x, active) for x in ruled_out))
        and not _narrows_search(d.search, ruled_out, kind_of)
    ):
        left = Search((), parsed.filters.exclusions_only())
        return replace(
            base, intent=Intent.RECOMMENDATION, mode="ruled_out", search=left, filters=left.filters
        )
    # 7. a search: refine the active one, or start a new one
    if shown and not d.search.is_empty() and asks_more(positive_text):
        content = []  # "换一批": 一批 names nothing — the next ones of the same search
    intent = Intent.RECOMMENDATION if intent not in (Intent.RECOMMENDATION, Intent.UNKNOWN) else intent
    if d.search.is_empty() and focus and not new_kind:  # "有没有便宜一点的" after a named product
        seed = focus[0]
        d = replace(
            d,
            search=Search(
                (seed.category_path[-1],) if seed.category_path else (),
                QueryFilters(category=seed.category or None),
            ),
        )
    # "适合敏感肌的" after creams: a word some shown product has narrows the list, whatever kind it names most
    of_shown = bool(shown) and all(any(has_word(p, w) for p in shown) for w in content)
    search = _next_search(
        d, tuple(content), filters, positive_text, kind_of, _shared_category(shown), of_shown=of_shown
    )
    if search is not None and parsed.filters.brand and brands_of is not None:
        # "有华为的吗" → "小米呢" → "安踏": a brand named instead of the one before replaces it (never all three)
        said = {str(parsed.filters.brand).lower()}
        old = {
            w
            for w in search.words
            if w not in content and (found := brands_of(w)) and not said & {b.lower() for b in found}
        }
        if old:
            search = replace(
                search,
                words=tuple(w for w in search.words if w not in old),
                required=tuple(w for w in search.required if w not in old),
            )
    refined = search is not None
    if (
        search is not None
        and content
        and base.asks & {"price", "stock"}
        and filters.min_price is None
        and filters.max_price is None
    ):  # "那个夏威夷果多少钱" while browsing 100–200 gift boxes: asks about a thing, the old budget is moot
        search = replace(search, filters=replace(search.filters, min_price=None, max_price=None))
    bare = tuple(_bare_words(positive_text).split()[:3]) if not parsed.keywords else ()
    if (
        not parsed.keywords and filters.material
    ):  # "要100%棉的": the material is the search ("%棉" is no word)
        bare = (material_word(filters.material),)
    # "妈妈生日，想送她点好茶叶": the occasion and the recipient are no words of the product searched for
    things = tuple(w for w in content if not names_occasion(w)) or tuple(content)
    search = search or Search(things or tuple(parsed.keywords) or bare, filters)
    mode = "refined" if refined else "fresh"
    like_shown: tuple[str, ...] = ()  # the yes/no features a cheaper one keeps
    same_kind = (
        not content
        or (  # "换个便宜点的头戴耳机" after a headphone: still cheaper than what was shown
            bool(shown) and all(any(has_word(p, w) for p in shown) for w in content)
        )
    )
    if (refined or focus) and _CHEAPER_SEARCH.search(text) and same_kind and filters.max_price is None:
        # cheaper than the one in focus ("第二个呢" → "便宜点的呢"), else than everything shown
        priced = [p for p in (focus or shown) if p.price is not None]
        main = _main_currency(priced)
        home = (getattr(getattr(parser, "vocabulary", None), "currency", "") or "").upper()
        if home and main != home and any(p.currency.upper() == home for p in priced):
            main = home  # ¥199 beside $89 and $55: cheaper in the shop's own currency, never dollars vs yuan
        ceiling = min((p.price for p in priced if p.currency == main and p.price is not None), default=None)
        if ceiling is not None:
            brand = search.filters.brand if parsed.filters.brand or not _SWITCH.search(text) else None
            # what every product shown is ("头戴式耳机", "女款") stays asked for: a cheaper one of the same kind
            kept = [
                w
                for w in search.words
                if not is_ordering_word(w)
                and not (brand is None and brands_of is not None and brands_of(w))
                and all(has_word(p, w) for p in shown)
            ]
            search = Search(
                search.words,
                replace(search.filters, max_price=ceiling - Decimal("0.01"), brand=brand),
                tuple(dict.fromkeys([*search.required, *kept])),
            )
            base = replace(base, currency=main)
        mode = "cheaper"
        like_shown = shared_features(shown)  # cheaper noise-cancelling earbuds are still noise-cancelling
        ordering = None  # "便宜一点的": a cheaper list, not the single cheapest
    skip: tuple[str, ...] = ()
    if shown and refined and asks_other_brand(positive_text) and not parsed.filters.brand:
        # "换个牌子": the same search without the brands just shown
        out = tuple(dict.fromkeys([*search.filters.exclude_brands, *shown_brands(shown)]))
        search = replace(search, filters=replace(search.filters, brand=None, exclude_brands=out))
        if brands_of is not None:  # "薇诺娜的面霜" → "换个牌子": 薇诺娜 is no word to search for any more
            gone = {b.lower() for b in out}
            remaining = tuple(w for w in search.words if not {b.lower() for b in brands_of(w)} & gone)
            search = replace(
                search, words=remaining, required=tuple(w for w in search.required if w in remaining)
            )
        mode = "other_brand"
    elif shown and refined and not content and parsed.filters.is_empty() and asks_more(positive_text):
        skip, mode = tuple(p.sku for p in shown), "more"  # "还有别的吗": the next ones, not a repeat
    if gift_request(positive_text) is not None:  # "给爸爸买点什么好": remembered for "他喜欢喝茶" next
        # "想送个礼物" names no one: the present itself is remembered, so "预算500左右" next stays a gift
        search = replace(search, gift=gift_words_in(positive_text) or (GIFT_MARK,))
        if filters.category and not _parse(parser, without_likes(positive_text)).filters.category:
            # "送老婆礼物，她喜欢护肤": 护肤 is what she likes, the present is not asked in that category
            search = replace(search, filters=replace(search.filters, category=None))
            filters = replace(filters, category=None)
    elif (
        d.search.gift
        and (refined or liked_things(positive_text) or bool(_QUALITY_ONLY.match(positive_text.strip())))
        and not filters.category
    ):
        # "他喜欢喝茶" / "500以内" / "还有别的吗" after a gift request: the same present, what they like added
        if not refined:  # "喝茶" is no new kind of product to search: the gift's budget and exclusions stay
            search = Search((), merge_filters(d.search.filters, replace(filters, category=None)))
            mode = "refined"
        gift = tuple(dict.fromkeys([*d.search.gift, *gift_words_in(positive_text)]))
        search = replace(search, gift=gift)
    missing = _missing_name(positive_text, parsed, mentions)
    cheap_first = (
        mode
        != "cheaper"  # "便宜一点的" after a product: a step down from it, nearest price first (answer.py)
        and bool(_CHEAP.search(positive_text))
        and (ordering is None or not ordering.superlative)
    ) or (mode in ("other_brand", "more") and _cheapest_first(shown))  # "便宜点" → "换个牌子": still cheap
    if cheap_first and ordering is not None and ordering.attribute == "price":
        ordering = None  # "实惠一点的充电器": a list sorted cheapest first, not one winner
    return replace(
        base,
        cheap_first=cheap_first,
        intent=intent,
        search_text=query if bare and mode == "fresh" else (search.text or query),  # bare words: a fallback
        filters=search.filters,
        keywords=tuple(dict.fromkeys([*search.words, *parsed.keywords])),
        colour=colour_of(search.filters),
        mode=mode,
        search=search,
        missing=missing,
        ordering=ordering,
        skip=skip,
        features=like_shown,
    )


_FILLER = re.compile(
    r"(?:[\d.,]+|[一二两三四五六七八九十几]*[十百千万][一二两三四五六七八九]?)\s*(?:k|w|块钱|块|元|rmb|yuan)?"
    r"\s*(?:以内|以下|左右|之间|上下|出头)?|有没有|有吗|有卖|卖不卖|推荐|想要|想买|请问|"
    r"[的了吗呢吧啊呀个款些点]|[，,。！!？?\s]+",
    re.IGNORECASE,
)


# Words that name no kind of product: "有美元标价的商品吗", "anything priced in USD?" ask for the filter alone.
ANY_PRODUCT = re.compile(
    r"^(?:商品|东西|产品|货|宝贝|装备|用品|用具|器材|items?|products?|things?|stuff|anything|something|goods|gear"
    r"|equipment|supplies)$",
    re.IGNORECASE,
)
# What is left of "不要耳机了" / "别推荐耳机了，好吗" once the negation is blanked: words that ask for nothing.
_ASKS_NOTHING = re.compile(
    r"有什么|有没有|有哪些|推荐|还有|看看|别的|其他|其它|什么|好吗|可以吗|谢谢|了|的|吗|呢|吧|啊|呀|哦|嗯|[，,。！!？?\s]|"
    r"\b(?:please|thanks|ok|okay|any|more|anymore|show|me|recommend)\b",
    re.IGNORECASE,
)


def _bare_words(text: str) -> str:
    """What is left of a message without its budget and particles ("50块以内的书" → "书"): the search words
    when the keyword extractor kept none (it drops one-character words)."""
    return _FILLER.sub(" ", text).strip()


def _names_more_than(
    content: Sequence[str], brands_of: Callable[[str], list[str]] | None, filters: QueryFilters
) -> bool:
    """True when the content words name something besides brands and the category filter (a product, a
    feature): then the message is not a brand-only mention."""
    if brands_of is None:
        return True
    leftover = [w for w in content if not brands_of(w)]
    return bool(leftover) and not (filters.category and len(leftover) <= 1)


# A question about a part or figure of the product in focus ("水箱多大", "压力多少", "有奶泡棒吗", "how wide is it")
_MODAL = re.compile(r"^(?:能|可以|会|要|好|适合)")
_CAN = re.compile(r"^(?:请问|那|这款|它|这个)?(?:能不能|能|可以|可不可以)")
_LETTER_VALUE = re.compile(r"(?<![A-Za-z])([A-Za-z]{1,3})\s*值")
_A_NOT_A = regex.compile(rf"({HAN}{{1,2}})不\1")
_FEATURE_QUESTION = re.compile(
    r"多大|多少|多宽|多高|多重|多长|多厚|多深|几个|是什么|是啥|什么样|有没有|有.{1,6}吗|带.{1,6}吗|^能.{1,6}吗"
    r"|how (?:big|wide|large|tall|long|deep|much|many|heavy)|what(?:'s| is) the|does it have|is there",
    re.IGNORECASE,
)


def _own_category(product: Product, category: str) -> bool:
    """The category a word of the question was read as is the product's own ("SPF多少" of a sunscreen: spf
    names 防晒, but asks about the sunscreen in focus)."""
    return product.category == category or product.category.startswith(category.rstrip("/") + "/")


_FEATURE_FRAME = re.compile(
    r"^(?:请问|那|这款|它|这个)?(?:有没有|有|带|是不是|能不能|能|可以|可不可以)?"
    r"|(?:是)?(?:多大|多少|多宽|多高|多重|多长|多厚|多深|什么样|是什么|是啥)"
    r"|[吗呢？?。!！\s]+$"
)


def _features_asked(
    content: Sequence[str], text: str, product: Product, mentions: CatalogNames | None
) -> list[str]:
    """The words of a question about the product in focus that name a part or figure of it, not a kind of
    product: each word is in the product's attribute values or description, or in no title of the catalog
    ("水箱" of a coffee machine listing "1.1L水箱", "内胆" that no listing names). [] when any word names a kind
    or another product, or the message asks nothing."""
    if mentions is None:
        return []
    own = normalise_text(" ".join([*map(str, product.attributes.values()), product.description or ""]))
    either = _A_NOT_A.search(text)  # "酸不酸", "重不重", "防水不防水": whether it is X — X of its own listing
    if either and normalise_text(either.group(1)) in own and not mentions.is_kind(either.group(1)):
        return [either.group(1)]
    lettered = _LETTER_VALUE.search(text)  # "R值多少" of a pad listing "R-value 4.5" (or "R值3.5")
    if lettered:
        letters = lettered.group(1)
        forms = (f"{letters}值", f"{letters}-value", f"{letters} value")
        return [f for f in forms if normalise_text(f) in own][:1]
    words = [w for w in content if len(w) >= 2 and not re.fullmatch(r"[\d.]+\w{0,3}", w)]
    if not words or len(words) != len(content) or not _FEATURE_QUESTION.search(text):
        return []
    phrase = normalise_text(
        _FEATURE_FRAME.sub("", text)
    ).strip()  # "有奶泡棒吗" → 奶泡棒 (jieba: 有奶 / 泡棒)
    if len(phrase) >= 3 and phrase[1:] in own and phrase not in own and _CAN.match(text):
        phrase = phrase[1:]  # "能打奶泡吗" of a machine "自带奶泡棒": the thing after the verb
    if len(phrase) >= 2 and phrase in own and not mentions.is_kind(phrase):
        return [phrase]
    for word in words:
        if mentions.is_kind(word):
            return []
        if normalise_text(word) in own:
            continue
        if mentions.find(word) or normalise_text(word) in normalise_text(product.title):
            return []  # names a product
    return words


def _only_ask_words(content: Sequence[str], u: Understanding) -> bool:
    """True when the leftover words only ask about an attribute ("续航", "容量", "防水")."""
    words = {w for name in u.asks if name.startswith("attr:") for w in ATTRIBUTE_WORDS.get(name[5:], ())}

    def asks(k: str) -> bool:  # "cancelling" is the ask word "noise cancel" inflected
        return any(w in k or k in w or any(k.startswith(t) for t in w.split() if len(t) >= 4) for w in words)

    return bool(words) and all(asks(k.lower()) or _PER_UNIT.match(k) for k in content)


# "一箱", "每盒", "一包": the unit a count is asked per ("多少罐一箱"), no product
_PER_UNIT = re.compile(r"^(?:一|每)(?:箱|盒|包|袋|套|组|瓶|提|件|打)$")


@lru_cache(maxsize=1)
def _multiword_phrases() -> tuple[str, ...]:
    return tuple(
        normalise_text(m) for group in synonym_groups() for m in group if " " in m.strip() and m.isascii()
    )


def _phrase_words(text: str) -> set[str]:
    """Words of the multi-word product phrases ("power bank", "running shoes") the text contains."""
    lowered = normalise_text(text)
    return {w for phrase in _multiword_phrases() if phrase in lowered for w in phrase.split()}


def _single_character_kind(word: str, kind_of: Callable[[str], str | None]) -> str | None:
    """The category a one-character kind word names when a category's own name starts with it ("锅" → 锅具,
    "茶" → 茶饮); None otherwise ("鞋" names running and basketball shoes alike, so no one category)."""
    if len(word) != 1 or not has_han(word):
        return None
    category = kind_of(word)
    leaf = category.split("/")[-1] if category else ""
    return category if leaf.startswith(word) else None


def _shared_category(products: Sequence[Product]) -> str | None:
    """The category every shown product has (power banks → 数码/充电器); None when they differ ("苹果的东西":
    earbuds, chargers, watches — a brand-wide list that a category refines) or nothing is shown."""
    categories = {p.category for p in products if p.category}
    return categories.pop() if len(categories) == 1 else None


def _main_currency(products: Sequence[Product]) -> str:
    currencies = [p.currency.upper() for p in products]
    return max(dict.fromkeys(currencies), key=currencies.count) if currencies else "CNY"


def without_negations(text: str) -> str:
    """The message with what it rules out blanked (cue and scope, `knowledge.negation`): "not Stanley" names
    no product, "不要飞途的跑鞋" still asks for running shoes. Normalised (NFKC, lower case) when that changed
    the text's length, so the blanks fall where the negations are."""
    norm = normalise_text(text)
    negations = find_negations(norm)
    if not negations:
        return text
    out = list(text if len(norm) == len(text) else norm)
    for n in negations:
        for start, end in (n.cue, n.scope):
            out[start:end] = " " * (end - start)
    return "".join(out)


# A wish about the present's quality alone ("实用一点的", "要实惠点的", "高档一些的", "something practical"): the same gift
# search goes on (never "I can't help with that").
_QUALITY_ONLY = regex.compile(
    r"^(?:要|想要|来点|给个|最好|希望)?(?:更|再)?\p{Han}{1,4}(?:一)?(?:点|些)?的?(?:吧|呢|啊)?[。!！?？]*$|"
    r"^(?:something|anything|a)\s+(?:more\s+)?[a-z]+(?:\s+one)?\??$",
    regex.IGNORECASE,
)
# "和 X 比", "跟 X 相比", "compared with X", "vs X": the product in focus measured against another
_AGAINST = re.compile(
    r"[和跟与同].{1,40}?(?:比|相比|对比)|\b(?:compared? (?:to|with)|vs\.?|versus|against)\b", re.I
)


_YES = frozenset({"是", "有", "支持", "yes", "true", "y"})


def shared_features(shown: Sequence[Product]) -> tuple[str, ...]:
    """The yes/no features (attribute keys) every product shown says yes to (noise_cancelling after a list of
    noise-cancelling earbuds): a cheaper one "like these" keeps them. () for fewer than two products shown."""
    if len(shown) < 2:
        return ()
    keys = set.intersection(*({k for k, v in p.attributes.items() if has_yes(v)} for p in shown))
    return tuple(sorted(keys))


def has_yes(value: object) -> bool:
    """True for an attribute value that says yes ("是", "yes", "支持")."""
    return str(value).strip().lower() in _YES


def _in_focus(
    d: DialogueState, shown: Sequence[Product], lookup: Callable[[str], Product | None]
) -> Product | None:
    """The product the conversation is about: the one in focus, else the only one shown, else the first of
    two shown (the same model in two versions, "Pegasus 41" men's and women's)."""
    if d.focus:
        focused = next((p for p in shown if p.sku == d.focus), None) or lookup(d.focus)
        if focused is not None:
            return focused
    return shown[0] if 1 <= len(shown) <= 2 else None


def _cheapest_first(shown: Sequence[Product]) -> bool:
    """True when the list just shown was sorted cheapest first (at least three prices of one currency, rising):
    the refinement that asked for it ("便宜点") still holds for "换个牌子" / "还有别的吗" after it."""
    prices = [p.price for p in shown if p.price is not None]
    if len(prices) < 3 or len({p.currency for p in shown if p.price is not None}) > 1:
        return False
    return all(a <= b for a, b in itertools.pairwise(prices))


def _next_search(
    d: DialogueState,
    content: tuple[str, ...],
    filters: QueryFilters,
    text: str,
    kind_of: Callable[[str], str | None] | None,
    shown_kind: str | None = None,
    *,
    of_shown: bool = False,
) -> Search | None:
    """The refined active search, or None when this message starts a new one (see `understand`).
    `shown_kind` is the category of the products last shown: the search's kind when its words name none."""
    previous = d.search
    if previous.is_empty():
        return None
    if filters.category:  # topic switch: "2-3k 的手表" after power banks is a new search
        old_kind = None if previous.filters.category else shown_kind  # "苹果的东西" → 手表: a refinement
        if d.switches_topic(filters, old_kind):
            return None
        return d.refine(content, filters)
    if not content:
        return d.refine((), filters) if not filters.is_empty() or text else None
    if kind_of is None:
        return None
    new_kind = kind_of(" ".join(content))
    old_kind = previous.filters.category or kind_of(previous.text) or shown_kind
    if new_kind and old_kind and not _related(new_kind, old_kind):
        named_kind = any(w.lower() in new_kind.lower() for w in content)  # "面霜" names its category
        if not (of_shown and not named_kind):
            return None
    if new_kind is None:
        return None
    return d.refine(content, filters)


# A single Han character after a content word that does not head a noun (particles, measure words, adjectives).
_NOT_HEADS = frozenset(
    "的了吗呢吧啊呀么嘛个款些点和与或及跟也都还就很太更最大小多少长短高低好贵新旧轻重有没是在要买一二两三四五六七八九十几"
)


def _with_head_nouns(content: Sequence[str], text: str) -> list[str]:
    """Content words extended by the one Han character that heads them in the message ("徒步" + "袜" →
    "徒步袜"): the extractor drops one-character words, so a new kind written as modifier + head noun read as
    the old kind's modifier alone ("M码的徒步袜" after hiking shoes searched 徒步鞋 徒步)."""
    if len(content) != 1:  # "有没有薄一点的被子，夏天盖": 盖 is a verb once a kind is already named
        return list(content)
    out = []
    for word in content:
        at = text.find(word)
        nxt = text[at + len(word)] if at >= 0 and at + len(word) < len(text) else ""
        if has_han(word) and nxt and has_han(nxt) and nxt not in _NOT_HEADS and word + nxt not in out:
            after = text[at + len(word) + 1 : at + len(word) + 2]
            if not after or not (has_han(after) or after.isalnum()):  # the clause ends with the head noun
                out.append(word + nxt)
                continue
        out.append(word)
    return out


def _related(a: str, b: str) -> bool:
    x, y = a.strip("/").lower(), b.strip("/").lower()
    return x == y or x.startswith(y) or y.startswith(x) or x.split("/")[-1] in y or y.split("/")[-1] in x


_NAME_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*(?:\s+[A-Za-z0-9][A-Za-z0-9\-]*)*")
_NAME_WORD = re.compile(r"^(?:[A-Z][a-z]*[A-Z]\w*|[a-z]+[A-Z]\w*|[A-Z][a-z]+)$")


# Words of an English question around a product name ("is the Keep yoga mat in stock?"): never part of the name.
_ASK_WORDS = frozenset(
    [
        "in",
        "stock",
        "available",
        "availability",
        "price",
        "prices",
        "cost",
        "costs",
        "please",
        "still",
        "now",
        "today",
        "for",
        "sale",
        "on",
        "the",
        "a",
        "an",
        "is",
        "are",
        "of",
        "with",
        "and",
        "or",
        "any",
        "it",
        "its",
        "there",
        "left",
        # "what colours does the Keep yoga mat have / come in?": the verbs of the question, never of a name
        "have",
        "has",
        "does",
        "do",
        "come",
        "comes",
        # what the customer thinks of it ("are the Sony headphones any good?"), colloquial helpers ("u got", "r")
        "good",
        "decent",
        "nice",
        "worth",
        "reliable",
        "durable",
        "comfy",
        "comfortable",
        "ok",
        "okay",
        "really",
        "got",
        "u",
        "r",
        "ur",
        "pls",
        "plz",
        "wanna",
        "gonna",
        "kinda",
        # the customer and the shop ("the fastest SD card you have"): pronouns end a name run
        "you",
        "your",
        "we",
        "our",
        "i",
        "me",
        "my",
    ]
)


def _missing_name(text: str, parsed: ParsedQuery, mentions: CatalogNames | None) -> str:
    """A product name the customer asks for that no product has ("AirPods Max", "iPhone 16", "Samsung
    Galaxy Buds 3"): a run of Latin words with a capitalised or CamelCase word (not the sentence's first)."""
    if mentions is None or not (RECOMMEND_RX.search(text) or PRODUCT_ASK_RX.search(text)):
        return ""  # only a request for a product names a missing one ("SAVE30" in an instruction is not)
    other = mentions.other_model(
        text
    )  # "Nike Pegasus 40" with only the 41 listed: that model is what we lack
    for match in _NAME_RUN.finditer(text):
        words = match.group(0).split()
        if (
            match.start() == 0
            and words
            and words[0][:1].isupper()
            and not _NAME_WORD.match(words[0][1:] or "x")
        ):
            words = words[1:]  # "Do you …": a capital at the start of a sentence is not a name
        while words and not _NAME_WORD.match(words[0]):
            words = words[1:]
        if not words or not any(_NAME_WORD.match(w) for w in words):
            continue
        words = [w for w in words if w.lower() not in _ASK_WORDS] or words  # "… yoga mat in stock?"
        name = " ".join(words)
        if other and other.split()[-1] in words:
            return name
        if any(mentions.unlisted_code(w) for w in words):
            return name  # "Sony WH-1000XM4" when the XM5 is listed: another model, however close
        known = all(mentions.knows(w) or mentions.is_kind(w) for w in words)
        if len(name) >= 3 and not known and not mentions.find(name) and not mentions.find(text):
            return name
    return other
