"""A small bilingual catalog for retrieval tests: each product is the clear answer to some query."""

from __future__ import annotations

from decimal import Decimal

from knowledge.models import Product


def _p(
    sku: str, title: str, brand: str, category: str, price: str | None, stock: int | None, **attributes: str
) -> Product:
    return Product(
        sku=sku,
        title=title,
        brand=brand,
        category=category,
        price=Decimal(price) if price is not None else None,
        stock=stock,
        attributes=attributes,
    )


PRODUCTS: list[Product] = [
    _p(
        "SHOE-PEG41",
        "Nike Air Zoom Pegasus 41 男子跑步鞋 缓震透气",
        "Nike",
        "运动鞋/跑步鞋",
        "899.00",
        12,
        color="黑色;白色",
        size="39;40;41;42",
    ),
    _p(
        "SHOE-ULTRA",
        "Adidas Ultraboost Light 跑步鞋 轻量回弹",
        "Adidas",
        "运动鞋/跑步鞋",
        "1299.00",
        0,
        color="白色",
        size="42.5;43;44",
    ),
    _p(
        "SHOE-LINING",
        "李宁 赤兔6 PRO 竞速跑鞋",
        "李宁",
        "运动鞋/跑步鞋",
        "499.00",
        30,
        color="红色;黑色",
        size="40;41",
    ),
    _p(
        "SHOE-HIKE",
        "凯乐石 防水徒步鞋 登山鞋",
        "Kailas",
        "运动鞋/徒步鞋",
        "799.00",
        5,
        color="棕色",
        size="42",
    ),
    _p("EAR-SONY", "索尼 WF-1000XM5 真无线降噪蓝牙耳机", "Sony", "数码/耳机", "1799.00", 8, color="黑色"),
    _p("EAR-APPLE", "Apple AirPods Pro 2 无线降噪耳机", "Apple", "数码/耳机", "1899.00", 3, color="白色"),
    _p("EAR-CHEAP", "QCY T13 蓝牙耳机 入门款", "QCY", "数码/耳机", "99.00", 100, color="黑色;白色"),
    _p("SKIN-CREAM", "兰蔻 菁纯 保湿面霜 50ml", "Lancome", "美妆护肤/面霜", "1080.00", 6),
    _p("SKIN-SERUM", "雅诗兰黛 小棕瓶 修护精华 50ml", "Estee Lauder", "美妆护肤/精华", "780.00", 9),
    _p("KIT-WOK", "苏泊尔 不粘锅 炒锅 32cm 燃气电磁炉通用", "Supor", "厨房/锅具", "259.00", 20),
    _p("KIT-KNIFE", "张小泉 不锈钢 菜刀 切片刀", "张小泉", "厨房/刀具", "129.00", 15),
    _p("SNACK-NUTS", "三只松鼠 每日坚果 混合果仁 750g", "三只松鼠", "零食/坚果", "89.90", 50),
    _p("SNACK-TEA", "English Breakfast black tea 100 bags", "Twinings", "食品/茶叶", None, 10),
    _p(
        "BAG-BACKPACK",
        "小米 双肩包 通勤电脑包 15.6英寸",
        "Xiaomi",
        "箱包/双肩包",
        "149.00",
        None,
        color="深灰色",
    ),
]

NONSENSE_QUERIES = ["飞机发动机", "quantum physics textbook", "asdfgh"]
