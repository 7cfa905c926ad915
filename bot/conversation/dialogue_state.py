"""The dialogue state of one chat: an explicit, typed, frozen value updated by each customer turn.

What a follow-up can refer to lives here: the products shown (in order), the product in focus, the pair last
compared, the active search (its words and filters: category, brands in/out, budget with currency, size,
colour, gender, stock …) and the customer's script. The rules that update it are pure functions, unit-tested
without a bot or an LLM:

- reference   ("第二个", "它", "that one", "便宜的那个", "这款", "the first one") → products from `shown`/`focus`;
- refinement  ("便宜一点的呢", "黑色的呢", "有42码吗", "李宁的呢") → same search, the new constraint added;
- exclusion   ("不要X", "除了X") → added to the search's exclusions, which accumulate;
- topic switch (a message naming another category or product, or a broader one: "还有什么数码产品" after
  watches) → a new search; its constraints dropped. A narrower category (数码 → 耳机) refines.
- issue       (an after-sales or policy question: "收到的面霜瓶子碎了") → kept while the customer asks about it
  ("运费谁出", "怎么申请", `bot.conversation.issue_followup`); a product search or another topic clears it.

The filters are the knowledge layer's `QueryFilters`, carried field by field (whatever fields it has), so new
kinds of constraint parsed there flow through the dialogue without changes here. Stored as JSON inside the
chat's `ChatState` (no schema change).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from knowledge.models import QueryFilters


def _category_related(a: str | None, b: str | None) -> bool:
    """Same category or one inside the other ("数码" ⊃ "数码/耳机"; "耳机" names the leaf of "数码/耳机")."""
    if not a or not b:
        return True
    x, y = a.strip("/").lower(), b.strip("/").lower()
    return x == y or x.startswith(y) or y.startswith(x) or x.split("/")[-1] in y or y.split("/")[-1] in x


def _narrows(old: str, new: str) -> bool:
    """The new category is the old one or inside it (数码 → 数码/耳机): a refinement. A sibling (充电器 →
    智能手表) or a broader one (智能手表 → "还有什么数码产品") starts a new search."""
    x, y = old.strip("/").lower(), new.strip("/").lower()
    return y == x or y.startswith(x + "/") or x.split("/")[-1] == y.split("/")[-1]


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == () or value == {} or value is False


def merge_filters(base: QueryFilters, new: QueryFilters) -> QueryFilters:
    """A refinement: the new message's constraints over the search's (newer values win; exclusions add up;
    a new price bound replaces both old bounds, with its currency)."""
    values: dict[str, Any] = {}
    price_fields = {"min_price", "max_price", "currency"}
    new_price = any(not _is_empty(getattr(new, name, None)) for name in ("min_price", "max_price"))
    for f in dataclasses.fields(QueryFilters):
        old, fresh = getattr(base, f.name), getattr(new, f.name)
        if f.name in price_fields and new_price:
            values[f.name] = fresh
        elif isinstance(old, tuple) or isinstance(fresh, tuple):
            values[f.name] = tuple(dict.fromkeys([*(old or ()), *(fresh or ())]))
        elif isinstance(old, dict) or isinstance(fresh, dict):
            values[f.name] = {**(old or {}), **(fresh or {})}
        elif isinstance(fresh, bool):
            values[f.name] = fresh or old
        else:
            values[f.name] = old if _is_empty(fresh) else fresh
    merged = QueryFilters(**values)
    if new.category and base.category and not _category_related(base.category, new.category):
        merged = replace(merged, category=new.category)
    return _newer_wins(merged, new)


def _newer_wins(merged: QueryFilters, new: QueryFilters) -> QueryFilters:
    """A constraint and its exclusion never stand together: the newer message decides. "what about without
    Xiaomi" after Xiaomi earbuds drops the brand (the budget and category stay); "小米的呢" after "不要小米"
    lifts the exclusion. Same for attribute values ("不要黑色的" after "黑色的")."""
    brands = {b.lower() for b in new.exclude_brands}
    if merged.brand and merged.brand.lower() in brands:
        merged = replace(merged, brand=None)
    elif new.brand:
        kept = tuple(b for b in merged.exclude_brands if b.lower() != new.brand.lower())
        merged = replace(merged, exclude_brands=kept)
    excluded = {(k.lower(), v.lower()) for k, v in new.exclude_attributes}
    attributes = {k: v for k, v in merged.attributes.items() if (k.lower(), v.lower()) not in excluded}
    chosen = {(k.lower(), v.lower()) for k, v in new.attributes.items()}
    kept_out = tuple(
        pair for pair in merged.exclude_attributes if (pair[0].lower(), pair[1].lower()) not in chosen
    )
    merged = replace(merged, attributes=attributes, exclude_attributes=kept_out)
    if new.category:  # "智能手表有哪些" after "不要手表": asked for again by name, no longer ruled out
        asked = new.category.strip("/").lower()
        kept_categories = tuple(
            c
            for c in merged.exclude_categories
            if c not in new.exclude_categories and not _narrows(c, asked) and not _narrows(asked, c)
        )
        merged = replace(merged, exclude_categories=kept_categories)
    return merged


def filters_to_json(filters: QueryFilters) -> dict[str, object]:
    """Plain JSON (Decimal → string, tuples → lists); empty fields are left out."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(QueryFilters):
        value = getattr(filters, f.name)
        if _is_empty(value):
            continue
        if isinstance(value, Decimal):
            out[f.name] = str(value)
        elif isinstance(value, tuple):
            out[f.name] = [list(v) if isinstance(v, tuple) else v for v in value]
        else:
            out[f.name] = value
    return out


