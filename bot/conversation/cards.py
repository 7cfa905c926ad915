"""Product facts as a customer reads them: price and stock phrases, reasons, and product cards.

Everything here is built from the `Product` alone (never invented), in the reply's language, with
phrasing from `bot/prompts/replies.yaml`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.conversation.claims.quote import quotable
from bot.conversation.size_match import holds_any
from bot.domain.messages import Button, ProductCard, fits_button
from bot.prompts import Messages
from knowledge.models import Product
from knowledge.script import has_han
from knowledge.vocabulary import split_values

LOW_STOCK = 5
_SIZE_KEYS = ("size", "尺码", "码数", "sizes")
_COLOUR_KEYS = ("color", "colour", "颜色", "colors")


def attribute(product: Product, keys: Sequence[str]) -> list[str]:
    """The values of the first attribute whose name is one of `keys` (multi-values split on ';')."""
    for name, value in product.attributes.items():
        if name.lower() in keys:
            return split_values(value)
    return []


def sizes(product: Product) -> list[str]:
    return attribute(product, _SIZE_KEYS)


def colours(product: Product) -> list[str]:
    return attribute(product, _COLOUR_KEYS)


def has_size(product: Product, size: str) -> bool:
    """True when one of the product's listed sizes holds `size` ("S-XXL" holds "2XL", "39-45" holds "42码")."""
    return holds_any(sizes(product), size)


def callback(prefix: str, sku: str) -> str | None:
    """`d:<sku>` style data, or None when it would not fit a button (`BUTTON_DATA_MAX_BYTES`)."""
    data = f"{prefix}:{sku}"
    return data if fits_button(data) else None


@dataclass(frozen=True)
class Phrases:
    """The phrasing helpers bound to one language."""

    messages: Messages
    lang: str

    def say(self, key: str, **values: object) -> str:
        text = self.messages.get(key, self.lang, **values)
        quoted = values.get("clause", values.get("facts") if key == "compat_stated" else None)
        if self.lang == "en" and isinstance(quoted, str) and has_han(quoted):
            # an English reply quoting a Chinese listing says so: the words are the shop's, not a translation
            text = f"{text} {self.messages.get('quoted_in_chinese', self.lang)}"
        return text

    def join(self, items: Sequence[str]) -> str:
        return self.say("list_sep").join(items)

    def label(self, name: str) -> str:
        """An attribute's name for customers ('color' → '颜色'), or the name itself."""
        key = f"attr_{name.lower()}"
        return self.say(key) if key in self.messages else name

    def value(self, raw: str) -> str:
        """A multi-valued attribute ('黑色;白色') as a list in this language ('黑色、白色')."""
        return self.join(split_values(raw)) or raw

    def price(self, product: Product) -> str:
        return product.price_text() or self.say("price_unknown")

    def stock(self, product: Product) -> str:
        if product.stock is None:
            return ""
        if product.stock <= 0:
            return self.say("stock_out")
        if product.stock <= LOW_STOCK:
            return self.say("stock_low", count=product.stock)
        return self.say("stock_in")

    def reasons(
        self, product: Product, keywords: Sequence[str], size: str | None = None, limit: int = 3
    ) -> list[str]:
        """Why this product fits: tags/attributes that match the query first, then its other tags, then stock."""
        values = [
            v
            for k, raw in product.attributes.items()
            if k.lower() not in _SIZE_KEYS
            for v in split_values(raw)
        ]
        lowered = [k.lower() for k in keywords if len(k) >= 2]

        def matches(fact: str) -> bool:
            return any(k in fact.lower() or fact.lower() in k for k in lowered)

        tags = [t.strip() for t in product.tags if t.strip() and len(t) <= 20]
        matching = [f for f in [*tags, *values] if len(f) <= 20 and matches(f)]
        chosen = list(dict.fromkeys([*matching, *tags]))[: limit - 1]
        in_stock = product.stock is not None and product.stock > 0
        if size and has_size(product, size):
            # "N码有货" needs a stock figure (the catalog has no per-size stock); without one the size is only offered
            key = (
                "size_in"
                if in_stock
                else "size_listed_stock_unknown"
                if product.stock is None
                else "size_listed"
            )
            chosen.append(self.say(key, size=size))
        stock = self.stock(product)
        if stock and not (size and has_size(product, size) and in_stock):
            chosen.append(stock)
        return chosen

    def card(self, product: Product, summary: str = "") -> ProductCard:
        buttons: list[Button] = []
        for prefix, label in (("d", "button_details"), ("s", "button_similar")):
            data = callback(prefix, product.sku)
            if data:
                buttons.append(Button(self.say(label), data=data))
        if product.url:
            buttons.append(Button(self.say("button_link"), url=product.url))
        return ProductCard(
            sku=product.sku,
            title=product.title,
            price_text=product.price_text(),
            stock_text=self.stock(product) or None,
            image_url=product.image_url,
            url=product.url,
            summary=summary or first_sentence(product.description),
            buttons=tuple(buttons),
        )


@functools.lru_cache(maxsize=4096)
def first_sentence(text: str, limit: int = 60) -> str:
    """The description's first sentence, cut at a sentence mark, never mid-word beyond `limit`; what the
    catalog says is quoted only after its instructions, links, contacts and offers are cut (`quotable`).
    Memoised by content: only catalog descriptions come here."""
    text = quotable(text).strip()
    match = re.search(r"[。！？!?]|\.\s", text)
    sentence = text[: match.end()].strip() if match else text
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(",，、 ") + "…"
