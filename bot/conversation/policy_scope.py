"""Which after-sales bullet applies: the one for the item under discussion and the kind of problem.

Policy bullets often carry a scope: "**锅具**：不粘涂层…", "**数码产品**（耳机、充电器、充电宝、智能手表等）：…",
"**Electronics** (earphones, chargers, …)". "耳机保修多久" must get the electronics bullet, never the kitchen one,
and "涂层掉了" about a pan the cookware bullet. So:
- the ITEM is read from the message (a catalog category leaf or product tag it names: 耳机, 充电宝, 空气炸锅,
  smartwatch), else from the product in focus / the only product shown;
- a bullet's SCOPE is its bold label and its parenthetical list; it is scoped when that names a catalog category
  (a path segment) or a catalog tag; a scoped bullet is kept only when it names the item's own category, the
  most specific match winning (the pan's leaf 锅具 beats the "厨房" of 厨房小家电);
- the KIND of problem picks the topic: arrived damaged / wrong / missing → returns; broken later, repair,
  warranty → warranty (only that topic's bullets when it has any).
Unscoped bullets ("质量问题", "如何报修") always stay eligible. Everything is read from the catalog and the policy
text; nothing here names a category.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import regex

from knowledge.models import PolicyDoc, PolicyHit, Product
from knowledge.money import canonical_currency
from knowledge.policies import bullets_of
from knowledge.policy_search import Bullet
from knowledge.script import HAN, is_han

_ZI_WORD = re.compile(r"(\w)子")  # 鞋子 → 鞋
# "我买的锅", "这口锅": one character after 的 or a measure word heading the item
_ONE_CHARACTER = regex.compile(rf"(?:的|个|只|口|双|件|台|条|把|床|套)([{HAN}])(?![{HAN}]?子)")
_SPLIT = re.compile(r"[、,，/;；&]|\band\b|和|及|与")
_PAREN = re.compile(r"^\s*[：:]?\s*[（(]([^）)]{1,80})[）)]")
_ETC = re.compile(r"等+$|\betc\.?$|\.\.\.$|…$", re.I)
ARRIVAL_RX = re.compile(
    r"收到|刚到|到货|签收|寄来|送来|拆开|开箱|发错|少发|漏发|错发|压坏|摔坏|破损|凹|瘪|"
    r"arriv|received|came |delivered|wrong (?:item|model|colou?r|size|one)|missing|dented|crushed",
    re.I,
)
WARRANTY_RX = re.compile(
    r"保修|保固|质保|维修|修理|坏了|故障|不开机|充不进|不加热|不工作|没反应|涂层|起皮|脱落|掉漆|生锈|开胶|断线|开线|起球|掉色|褪色|缩水|脱胶|不保温|漏水|掉页|缺页|卷刃|"
    r"warranty|repair|stopped working|not working|broke|faulty|defect|peel|rust|apart|seams?|pill|fad(?:ed|ing)|shr[au]nk",
    re.I,
)

# What the customer did to the item (a drop, water, their own repair) — the warranty's exclusions answer it,
# not the returns rule for an item that arrived damaged; a message that says it came so (收到, 快递) is arrival.
_CAUSED_RX = re.compile(
    r"摔|掉地|掉到地|掉水|掉进|进水|泡水|淋雨|磕坏|砸|踩坏|坐坏|弄坏|不小心|人为|自己拆|自己修|私自|拆修|拆开修|找人修|"
    r"\b(?:dropped|drop|fell|spilled|water damage|got wet|my fault|by accident|accidentally|self-repair|"
    r"repaired it myself|fixed it myself|opened it up|crashed)\b",
    re.I,
)
_DELIVERY_RX = re.compile(
    r"收到|刚到|到货|签收|寄来|送来|开箱|快递|物流|运输|路上|"
    r"arriv|received|delivered|came |in transit|courier|shipping",
    re.I,
)
# a bullet that lists what the warranty does not cover
_EXCLUSION_RX = re.compile(r"不在保修|不保修|不予保修|人为|not covered|accidental|exclu", re.I)
# the policy's usual words for the exclusions: they rank the exclusion bullet first for a caused problem
CAUSE_WORDS = {
    "zh": "人为损坏 进水 私自拆修 不在保修范围",
    "en": "accidental damage water damage self-repair not covered",
}


def caused_by_customer(text: str) -> bool:
    """True when `text` says the customer (or an accident) caused the problem — "耳机摔坏了能保修吗",
    "自己拆开修过", "I dropped my earbuds" — and not that it arrived so ("快递摔坏了", "arrived cracked")."""
    return bool(_CAUSED_RX.search(text)) and not _DELIVERY_RX.search(text)


# A problem the customer reports (broken, damaged, wrong, missing…), not only the words of a term ("保修多久",
# "is there a lifetime warranty?" ask about a term: no "sorry" for it).
PROBLEM_RX = re.compile(
    r"坏了|坏掉|故障|不开机|充不进|不加热|不工作|没反应|涂层|起皮|脱落|掉漆|生锈|开胶|断线|开线|起球|掉色|褪色|缩水|脱胶|不保温|"
    r"漏水|掉页|缺页|卷刃|发错|少发|漏发|错发|压坏|摔坏|破损|破了|裂了|碎了|凹|瘪|有问题|出问题|质量问题|不能用|用不了|"
    r"stopped working|not working|doesn'?t work|won'?t (?:work|heat|turn on|charge|start)|"
    r"(?:doesn'?t|does not|will not) (?:heat|turn on|charge)|broke|broken|faulty|defect|peel|rust|fell apart|came apart|"
    r"wrong (?:item|model|colou?r|size|one)|missing|dented|crushed|damaged|cracked|torn|leak",
    re.I,
)


def names_new_problem(text: str, issue: str) -> bool:
    """True when `text` reports a problem of its own that the thread's `issue` did not ("涂层掉了能换吗" after
    "锅收到的时候是破的"): the rule for that problem answers it, not the thread's."""
    named = {m.group(0).lower() for m in PROBLEM_RX.finditer(text)}
    return bool(named) and not any(word in issue.lower() for word in named)


