"""Query understanding: exact price bounds (zh/en, Chinese numerals) and catalog-aware filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import Product, QueryFilters
from knowledge.numbers import parse_chinese_numeral, parse_number
from knowledge.prices import parse_price
from knowledge.query import QueryParser, detect_language
from knowledge.resources import normalise_text
from knowledge.vocabulary import Vocabulary

D = Decimal

PRICE_CASES: list[tuple[str, Decimal | None, Decimal | None]] = [
    ("500以内的跑鞋", None, D(500)),
    ("500元以下", None, D(500)),
    ("不超过200元", None, D(200)),
    ("三百到五百块", D(300), D(500)),
    ("两百多", D(200), D(300)),
    ("两千多的手表", D(2000), D(3000)),
    ("50多块", D(50), D(60)),
    ("预算一千五", None, D(1500)),
    ("一千五", D(1200), D(1800)),
    ("1.5k", D(1200), D(1800)),
    ("1.5k以内", None, D(1500)),
    ("2w以下", None, D(20000)),
    ("200-300", D(200), D(300)),
    ("200~300元", D(200), D(300)),
    ("价格在200到400之间", D(200), D(400)),
    ("300-500元之间的耳机", D(300), D(500)),
    ("300左右", D(240), D(360)),
    ("一百块左右", D(80), D(120)),
    ("一千零五十元以内", None, D(1050)),
    ("低于1万", None, D(10000)),
    ("不到一百块", None, D(100)),
    ("至少两百", D(200), None),
    ("500以上", D(500), None),
    ("500起", D(500), None),
    ("300以上500以下", D(300), D(500)),
    ("预算三百到五百", D(300), D(500)),
    ("under $50", None, D(50)),
    ("below 50 dollars", None, D(50)),
    ("less than ¥200", None, D(200)),
    ("less than ￥２００", None, D(200)),  # full-width forms
    ("between 20 and 40 dollars", D(20), D(40)),
    ("$20-$40", D(20), D(40)),
    ("from 10 to 25 bucks", D(10), D(25)),
    ("over 300", D(300), None),
    ("at least 80 dollars", D(80), None),
    ("around 30 dollars", D(24), D(36)),
    ("$1,200 max", None, D(1200)),
    ("up to 80 bucks", None, D(80)),
    ("50 or less", None, D(50)),
    ("¥99", D("79.2"), D("118.8")),
    ("99.9元以内", None, D("99.9")),
    ("两三百的耳机", D(200), D(300)),
    ("三四千块", D(3000), D(4000)),
    ("不要超过300", None, D(300)),
    ("别超过五百块", None, D(500)),
    ("预算在1000元左右", D(800), D(1200)),
    ("千元以内", None, D(1000)),
    ("less than 1k", None, D(1000)),
    ("50-100美元", D(50), D(100)),
]

NOT_PRICES = [
    "40-42码的鞋",
    "WH-1000XM5",
    "iphone 15 256g",
    "5天以内发货吗",
    "一双跑鞋",
    "4k显示器",
    "百雀羚面霜",
    "三千毫安充电宝",
    "三只松鼠",
    "十分好用",
    "65w charger",
]


@pytest.mark.parametrize(("text", "low", "high"), PRICE_CASES)
def test_price_bounds_are_exact(text: str, low: Decimal | None, high: Decimal | None) -> None:
    bounds = parse_price(normalise_text(text))
    assert (bounds.min_price, bounds.max_price) == (low, high)
    for value in (bounds.min_price, bounds.max_price):
        assert value is None or isinstance(value, Decimal)


@pytest.mark.parametrize("text", NOT_PRICES)
def test_numbers_that_are_not_prices_are_left_alone(text: str) -> None:
    bounds = parse_price(normalise_text(text))
    assert (bounds.min_price, bounds.max_price, bounds.spans) == (None, None, ())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三百", 300),
        ("一千五", 1500),
        ("一千零五", 1005),
        ("二十五", 25),
        ("十五", 15),
        ("两万三", 23000),
        ("三万五千", 35000),
        ("一亿", 100_000_000),
        ("二五六", 256),
        ("两百五十", 250),
        ("五", 5),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert parse_chinese_numeral(text) == value


def test_parse_number_suffixes_are_exact() -> None:
    assert (
        parse_number("1.5k") == D(1500)
        and parse_number("2w") == D(20000)
        and parse_number("1.5万") == D(15000)
    )
    assert parse_number("1,299.90") == D("1299.90") and parse_number("abc") is None


CATALOG = [
    Product(
        sku="RUN-1",
        title="Nike Air Zoom Pegasus 41 男子跑步鞋",
        brand="Nike",
        category="运动鞋/跑步鞋",
        price=D("899"),
        attributes={"color": "黑色;白色", "size": "40;41;42"},
    ),
    Product(
        sku="RUN-2",
        title="Brooks Ghost 16 Running Shoe",
        brand="Brooks",
        category="运动鞋/跑步鞋",
        price=D("1099"),
        attributes={"color": "black;pink", "size": "36;37"},
    ),
    Product(
        sku="BSK-1",
        title="李宁 驭帅17 篮球鞋",
        brand="李宁",
        category="运动鞋/篮球鞋",
        price=D("899"),
        attributes={"color": "曜石黑;白色", "size": "42码"},
    ),
    Product(
        sku="EAR-1",
        title="Sony WH-1000XM5 头戴式降噪耳机",
        brand="Sony",
        category="数码/耳机",
        price=D("2499"),
        attributes={"color": "黑色"},
    ),
    Product(
        sku="SUN-1",
        title="安热沙 小金瓶防晒乳 60ml",
        brand="安热沙",
        category="美妆护肤/防晒",
        price=D("258"),
        attributes={"capacity": "60ml"},
    ),
    Product(
        sku="TEE-1",
        title="优衣库 圆领短袖T恤",
        brand="优衣库",
        category="服装/T恤",
        price=D("79"),
        attributes={"color": "白色", "size": "S;M;L;XL"},
    ),
    Product(sku="YOG-1", title="Keep 加厚瑜伽垫", brand="Keep", category="运动户外/瑜伽", price=D("99")),
    Product(sku="EAR-2", title="Apple AirPods 4", brand="Apple", category="数码/耳机", price=D("999")),
    Product(sku="TEA-1", title="立顿 红茶 100包", brand="立顿", category="零食/茶饮", price=D("49.90")),
]


@pytest.fixture(scope="module")
def parser() -> QueryParser:
    vocab = build_vocabulary(CATALOG)
    return QueryParser(vocab, JiebaKeywordExtractor(vocab))


def test_keywords_exclude_price_phrases(parser: QueryParser) -> None:
    parsed = parser.parse("500以内的跑鞋")
    assert parsed.keywords == ["跑鞋"]
    assert parsed.filters == QueryFilters(max_price=D(500), category="运动鞋/跑步鞋", currency="CNY")
    assert parsed.language == "zh" and parsed.text == "500以内的跑鞋"


def test_everything_at_once_in_chinese(parser: QueryParser) -> None:
    f = parser.parse("有没有黑色的耐克跑步鞋，42码，三百到五百块，有货吗").filters
    assert (f.min_price, f.max_price, f.category, f.brand) == (D(300), D(500), "运动鞋/跑步鞋", "Nike")
    assert f.attributes == {"color": "黑色", "size": "42"} and f.in_stock is True


def test_everything_at_once_in_english(parser: QueryParser) -> None:
    parsed = parser.parse("Black Nike running shoes size 42 under $100, in stock")
    f = parsed.filters
    assert (f.max_price, f.category, f.brand, f.in_stock) == (D(100), "运动鞋/跑步鞋", "Nike", True)
    assert f.attributes == {"color": "black", "size": "42"}  # the catalog's own English spelling
    assert parsed.language == "en" and "nike" in parsed.keywords and "stock" not in parsed.keywords


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("跑鞋", "运动鞋/跑步鞋"),
        ("慢跑鞋推荐", "运动鞋/跑步鞋"),
        ("running shoes", "运动鞋/跑步鞋"),
        ("篮球鞋", "运动鞋/篮球鞋"),
        ("sneakers", "运动鞋"),
        ("蓝牙耳机", "数码/耳机"),
        ("earbuds", "数码/耳机"),
        ("sunscreen", "美妆护肤/防晒"),
        ("短袖t恤", "服装/T恤"),
        ("量子计算机", None),
    ],
)
def test_category_by_name_and_synonyms(parser: QueryParser, text: str, category: str | None) -> None:
    assert parser.parse(text).filters.category == category


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("耐克的鞋", "Nike"),
        ("NIKE shoes", "Nike"),
        ("索尼耳机", "Sony"),
        ("sony headphones", "Sony"),
        ("李宁篮球鞋", "李宁"),
        ("Keep瑜伽垫", "Keep"),
        ("keep me warm", None),
        ("Anessa sunscreen", "安热沙"),
        ("阿迪达斯", None),  # a brand the catalog does not carry is not a filter
        ("苹果干", None),  # dried apple, not the brand
        ("苹果耳机", "Apple"),
    ],
)
def test_brand_from_catalog_and_aliases(parser: QueryParser, text: str, brand: str | None) -> None:
    assert parser.parse(text).filters.brand == brand


@pytest.mark.parametrize(
    ("text", "attributes"),
    [
        ("要黑的", {"color": "黑色"}),
        ("白色T恤 XL", {"color": "白色", "size": "XL"}),
        ("红茶", {}),
        ("美白面霜", {}),
        ("M码", {"size": "M"}),
        ("EU 41", {"size": "41"}),
        ("42号", {"size": "42"}),
        ("60ml防晒", {"capacity": "60ml"}),
        ("500g坚果", {}),
        ("pink", {"color": "pink"}),
    ],
)
def test_colour_and_size_in_the_catalogs_spelling(parser: QueryParser, text: str, attributes: dict) -> None:
    assert parser.parse(text).filters.attributes == attributes


def test_sizes_without_a_catalog_keep_their_written_form() -> None:
    empty = QueryParser(Vocabulary.empty(), JiebaKeywordExtractor())
    assert empty.parse("iPhone 256G 黑色").filters.attributes == {"size": "256G", "color": "黑色"}
    assert empty.parse("42码").filters.attributes == {"size": "42"}


@pytest.mark.parametrize("text", ["有货吗", "现货", "in stock?", "Is it available", "有库存的"])
def test_in_stock(parser: QueryParser, text: str) -> None:
    assert parser.parse(text).filters.in_stock is True


def test_no_filters_for_a_plain_question(parser: QueryParser) -> None:
    parsed = parser.parse("降噪耳机")
    assert parsed.filters.brand is None and parsed.filters.min_price is None and not parsed.filters.in_stock
    assert "降噪" in parsed.keywords


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("500以内的跑鞋", "zh"),
        ("running shoes under $50", "en"),
        ("Nike Air Zoom Pegasus 41跑鞋", "zh"),
        ("iPhone 15 Pro 有货吗", "zh"),
        ("", "zh"),
        ("200-300", "zh"),
        ("do you sell these 耳机 here", "en"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_an_everyday_word_inside_a_longer_brand_is_not_the_brand() -> None:
    products = [
        Product(sku="B1", title="Goodnight Moon", brand="Tor Books", category="图书/童书"),
        Product(sku="K1", title="Chambord French Press 1L", brand="Bodum Home", category="厨房/咖啡"),
    ]
    vocabulary = build_vocabulary(products)
    parse = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary)).parse
    assert parse("children's picture books for bedtime").filters.brand is None
    assert parse("anything from tor books?").filters.brand == "Tor Books"
    assert parse("bodum 的法压壶").filters.brand == "Bodum Home"  # not a dictionary word: a name