def filters_from_json(data: object) -> QueryFilters:
    """The inverse of `filters_to_json`; unknown keys (an older or newer version) are ignored."""
    if not isinstance(data, dict):
        return QueryFilters()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(QueryFilters):
        if f.name not in data:
            continue
        raw, kind = data[f.name], str(f.type)
        try:
            if "Decimal" in kind:
                values[f.name] = Decimal(str(raw))
            elif kind.startswith("tuple"):
                values[f.name] = tuple(tuple(v) if isinstance(v, list) else v for v in raw)
            elif kind.startswith("dict"):
                values[f.name] = {str(k): str(v) for k, v in dict(raw).items()}
            elif kind == "bool":
                values[f.name] = bool(raw)
            else:
                values[f.name] = None if raw is None else str(raw)
        except (InvalidOperation, TypeError, ValueError):
            continue
    return QueryFilters(**values)


@dataclass(frozen=True)
class Search:
    """The active product search: what kind of product (its words) and the constraints on it."""

    words: tuple[str, ...] = ()
    filters: QueryFilters = field(default_factory=QueryFilters)
    required: tuple[str, ...] = ()  # words a refinement added ("要绿茶"): every result must have them
    gift: tuple[str, ...] = ()  # a present is asked for: who for and what they like ("爸爸", "喝茶")

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def is_empty(self) -> bool:
        return not self.words and self.filters.is_empty()


@dataclass(frozen=True)
class DialogueState:
    """Everything a follow-up in this chat resolves against (see the module docstring)."""

    shown: tuple[str, ...] = ()  # SKUs of the products last shown, in order
    focus: str = ""  # the product the conversation is about (asked by name, opened, picked)
    compared: tuple[str, ...] = ()  # the pair last compared, in the order named
    search: Search = field(default_factory=Search)
    script: str = ""  # hans | hant | en — how the customer writes
    asked: str = (
        ""  # what the last question about the focus asked ("colour", "size"): "黑色的呢" asks it again
    )
    issue: str = (
        ""  # the after-sales/policy question being discussed ("面霜瓶子碎了"): "运费谁出" continues it
    )

    # -- the update rules -----------------------------------------------------------------------------
    def shown_products(self, skus: tuple[str, ...], focus: str = "") -> DialogueState:
        """A reply showed products: they become what "第二个" / "the first one" point at. The product in focus
        stays only when the same products are shown again; a new list ("那黑色的呢") ends it, so "有没有更便宜的"
        next is cheaper than that list, not than the product singled out before it."""
        if not skus:
            return replace(self, focus=focus or self.focus)
        same_list = set(skus) == set(self.shown)
        keep_focus = focus or (self.focus if self.focus in skus and same_list else "")
        return replace(self, shown=skus, focus=keep_focus)

    def about(self, skus: tuple[str, ...]) -> DialogueState:
        """A reply was about these products (a named product, a reference, a details card)."""
        if not skus:
            return self
        focus = skus[0] if len(skus) == 1 else self.focus
        compared = skus[:2] if len(skus) >= 2 else self.compared
        shown = skus if len(skus) >= 2 else (skus if not self.shown else self.shown)
        if len(skus) == 1 and skus[0] not in self.shown:
            shown = skus
        return replace(self, focus=focus, compared=compared, shown=shown)

    def searched(self, search: Search) -> DialogueState:
        return replace(self, search=search)

    def refine(self, words: tuple[str, ...], filters: QueryFilters) -> Search:
        """The active search with a refinement's extra words and constraints (see `merge_filters`)."""
        kept = tuple(dict.fromkeys([*self.search.words, *words]))
        required = tuple(dict.fromkeys([*self.search.required, *words]))
        return Search(kept, merge_filters(self.search.filters, filters), required, self.search.gift)

    def switches_topic(self, filters: QueryFilters, old_kind: str | None = None) -> bool:
        """A new category unrelated to the active search's starts a new search (its constraints dropped).
        `old_kind` is the search's category when its filters have none ("充电宝" is a kind of 充电器)."""
        old = self.search.filters.category or old_kind
        return bool(filters.category and old and not _narrows(old, filters.category))

    # -- JSON (inside ChatState) ----------------------------------------------------------------------
    def to_json(self) -> dict[str, object]:
        return {
            "shown": list(self.shown),
            "focus": self.focus,
            "compared": list(self.compared),
            "search": {
                "words": list(self.search.words),
                "filters": filters_to_json(self.search.filters),
                "required": list(self.search.required),
                "gift": list(self.search.gift),
            },
            "script": self.script,
            "asked": self.asked,
            "issue": self.issue,
        }

    @classmethod
    def from_json(cls, data: object) -> DialogueState:
        if not isinstance(data, dict):
            return cls()
        search = data.get("search") if isinstance(data.get("search"), dict) else {}
        assert isinstance(search, dict)
        return cls(
            shown=tuple(str(s) for s in data.get("shown") or ()),
            focus=str(data.get("focus") or ""),
            compared=tuple(str(s) for s in data.get("compared") or ()),
            search=Search(
                tuple(str(w) for w in search.get("words") or ()),
                filters_from_json(search.get("filters")),
                tuple(str(w) for w in search.get("required") or ()),
                tuple(str(w) for w in search.get("gift") or ()),
            ),
            script=str(data.get("script") or ""),
            asked=str(data.get("asked") or ""),
            issue=str(data.get("issue") or ""),
        )
