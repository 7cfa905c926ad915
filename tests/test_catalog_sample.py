"""The bundled demo catalog: loads cleanly and is varied enough for recommendations and comparisons."""

from __future__ import annotations

from collections import Counter

from knowledge.catalog import SAMPLE_CATALOG, load_catalog, split_list
from knowledge.script import HAN_CHAR

CJK = HAN_CHAR


def test_sample_catalog_loads_with_zero_errors() -> None:
    load = load_catalog(SAMPLE_CATALOG)
    assert load.errors == []
    assert len(load.products) >= 150
    assert load.rows_seen == len(load.products)


def test_sample_catalog_is_bilingual_and_covers_the_categories() -> None:
    products = load_catalog(SAMPLE_CATALOG).products
    english = [p for p in products if not CJK.search(p.title)]
    assert 0.1 * len(products) <= len(english) <= 0.3 * len(products)
    categories = Counter(p.category for p in products)
    for category in (
        "运动鞋/跑步鞋",
        "运动鞋/篮球鞋",
        "数码/耳机",
        "数码/充电器",
        "美妆护肤/面霜",
        "美妆护肤/防晒",
        "厨房/锅具",
        "厨房/小家电",
        "零食/坚果",
        "零食/茶饮",
        "服装/T恤",
        "家居/床品",
    ):
        assert categories[category] >= 6, category
    assert categories["运动鞋/跑步鞋"] >= 8


def test_sample_catalog_has_stock_price_and_size_variety() -> None:
    products = load_catalog(SAMPLE_CATALOG).products
    assert sum(p.stock == 0 for p in products) >= 5  # out of stock
    assert sum(p.stock is None for p in products) >= 3  # unknown stock
    assert sum(p.price is None for p in products) >= 2  # no price
    currencies = {p.currency for p in products}
    assert currencies == {"CNY", "USD"}
    running = [p for p in products if p.category == "运动鞋/跑步鞋"]
    with_42 = [p for p in running if "42" in split_list(p.attributes.get("size", ""))]
    assert with_42 and len(with_42) < len(running)
    assert len({p.price for p in running}) >= 8
    earbuds_cheap = [
        p
        for p in products
        if p.category == "数码/耳机"
        and p.price is not None
        and ((p.currency == "CNY" and p.price <= 350) or (p.currency == "USD" and p.price < 50))
    ]
    assert len(earbuds_cheap) >= 4


def test_sample_products_have_urls_images_and_descriptions() -> None:
    for product in load_catalog(SAMPLE_CATALOG).products:
        assert product.image_url == f"https://picsum.photos/seed/{product.sku}/600/600"
        assert product.url == f"https://shop.example.com/p/{product.sku}"
        assert product.description and product.brand and product.tags and product.attributes
