"""Normalisation before parsing: Traditional script, full-width forms, pinyin, typos and emoji — toward the
catalog's own words only, and never "correcting" a real word."""

from __future__ import annotations

import pytest

from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.normalize import TextNormalizer
from knowledge.query import QueryParser
from knowledge.traditional import to_simplified, to_traditional
from tests.support.outdoor_catalog import outdoor_products


@pytest.fixture(scope="module")
def sample() -> TextNormalizer:
    vocabulary = build_vocabulary(load_catalog(SAMPLE_CATALOG).products)
    return TextNormalizer(vocabulary, known_word=JiebaKeywordExtractor(vocabulary).is_word)


@pytest.fixture(scope="module")
def outdoor() -> TextNormalizer:
    vocabulary = build_vocabulary(outdoor_products())
    return TextNormalizer(vocabulary, known_word=JiebaKeywordExtractor(vocabulary).is_word)


def test_traditional_script_is_converted_and_reported() -> None:
    assert to_simplified("有沒有適合跑步的耳機") == ("有没有适合跑步的耳机", True)
    assert to_simplified("有没有适合跑步的耳机") == ("有没有适合跑步的耳机", False)
    assert to_simplified("Nike 42") == ("Nike 42", False)
    assert to_traditional("头发和发货") == "頭髮和發貨"  # phrase-level: 发 is 髮 in one word, 發 in the other


@pytest.mark.parametrize(
    ("text", "expected", "traditional"),
    [
        ("五百元以內的運動鞋", "五百元以内的运动鞋", True),
        ("ｎｉｋｅ　４２码", "nike 42码", False),  # full-width letters, digits and space
        ("lanya erji tuijian", "蓝牙耳机推荐", False),
        ("paoxie 300 yinei", "跑鞋 300 以内", False),  # a cue word rides along once a catalog word anchors
        ("chongdianbao you ma", "充电宝有吗", False),
        ("跑布鞋有吗", "跑步鞋有吗", False),  # same pinyin, one character off, a catalog word
        ("有没有降燥耳机", "有没有降噪耳机", False),
        ("藍芽耳機", "蓝牙耳机", True),  # Taiwanese 藍芽 → 蓝芽 → the catalog's 蓝牙
        ("wireles earbuds", "wireless earbuds", False),
        ("🎧 降噪", "耳机 降噪", False),
        ("有☕️机吗", "有咖啡机吗", False),
        ("need 🎧 please", "need headphones please", False),  # English text keeps English words
        ("预算1000💰", "预算1000", False),  # no catalog word for it: dropped
        (
            "you 42 ma de paoxie ma",
            "有 42 码的跑鞋吗",
            False,
        ),  # "you", "ma" spell cue words in a pinyin message
        ("kafeiji you naxie", "咖啡机有哪些", False),
        ("lining de ne", "李宁的呢", False),  # "lining" is English too, but "de ne" are particles
        ("想买个电反煲", "想买个电饭煲", False),
        ("跑不鞋 女款", "跑步鞋 女款", False),  # 不 inside a three-character word is a typo, not grammar
        ("篮球写 500以内", "篮球鞋 500以内", False),
        (
            "罗马仕两万毫安的充电宝",
            "罗马仕两万毫安的充电宝",
            False,
        ),  # a brand written right is never re-spelt
        ("what do you have", "what do you have", False),  # English stays English
    ],
)
def test_normalised_toward_the_catalog(
    sample: TextNormalizer, text: str, expected: str, traditional: bool
) -> None:
    result = sample.normalize(text)
    assert (result.text, result.traditional) == (expected, traditional)
    assert result.original == text


@pytest.mark.parametrize(
    "text",
    [
        "How much is shipping?",  # English words are never "corrected" toward catalog words ("skipping")
        "hi there, how are you?",
        "I want a pan",
        "宝石面霜",  # a dictionary word, not a typo of 保湿
        "烟熏味的杏仁",  # 味的 spans a particle: never 美的
        "walnuts from Xinjiang",  # a plural is not a typo
        "Sennheiser Momentum 4",
        "you ma",  # pinyin needs a catalog word to anchor it
    ],
)
def test_real_words_are_left_alone(sample: TextNormalizer, text: str) -> None:
    result = sample.normalize(text)
    assert result.text == text and result.corrections == ()


def test_another_catalogs_own_words(outdoor: TextNormalizer) -> None:
    assert outdoor.normalize("zhangpeng").text == "帐篷"
    assert outdoor.normalize("chongfengyi nvkuan").text == "冲锋衣女款"
    assert outdoor.normalize("冲锋依").text == "冲锋衣"
    assert outdoor.normalize("lanya erji").text == "蓝牙耳机"  # the synonym file counts as vocabulary too
    assert outdoor.normalize("hiking shoe").text == "hiking shoe"


def test_the_parser_reads_the_normalised_text() -> None:
    products = load_catalog(SAMPLE_CATALOG).products
    vocabulary = build_vocabulary(products)
    parser = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))
    parsed = parser.parse("八百塊以內的籃球鞋")
    assert parsed.traditional and parsed.normalized == "八百块以内的篮球鞋"
    assert parsed.filters.max_price == 800 and parsed.filters.category == "运动鞋/篮球鞋"
    assert parsed.keywords == ["篮球鞋"] and parsed.text == "八百塊以內的籃球鞋"
    parsed = parser.parse("paoxie 300 yinei")
    assert parsed.filters.max_price == 300 and parsed.filters.category == "运动鞋/跑步鞋"
    assert parsed.corrections == (("paoxie", "跑鞋"), ("yinei", "以内"))
    plain = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary), normalize=False)
    unread = plain.parse("八百塊以內的籃球鞋")
    assert plain.normalizer is None and unread.filters.max_price != 800 and not unread.traditional