_TERM_RX = re.compile(
    r"保修|质保|保固|保换|退货|退款|换货|退换|能退|可以退|退吗|换吗|能换|可以换|包退|包换|"
    r"warranty|guarantee|return|exchange|refund",
    re.I,
)


def asks_term_only(text: str) -> bool:
    """True when `text` asks about an after-sales term ("保修多久", "坚果拆封了能退吗", "is there a lifetime
    warranty?") and reports no problem with an item (PROBLEM_RX): no apology is due."""
    return _TERM_RX.search(text) is not None and PROBLEM_RX.search(text) is None


def term_of_problem(text: str, issue: str) -> bool:
    """True when `text` asks an after-sales term ("保修多久", "what is the warranty on it?") right after `issue`
    reported a problem with an item ("电饭煲不加热了", "The pan I received is dented"): the term of that item."""
    return asks_term_only(text) and PROBLEM_RX.search(issue) is not None


# a bullet that states the rule for the problem itself (not the shop's general return or postage terms)
_PROBLEM_BULLET = {
    "returns": re.compile(r"破损|发错|少发|漏发|错发|damaged|wrong|missing", re.I),
    "warranty": re.compile(r"故障|质量问题|报修|defect|faulty|repair", re.I),
}


class Labelled(Protocol):
    """A policy bullet (PolicyHit or knowledge.policy_search.Bullet): bold label and text."""

    @property
    def label(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class ItemCategories:
    """The category paths of the item a message is about (empty: unknown)."""

    paths: frozenset[str]

    def segments(self) -> tuple[set[str], set[str]]:
        """(leaf segments, all segments) of the paths, lower-cased."""
        leaves = {p.split("/")[-1].lower() for p in self.paths}
        return leaves, {s.lower() for p in self.paths for s in p.split("/")}


class CatalogWords:
    """Catalog words that name a kind of item (category path segments, tags) → the category paths having it."""

    def __init__(self, products: Iterable[Product]) -> None:
        products = list(products)
        self.paths: dict[str, set[str]] = {}
        tails: dict[str, set[str]] = {}
        for p in products:
            if not p.category:
                continue
            words = [*p.category.split("/"), *p.tags]
            leaf = p.category.split("/")[-1].strip().lower()
            if len(leaf) >= 3 and all(is_han(c) for c in leaf):
                tails.setdefault(leaf[-2:], set()).add(p.category)  # 智能手表 → 手表
            for word in words:
                w = word.strip().lower()
                if len(w) >= 2:
                    self.paths.setdefault(w, set()).add(p.category)
        for tail, paths in tails.items():
            if len(paths) == 1:  # a tail shared by two categories names neither
                self.paths.setdefault(tail, set()).update(paths)
        self.segments = {s.lower() for p in self.all_paths() for s in p.split("/")}
        priced = [canonical_currency(p.currency) for p in products if p.price is not None and p.currency]
        # the catalog's own currency: the one most of its prices are in ("" for an empty catalog)
        self.currency = max(dict.fromkeys(priced), key=priced.count) if priced else ""
        by_length = sorted(self.paths, key=len, reverse=True)
        self._rx = re.compile("|".join(_pattern(w) for w in by_length)) if by_length else None
        # answers that depend only on this catalog, kept per instance (a changed catalog is a new instance)
        self._names: dict[str, bool] = {}
        self._kind_words: dict[frozenset[str], frozenset[str]] = {}
        self._written: dict[str, tuple[str, ...]] = {}

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where `text` names a kind of item (the words `item` reads)."""
        if self._rx is None:
            return []
        return [m.span() for m in self._rx.finditer(text.lower())]

    def all_paths(self) -> set[str]:
        return {path for paths in self.paths.values() for path in paths}

    def item(self, text: str) -> ItemCategories:
        """The category paths the message names (the longest words first: "空气炸锅" before "锅")."""
        if self._rx is None:
            return ItemCategories(frozenset())
        found: set[str] = set()
        lowered = text.lower()
        for m in self._rx.finditer(lowered):
            found |= self.paths.get(m.group(0), set())
        if (
            not found
        ):  # "鞋子", "裤子", "杯子": the 子-word names every kind whose word ends in its root (跑步鞋)
            for m in _ZI_WORD.finditer(lowered):
                root = m.group(1)
                found |= {path for word, paths in self.paths.items() if word.endswith(root) for path in paths}
        if not found:  # "我买的锅涂层掉了": the kind most of the catalog's words ending in 锅 name (锅具)
            found = self._one_character(lowered)
        return ItemCategories(frozenset(found))

    def _one_character(self, text: str) -> set[str]:
        """The category paths a one-character item word names: of the catalog words ending in it, the paths
        most of them belong to (炒锅, 汤锅, 铁锅 … → 厨房/锅具 over 空气炸锅 → 厨房/小家电)."""
        for m in _ONE_CHARACTER.finditer(text):
            counts: dict[str, int] = {}
            for word, paths in self.paths.items():
                if len(word) >= 2 and word.endswith(m.group(1)):
                    for path in paths:
                        counts[path] = counts.get(path, 0) + 1
            if counts:
                top = max(counts.values())
                return {path for path, n in counts.items() if n == top}
        return set()

    def scope(self, hit: Labelled) -> list[str]:
        """The scope words of a bullet: its bold label's parts, its leading parenthetical list and any catalog
        category path its text writes out."""
        return [*_scope_words(hit.label or "", hit.text), *self._written_paths(hit.text)]

    def classes_named(self, text: str) -> tuple[str, ...]:
        """The category path segments ("办公椅", "积木", "图书") a bullet's text names as whole words: what a rule
        labelled by its kind of rule ("换货：办公椅签收后 20 天内可换一次") is for. Tags are left out (a tag such
        as "充电" or "旅行" describes, it does not name the class a rule is for)."""
        lowered = text.lower()
        return tuple(
            dict.fromkeys(lowered[s:e] for s, e in self.spans(lowered) if lowered[s:e] in self.segments)
        )

    def _written_paths(self, text: str) -> tuple[str, ...]:
        """Category paths a bullet writes out ("已拆封的食品（零食/坚果、零食/茶饮类）"), and beside them a department
        written as one ("美妆护肤类"): they scope the bullet too. Memoised per text."""
        known = self._written.get(text)
        if known is None:
            lowered, paths = text.lower(), self.all_paths()
            written = [path.lower() for path in paths if "/" in path and path.lower() in lowered]
            if written:
                written += sorted(
                    {p.split("/")[0].lower() for p in paths if f"{p.split('/')[0].lower()}类" in lowered}
                )
            known = tuple(written)
            if len(self._written) >= _MEMO_LIMIT:
                self._written.clear()
            self._written[text] = known
        return known

    def names(self, word: str) -> bool:
        """Whether a scope word names something this catalog has (a category segment, a tag); memoised."""
        known = self._names.get(word)
        if known is None:
            known = any(_match(word, s) for s in self.segments) or word in self.paths
            self._names[word] = known
        return known

    def kind_words(self, paths: frozenset[str]) -> frozenset[str]:
        """The catalog words (segments, tags) that name one of `paths`; memoised per set of paths."""
        words = self._kind_words.get(paths)
        if words is None:
            words = frozenset(w for w, of in self.paths.items() if of & paths)
            if len(self._kind_words) >= _MEMO_LIMIT:
                self._kind_words.clear()
            self._kind_words[paths] = words
        return words


_MEMO_LIMIT = 4096  # distinct item path sets remembered per catalog (then the memo starts again)


_LEAD_LIST = re.compile(r"[^，,；;。:：（(、\s]{1,8}(?:、[^，,；;。:：（(、\s]{1,12})+")


@functools.lru_cache(maxsize=4096)
def _scope_words(label: str, text: str) -> tuple[str, ...]:
    words = [w for w in _SPLIT.split(label) if w.strip()]
    body = text[len(label) :] if label and text.startswith(label) else text
    paren = _PAREN.match(body)
    if paren:
        words += [w for w in _SPLIT.split(paren.group(1)) if w.strip()]
    elif _KIND_LABEL.fullmatch(label.strip("*：: ")) and (listed := _LEAD_LIST.match(body.lstrip("*：: "))):
        # "大件家具：办公椅、升降桌、书桌、柜子走德邦物流…": a kind's label, then the items of that kind it opens
        # with: they scope it like a parenthesis (a rule's label, "不支持无理由退货的商品：内衣、…", does not)
        words += [w for w in listed.group(0).split("、") if w.strip()]
    return tuple(_ETC.sub("", w.strip()).strip().lower() for w in words if _ETC.sub("", w.strip()).strip())


@functools.lru_cache(maxsize=64)
def bullet_twins(docs: tuple[PolicyDoc, ...]) -> dict[tuple[str, int], list[Bullet]]:
    """Every bullet of `docs` by (topic, index): the same bullet in each language. Built once per set of
    documents (frozen values: edited policies are another key); callers must not mutate the result."""
    twins: dict[tuple[str, int], list[Bullet]] = {}
    for doc in docs:
        for bullet in bullets_of(doc):
            twins.setdefault((bullet.topic, bullet.index), []).append(bullet)
    return twins


def _pattern(word: str) -> str:
    if word.isascii():
        return rf"(?<![a-z]){re.escape(word)}(?:e?s)?(?![a-z])"
    return re.escape(word)


def _match(word: str, segment: str) -> bool:
    """A scope word names a category segment: one contains the other, or (two Han characters, an abbreviated
    pair such as 鞋服 = 鞋 + 服装) one of its characters ends or starts the segment."""
    if word in segment or segment in word:
        return True
    if len(word) == 2 and all(is_han(c) for c in word):
        chars = [c for c in word if c not in _GENERIC_SUFFIX]  # 锅具 does not name 水具 by its 具
        return any(
            segment.endswith(k) or segment.startswith(k) for c in chars for k in (c, *_SAME_HEAD.get(c, ""))
        )
    return False


_GENERIC_SUFFIX = frozenset("具品类用器件物")
# A policy's abbreviation names its heads' kin: 鞋服 (shoes and clothing) covers 冲锋衣, 徒步袜, 软壳衣.
_SAME_HEAD = {"服": "衣装裤衫袜裙", "鞋": "靴"}
# A bullet label with an item list ("厨房小家电（电饭煲、空气炸锅…）", "鞋服、床品") is scoped even in a shop that
# has none of those items: it names other categories, never "every item".
_KIND_LABEL = regex.compile(rf"{HAN}{{1,5}}[具品器电类]")  # "锅具", "数码产品": a kind of item, not a rule
_ITEM_LIST = re.compile(r"[（(][^）)]*[、,，][^）)]*[）)]|[、]")


def specificity(
    words: Sequence[str], item: ItemCategories, catalog: CatalogWords, listed: bool = False
) -> int:
    """2: the scope names the item's leaf category or one of its products' kind words; 1: a parent segment;
    0: the scope names other categories only (or, `listed`, items this shop does not have); -1: the bullet is
    not scoped by category."""
    leaves, segments = item.segments()
    kind_words = catalog.kind_words(item.paths)
    best = 0 if listed else -1
    for word in words:
        if not catalog.names(word):
            continue
        best = max(best, 0)
        if word in kind_words or any(_match(word, leaf) for leaf in leaves):
            return 2
        if any(_match(word, s) for s in segments):
            best = 1
    return best


_WARRANTY_TERM_RX = re.compile(r"保修|质保|保固|warranty|guarantee", re.I)


def problem_topics(text: str) -> tuple[str, ...]:
    """The policy topics in the order the problem asks for them (arrived damaged → returns first; caused by
    the customer → the warranty and its exclusions first)."""
    if caused_by_customer(text):
        return ("warranty", "returns")
    asks_warranty = _WARRANTY_TERM_RX.search(text) is not None  # "…dented, what is the warranty on it?"
    if (
        ARRIVAL_RX.search(text)
        and not asks_warranty
        and not re.search(r"用了|穿了|戴了|after|weeks?|months?|个月|周", text, re.I)
    ):
        return ("returns", "warranty")
    if WARRANTY_RX.search(text):
        return ("warranty", "returns")
    return ()


def _listed(hit: PolicyHit) -> bool:
    """The label lists or names items: "鞋服、床品", "厨房小家电（电饭煲、…）", "锅具"."""
    body = hit.text[len(hit.label) :] if hit.label and hit.text.startswith(hit.label) else hit.text
    label = (hit.label or "").strip("*：: ")
    return bool(label) and bool(
        _ITEM_LIST.search(label) or _ITEM_LIST.match(body.lstrip("*：: ")) or _KIND_LABEL.fullmatch(label)
    )


def _specificity(
    hit: PolicyHit,
    item: ItemCategories,
    catalog: CatalogWords,
    twins: Mapping[tuple[str, int], Sequence[Labelled]] | None,
    by_text: bool = True,
) -> int:
    """`specificity` of one bullet, read with its twins in the other languages; `by_text` False: by its label
    and written category paths only, not by the classes its text names."""
    same = (twins or {}).get((hit.topic, hit.index), ())
    words = [w for b in (hit, *same) for w in catalog.scope(b)]
    scoped = specificity(words, item, catalog, _listed(hit))
    if scoped >= 0 or not item.paths:
        return scoped
    # a rule labelled by what it does ("换货：办公椅签收后…", "不支持无理由退货的商品：已拆封的积木和拼图…") is for the
    # classes its text names: the item's own leaf or kind word keeps it eligible (as an unscoped bullet: it never
    # outranks a bullet labelled for the item, "鞋服、床品：签收后 30 天内…"), any other class drops it
    named = {w for b in (hit, *same) for w in catalog.classes_named(b.text)}
    if not named or not by_text:
        return scoped
    leaves, _ = item.segments()
    if named & (leaves | catalog.kind_words(item.paths)):
        return scoped
    # "耳钉耳环" in a list of classes: a word only the item's own categories carry (a tag) names it too
    own = [w for w in catalog.kind_words(item.paths) if catalog.paths.get(w, set()) <= item.paths]
    texts = [b.text.lower() for b in (hit, *same)]
    return scoped if any(w in t for w in own for t in texts) else 0


def own_bullets(
    hits: Sequence[PolicyHit],
    item: ItemCategories,
    catalog: CatalogWords,
    twins: Mapping[tuple[str, int], Sequence[Labelled]] | None = None,
) -> list[PolicyHit]:
    """The bullets scoped to the item's own kind ("鞋服、床品：…开胶、断线…" for shoes), in their order; [] when the
    item is unknown."""
    if not item.paths:
        return []
    return [h for h in hits if _specificity(h, item, catalog, twins) == 2]


def pick(
    hits: Sequence[PolicyHit],
    text: str,
    item: ItemCategories,
    catalog: CatalogWords,
    k: int,
    twins: Mapping[tuple[str, int], Sequence[Labelled]] | None = None,
) -> list[PolicyHit]:
    """The bullets to quote: scoped bullets for other categories dropped (when the item is known, the most
    specific scope only), the problem's topic first, at most `k`. `twins` are the same bullet in every
    language, by (topic, index): an English bullet is scoped by its Chinese twin's words too."""

    scored = [(hit, _specificity(hit, item, catalog, twins)) for hit in hits]

    if item.paths:
        best = max((s for _, s in scored), default=-1)
        kept = [h for h, s in scored if s == -1 or (s == best and s > 0)]
    else:
        kept = list(hits)  # the item is unknown: the search's own ranking stands
    spec = {id(h): s for h, s in scored}
    labelled = {id(h): _specificity(h, item, catalog, twins, by_text=False) for h in hits}
    order = problem_topics(text)
    if order and any(h.topic == order[0] for h in kept):  # a known problem: its own topic's bullets only
        kept = [h for h in kept if h.topic == order[0]]
    elif not text and hits:  # a policy question, not a problem (after-sales passes its text)
        # a plain question ("Sony 耳机几天能到北京"): its topic is the best bullet that does not rank by the item's
        # name alone; a bullet of another topic that is only there because it is scoped to the item (the
        # earphones' warranty bullet) is noise
        # (a rule whose text names the item's class, "换尺码：服装类…", ranks by the question's words: it counts)
        asked = next((h.topic for h in hits if labelled[id(h)] <= 0), hits[0].topic)
        if any(h.topic == asked for h in kept):
            kept = [h for h in kept if h.topic == asked or labelled[id(h)] <= 0]
    rank = {topic: n for n, topic in enumerate(order)}
    problem = _PROBLEM_BULLET.get(order[0]) if order else None

    def states_problem(
        hit: PolicyHit,
    ) -> int:  # "要我自己付运费吗" about a wrong item: 发错 → we pay both ways
        return 0 if problem is not None and problem.search(hit.text) else 1

    caused = bool(text) and caused_by_customer(text)

    def excludes(hit: PolicyHit) -> int:  # "摔坏了能保修吗": the exclusions bullet answers it
        return 0 if caused and _EXCLUSION_RX.search(hit.text) else 1

    # the item's own words (those naming only its categories: 内衣, 内裤 — not 服装) in a bullet's body: a
    # bullet listing the item ("不支持无理由退货的商品：内衣、内裤…") answers "内裤尺码不合适能退吗"
    own = [w for w in catalog.kind_words(item.paths) if catalog.paths.get(w, set()) <= item.paths]

    def names_item(hit: PolicyHit) -> int:
        return 0 if any(w in hit.text.lower() for w in own) else 1

    kept.sort(
        key=lambda h: (
            rank.get(h.topic, len(rank)),
            excludes(h),
            0 if spec[id(h)] > 0 else 1,
            names_item(h),
            states_problem(h),
        )
    )
    return kept[:k]
