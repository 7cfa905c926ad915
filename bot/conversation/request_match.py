"""Did the products a reply showed match what the customer asked for? (insights: answered vs closest, gaps)

A search always returns the nearest products, so "we showed something" is not "we sell it": 有iPhone 16吗 gets
phone chargers, 红色的耳机 gets black ones. A request matches when at least one shown product satisfies every
filter the understanding found (category, brand, attribute values, price) and, when the request names things
the filters do not cover (iphone, 保温杯), is named by at least one of those words (title, brand, category,
tags or attributes — a charger whose description says "for iPhone" is no iPhone). Follow-ups about products
already shown (第二个多少钱) and turns that ask for nothing are not requests (None).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.conversation.understanding import Understanding, content_keywords
from knowledge.models import Product, QueryFilters


def _satisfies(product: Product, filters: QueryFilters) -> bool:
    if filters.category and not (
        product.category == filters.category
        or product.category.startswith(filters.category.rstrip("/") + "/")
    ):
        return False
    if filters.brand and filters.brand.lower() not in f"{product.brand} {product.title}".lower():
        return False
    for key, wanted in filters.attributes.items():
        values = [v.strip().lower() for v in product.attributes.get(key, "").split(";") if v.strip()]
        if not any(str(wanted).lower() in v or v in str(wanted).lower() for v in values):
            return False
    if product.price is not None:
        if filters.min_price is not None and product.price < filters.min_price:
            return False
        if filters.max_price is not None and product.price > filters.max_price:
            return False
    return not (filters.in_stock and product.in_stock is False)


def _identity(product: Product) -> str:
    """What a product IS (title, brand, category, tags, attributes) — not its description, which names the
    things it works with ("支持iPhone快充" makes a charger no iPhone)."""
    parts = [product.title, product.brand, product.category, *product.tags, *product.attributes.values()]
    return " ".join(parts).lower()


def request_matched(u: Understanding | None, shown: Sequence[Product]) -> bool | None:
    """True/False for a product request (see the module docstring); None when the turn was not one."""
    if u is None or u.targets:
        return None
    words = [w.lower() for w in content_keywords(u.keywords, u.filters) if len(w) > 1]
    if u.filters.is_empty() and not words:
        return None
    for product in shown:
        if not _satisfies(product, u.filters):
            continue
        if not words or any(word in _identity(product) for word in words):
            return True
    return False
