"""A product said to be free is a gift of THAT product: only a policy line or the product's own text granting it
backs it (issue 13, guard13t).

"买吸尘器送风扇", "The Laifen SE is free today", "the desk lamp is yours for free", "订生日蛋糕免费送一罐正山小种":
each gives a catalog product away. A policy that says "free" about something else — free shipping, free
installation, "replaced for free", "每个生日蛋糕免费赠送蜡烛" — backs none of them. So a gift claim (free / gift /
bogo) whose clause names products of the turn, and is not about a service (installation, repair, replacement,
returns, shipping …), is allowed only when every product it names is covered:
- a policy line that grants a gift (`granting_lines`) names the product (its SKU, its title, its title without
  the brand, or the last part of its category path: "蛋糕" of 烘焙/蛋糕), or
- the product's own text offers that gift (an accessory in the box: "附赠收纳袋" — `evidence.product_evidence`).
`granting_lines` is computed once per policy text set (memoised), not per reply.
"""

from __future__ import annotations

from functools import lru_cache

from bot.conversation.claims.extract import ClaimKind, extract_claims
from bot.conversation.sanitize import neutralise
from bot.privacy.phones import normalise
from knowledge.models import Product

PRODUCT_GIFTS = frozenset({"free", "gift", "bogo"})


@lru_cache(maxsize=64)
def granting_lines(texts: tuple[str, ...]) -> tuple[str, ...]:
    """The lines (lower case, NFKC, instructions neutralised) of `texts` that grant a gift (free / gift / bogo,
    not denied)."""
    lines: list[str] = []
    for text in texts:
        for line in neutralise(normalise(text)).splitlines():
            if any(
                c.kind is ClaimKind.GIFT and not c.negated and c.value in PRODUCT_GIFTS
                for c in extract_claims(line)
            ):
                lines.append(line.lower())
    return tuple(lines)


def _product_words(product: Product) -> tuple[str, ...]:
    title = normalise(product.title).lower()
    brand = normalise(product.brand).lower()
    words = {product.sku.lower(), title}
    if brand and title.startswith(brand):
        words.add(title[len(brand) :].strip())
    leaf = normalise(product.category).rsplit("/", 1)[-1].strip().lower()
    if len(leaf) >= 2:
        words.add(leaf)
    return tuple(w for w in words if w)


def granted(product: Product, lines: tuple[str, ...]) -> bool:
    """Whether a gift-granting policy line names `product` (SKU, title, title without brand, category leaf)."""
    words = _product_words(product)
    return any(word in line for line in lines for word in words)
