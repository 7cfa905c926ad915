"""Reading a customer message before answering it: the route (intent) by rules and by meaning, the products it
names, and what kind of product a few words mean — everything built from the shop's own catalog and policies.

Why one object: the mention index, the exemplar vectors and the policy-bullet vectors are built once per catalog
(lazily, on the first message, off the event loop) and rebuilt when the catalog changes size. The message
vector comes from the index's query cache, so the intent classifier costs no second encoding of the message.

Routing: high-precision rules first (injection, explicit handoff, after-sales, order status, contact, policy,
comparison); a message the rules leave open goes to the exemplar classifier, which may send it to small talk,
policy, contact, after-sales or order status only when it is clear and the message shows no sign of shopping
(a named product, a category, a budget, "推荐/有没有/多少钱" …); it says "out of scope" only when the catalog
finds nothing relevant either ("cat litter" in a pet shop is shopping, whatever the exemplars say). Injected instructions are cut out and the rest
of the message is still answered from the catalog (the reply then carries a one-line notice).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bot.conversation.asks import asks_in
from bot.conversation.intent_exemplars import ExemplarClassifier, SemanticGuess, load_exemplars
from bot.conversation.intents import (
    INJECTION_RX,
    MANIPULATION_RX,
    POLICY_RX,
    PRODUCT_ASK_RX,
    RECOMMEND_RX,
    Intent,
    IntentGuess,
    classify,
)
from bot.conversation.named import CatalogNames
from bot.conversation.ordering import ordering_in
from knowledge.mentions import MentionIndex

log = logging.getLogger(__name__)
_RULE_ROUTES = frozenset(
    {
        Intent.INJECTION,
        Intent.HUMAN,
        Intent.GREETING,
        Intent.SMALL_TALK,
        Intent.AFTER_SALES,
        Intent.ORDER_STATUS,
        Intent.CONTACT,
        Intent.POLICY,
        Intent.COMPARISON,
        Intent.OUT_OF_SCOPE,
    }
)
_SEMANTIC_ROUTES = {
    "greeting": Intent.GREETING,
    "small_talk": Intent.SMALL_TALK,
    "policy": Intent.POLICY,
    "contact": Intent.CONTACT,
    "after_sales": Intent.AFTER_SALES,
    "order_status": Intent.ORDER_STATUS,
    "out_of_scope": Intent.OUT_OF_SCOPE,
}
_CLAUSE = re.compile(r"[。！!？?；;，,（）()\n]+|\.\s+")  # quotes stay inside their clause
_YES_NO = re.compile(r"(吗|么|嘛)\s*[？?！!。]*$|[？?]\s*$|(包不包|能不能|可不可以|是否|有没有)")


class Reader:
    """See the module docstring. `index`, `parser`, `extractor`, `policies` are the bot's own."""

    def __init__(
        self,
        index: Any,
        parser: Any,
        extractor: Any,
        policies: Any,
        answerer: Any,
        cache_dir: Path | None = None,
    ) -> None:
        self.index, self.parser, self.extractor, self.policies = index, parser, extractor, policies
        self.answerer = answerer
        self.cache_dir = cache_dir
        self.mentions: CatalogNames | None = None
        self.classifier: ExemplarClassifier | None = None
        self._built_for = -1
        self._lock = threading.Lock()
        # words → what they name, per catalog: bounded (customers' words are unbounded; the oldest entry goes)
        self._kinds: dict[str, str | None] = {}
        self._category_words: dict[str, str | None] = {}

    # -- building -------------------------------------------------------------------------------------
    def _embed(self) -> Callable[..., np.ndarray] | None:
        embedder = getattr(self.index, "embedder", None)
        return getattr(embedder, "embed", None)

    def built(self) -> bool:
        """Whether `ready()` would return at once (built for the current catalog)."""
        return self.index.count() == self._built_for

    def ready(self) -> Reader:
        """Build (or rebuild after a catalog change) the mention index, exemplars and policy bullets."""
        count = self.index.count()
        if count == self._built_for:
            return self
        with self._lock:
            if count == self._built_for:
                return self
            products = [p for sku in sorted(self.index.skus()) if (p := self.index.get(sku)) is not None]
            own = getattr(self.index, "mention_index", None)
            if own is None:  # an index without snapshots: build the knowledge layer's index here
                built = MentionIndex.build(products)
                own = lambda: built  # noqa: E731
            self.mentions = CatalogNames(own, self.index.get)
            _ = self.mentions.mentions  # build the snapshot's mention index now, not in a customer's message
            self.answerer.generic = self.mentions.is_kind
            values = {
                v.strip().lower()
                for vs in getattr(getattr(self.parser, "vocabulary", None), "attributes", {}).values()
                for v in vs
                if len(v.strip()) >= 2 and not v.strip().isdigit()
            }
            mentions = self.mentions
            self.answerer.known_word = lambda word: word in values or mentions.is_kind(word)
            embed = self._embed()
            name = str(getattr(getattr(self.index, "embedder", None), "name", "encoder"))
            if embed is not None and self.classifier is None:
                try:
                    self.classifier = ExemplarClassifier(
                        load_exemplars(), embed, encoder_name=name, cache_dir=self.cache_dir
                    )
                except Exception:  # the rules still route every message
                    log.exception("intent exemplars unavailable")
            self.answerer.parser_vocabulary = getattr(self.parser, "vocabulary", None)
            self.answerer.names_category = self.names_category
            self._kinds.clear()
            self._category_words.clear()
            self._built_for = count
        return self

    # -- reading --------------------------------------------------------------------------------------
    def vector(self, text: str) -> np.ndarray | None:
        """The message's sentence vector from the index's query cache (None without an encoder)."""
        embed_query = getattr(self.index, "embed_query", None)
        if embed_query is None or not text.strip():
            return None
        try:
            vector: np.ndarray | None = embed_query(text)
            return vector
        except Exception:  # retrieval reports encoder failures itself; routing falls back to rules
            log.exception("query encoder failed")
            return None

    def semantic(self, vector: np.ndarray | None) -> SemanticGuess | None:
        if self.classifier is None or vector is None:
            return None
        return self.classifier.classify(vector)

    def shopping_words(self, text: str) -> bool:
        """Words that ask for products or a product's facts (recommend, price, an ordering, an attribute)."""
        # "how long until I get my money back": a duration alone is no sign of shopping
        return bool(
            RECOMMEND_RX.search(text)
            or PRODUCT_ASK_RX.search(text)
            or ordering_in(text)
            or asks_in(text) - {"duration"}
        )

    def shopping(self, text: str) -> bool:
        """Signs the message is about products: a named product, a category, a budget, shopping words."""
        if self.shopping_words(text):
            return True
        if self.mentions is not None and self.mentions.find(text):
            return True
        if self.parser is not None:
            filters = self.parser.parse(text).filters
            # "不要耳机" / "not Nike": ruling products out is shopping too, never an after-sales request
            return bool(
                filters.category
                or filters.brand
                or filters.min_price
                or filters.max_price
                or filters.exclude_categories
                or filters.exclude_brands
                or "currency" in filters.attributes  # "anything priced in USD?"
            )
        return False

    def route(
        self, guess: IntentGuess, text: str, vector: np.ndarray | None, has_context: bool
    ) -> tuple[Intent, str, bool]:
        """(intent, the text to answer, whether instructions were cut out of it)."""
        if guess.intent is Intent.INJECTION:
            rest = self.without_instructions(text)
            if rest.strip():
                again = classify(rest, has_context=has_context)
                if again.intent is not Intent.INJECTION:
                    intent, rest, _ = self.route(again, rest, self.vector(rest), has_context)
                    return intent, rest, True
            return Intent.INJECTION, text, False
        if guess.intent in _RULE_ROUTES and guess.sure:
            return guess.intent, text, False
        semantic = self.semantic(vector)
        shop_words = self.policies.find(text, "zh", k=1) if self.policies is not None else []
        if shop_words and not self.shopping(text):  # the shop's own policy keywords (policy file headers)
            return Intent.POLICY, text, False
        # "吸顶灯包安装吗": a yes/no question about a service the policy names, for a kind of product
        if shop_words and _YES_NO.search(text) and not self.shopping_words(text):
            return Intent.POLICY, text, False
        if semantic is not None and semantic.intent in _SEMANTIC_ROUTES:
            wanted = _SEMANTIC_ROUTES[semantic.intent]
            floor = (
                0.55 if wanted in (Intent.GREETING, Intent.SMALL_TALK, Intent.POLICY, Intent.CONTACT) else 0.6
            )
            if semantic.sure(floor=floor, margin=0.06) and not self.shopping(text):
                if wanted is Intent.OUT_OF_SCOPE and self.index.search(text, k=1):
                    return guess.intent, text, False  # the catalog has it ("cat litter", "法压壶"): shopping
                return wanted, text, False
        return guess.intent, text, False

    def without_instructions(self, text: str) -> str:
        """The message without its injected or fact-changing clauses; a clause that tried to change a named
        product's price still asks for that product's price, and one about a policy still asks about it."""
        kept: list[str] = []
        for clause in (c for c in _CLAUSE.split(text) if c.strip()):
            if INJECTION_RX.search(clause) or MANIPULATION_RX.search(clause):
                named = self.mentions.find(clause) if self.mentions is not None else []
                if named:
                    product = self.index.get(named[0].skus[0])
                    if product is not None:
                        kept.append(f"{product.title} 多少钱")
                elif POLICY_RX.search(clause):
                    kept.append(" ".join(m.group(0) for m in POLICY_RX.finditer(clause)))
                continue
            kept.append(clause.strip())
        return "，".join(kept)

    def names_category(self, word: str) -> str | None:
        """The shop category a word alone is read as ("数码产品" → 数码, "厨房用品" → 厨房), else None."""
        key = word.strip().lower()
        if self.parser is None or not key:
            return None
        if key in self._category_words:
            return self._category_words[key]
        category = self.parser.parse(key).filters.category
        _remember(self._category_words, key, category)
        return category

    def kind_of(self, words: str) -> str | None:
        """The category a few words name, by the best relevant product for them (cached per catalog); "" when
        they are a facet of products of several kinds, not a kind ("敏感肌" is a skin type of creams,
        sunscreens and cleansers alike: after sunscreens, "要敏感肌能用的" refines them)."""
        key = words.strip().lower()
        if not key:
            return None
        if key in self._kinds:
            return self._kinds[key]
        hits = self.index.search(key, k=3)
        categories = [h.product.category for h in hits if h.product.category]
        kind = max(dict.fromkeys(categories), key=categories.count) if categories else None
        kind = "" if kind and self._facet(key) else kind
        _remember(self._kinds, key, kind)
        return kind

    def _facet(self, words: str) -> bool:
        """The words' catalog terms (tags, attribute values) are all facets: each is on products of three or
        more categories, none of which holds most of them."""
        vocabulary = getattr(self.parser, "vocabulary", None)
        if vocabulary is None:
            return False
        values = {v for vs in vocabulary.attributes.values() for v in vs}
        terms = [w for w in words.split() if w in vocabulary.terms or w in values]
        if not terms or any(w not in terms and w in vocabulary.doc_freq for w in words.split()):
            return False
        for term in terms:
            categories = [h.product.category for h in self.index.search(term, k=8) if h.product.category]
            top = max((categories.count(c) for c in set(categories)), default=0)
            if len(set(categories)) < 3 or top * 2 > len(categories):
                return False
        return True


MEMO_MAX = 4096  # words remembered per memo: a day's distinct product words at a busy shop; the oldest goes


def _remember(memo: dict[str, str | None], key: str, value: str | None) -> None:
    """Keep `key → value` in an insertion-ordered memo of at most `MEMO_MAX` entries (FIFO eviction)."""
    if len(memo) >= MEMO_MAX:
        # another thread may have evicted or changed it meanwhile
        with contextlib.suppress(KeyError, StopIteration, RuntimeError):
            del memo[next(iter(memo))]
    memo[key] = value
