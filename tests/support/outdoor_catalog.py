"""A small synthetic catalog of another shop (outdoor gear, CNY and USD, gender, size ranges, English-only listings).

Tests of query understanding use it next to the bundled demo catalog, so rules are shown to follow the catalog's
own data rather than the demo's product names.
"""

from __future__ import annotations

from decimal import Decimal

from knowledge.models import Product

D = Decimal


def outdoor_products() -> list[Product]:
    return [
        Product(
            sku="TNT-1",
            title="凯乐石 轻量双人帐篷 Lite 2",
            brand="凯乐石",
            category="户外/帐篷",
            price=D("1299"),
            stock=5,
            tags=("帐篷", "双人", "轻量"),
            attributes={"color": "绿色;灰色", "weight": "1.6kg"},
        ),
        Product(
            sku="TNT-2",
            title="Big Agnes Copper Spur HV UL2 Tent",
            brand="Big Agnes",
            category="户外/帐篷",
            price=D("549.95"),
            currency="USD",
            stock=2,
            tags=("tent", "ultralight", "two person"),
            attributes={"color": "orange", "weight": "1.4kg"},
        ),
        Product(
            sku="TNT-3",
            title="牧高笛 冷山 3 帐篷 三人",
            brand="牧高笛",
            category="户外/帐篷",
            price=D("899"),
            stock=0,
            tags=("帐篷", "三人", "防雨"),
            attributes={"color": "蓝色"},
        ),
        Product(
            sku="JKT-1",
            title="凯乐石 冲锋衣 女款 MONT X",
            brand="凯乐石",
            category="户外/冲锋衣",
            price=D("1599"),
            stock=7,
            tags=("冲锋衣", "防水"),
            attributes={"color": "红色;黑色", "gender": "女", "size": "S-XL"},
        ),
        Product(
            sku="JKT-2",
            title="Arc'teryx Beta LT Jacket Men's",
            brand="Arc'teryx",
            category="户外/冲锋衣",
            price=D("450"),
            currency="USD",
            stock=3,
            tags=("hardshell", "waterproof"),
            attributes={"color": "black;blue", "gender": "Men", "size": "S;M;L;XL"},
        ),
        Product(
            sku="JKT-3",
            title="探路者 三合一冲锋衣 中性款",
            brand="探路者",
            category="户外/冲锋衣",
            price=D("699"),
            stock=12,
            tags=("冲锋衣", "三合一"),
            attributes={"color": "黑色;白色", "gender": "中性", "size": "M-XXXL"},
        ),
        Product(
            sku="BOT-1",
            title="Salomon X Ultra 4 GTX 徒步鞋 男款",
            brand="Salomon",
            category="户外/徒步鞋",
            price=D("1199"),
            stock=4,
            tags=("徒步鞋", "防水", "GTX"),
            attributes={"color": "黑色", "gender": "male", "size": "39-46"},
        ),
        Product(
            sku="BOT-2",
            title="Merrell Moab 3 Women's Hiking Shoe",
            brand="Merrell",
            category="户外/徒步鞋",
            price=D("129.99"),
            currency="USD",
            stock=6,
            tags=("hiking shoes", "women"),
            attributes={"color": "grey", "gender": "female", "size": "35–40"},
        ),
        Product(
            sku="BOT-3",
            title="骆驼 户外徒步鞋 防滑耐磨",
            brand="骆驼",
            category="户外/徒步鞋",
            price=D("299"),
            stock=30,
            tags=("徒步鞋", "防滑"),
            attributes={"color": "棕色", "size": "38;39;40;41;42;43;44"},
        ),
        Product(
            sku="PWR-1",
            title="Anker PowerCore 10000 Portable Charger",
            brand="Anker",
            category="户外/电源",
            price=D("25.99"),
            currency="USD",
            stock=9,
            tags=("power bank", "portable charger"),
            attributes={"capacity": "10000mAh", "color": "black"},
        ),
        Product(
            sku="PWR-2",
            title="小米 户外头灯 充电款",
            brand="小米",
            category="户外/照明",
            price=D("89"),
            stock=15,
            tags=("头灯", "照明"),
            attributes={"color": "黑色"},
        ),
        Product(
            sku="STV-1",
            title="火枫 FMS-116T 钛炉头",
            brand="火枫",
            category="户外/炉具",
            price=D("259"),
            stock=8,
            tags=("炉头", "钛"),
            attributes={"weight": "45g"},
        ),
    ]
