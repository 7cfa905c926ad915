"""Understanding from a shop's OWN catalog: two catalogs in domains the demo does not have (baby goods and
cosmetics; home appliances, lighting, furniture and instruments), their words, exclusions and kinds — and the
conversation sets written over them, run through the offline bot."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.conversation.gifts import gift_picks, gift_request
from bot.conversation.intents import Intent, classify
from bot.conversation.kinds import KindCatalog, titled_kind
from bot.conversation.ordering import order, ordering_in, value_of
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product, QueryFilters
from knowledge.query import QueryParser
from knowledge.spelling import fuzzy_key
from tests.support.case_sets import assert_floor, run_case_file

DATA = Path(__file__).parent / "data"
BABY = DATA / "baby_beauty_catalog.csv"
HOME = DATA / "home_music_catalog.csv"
COFFEE = DATA / "coffee_camping_catalog.csv"
GARDEN = DATA / "garden_games_catalog.csv"
STATIONERY = DATA / "stationery_art_catalog.csv"
LUGGAGE = DATA / "luggage_tools_catalog.csv"
APPAREL = DATA / "apparel_catalog.csv"
OFFICE = DATA / "office_auto_catalog.csv"


@cache
def _shop(path: Path) -> tuple[QueryParser, InMemoryProductIndex, dict[str, Product]]:
    products = load_catalog(path).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index, {p.sku: p for p in products}


def _search(path: Path, text: str) -> tuple[QueryFilters, list[str]]:
    parser, index, _ = _shop(path)
    parsed = parser.parse(text)
    hits = index.search(" ".join(parsed.keywords), k=50, filters=parsed.filters)
    return parsed.filters, [h.sku for h in hits]


@pytest.mark.parametrize(
    ("path", "text", "word"),
    [
        (HOME, "吉他弦有吗", "吉他弦"),  # a tag, not 吉他 + 弦
        (BABY, "宝宝身体乳", "身体乳"),
        (BABY, "有没有敏感肌能用的", "敏感肌"),  # an attribute value
        (HOME, "想要个护眼的台灯", "护眼"),
        (BABY, "豆沙色的口红", "豆沙色"),
    ],
)
def test_the_catalogs_own_tags_and_values_are_words(path: Path, text: str, word: str) -> None:
    parser, _, _ = _shop(path)
    assert word in parser.parse(text).keywords


def test_a_tag_containing_another_categorys_name_names_its_own_category() -> None:
    parser, _, _ = _shop(HOME)
    assert parser.vocabulary.term_categories.get("吉他弦") == "乐器/配件"
    assert "民谣吉他" not in parser.vocabulary.term_categories  # tagged on guitars: 吉他 is right
    assert parser.parse("吉他弦有吗").filters.category == "乐器/配件"
    assert parser.parse("民谣吉他有吗").filters.category == "乐器/吉他"
    _, skus = _search(HOME, "吉他弦有吗")
    assert skus[0] == "ACC-002" and not any(s.startswith("GTR-") for s in skus)


@pytest.mark.parametrize(
    ("path", "text", "gone", "kept"),
    [
        (HOME, "电钢琴，不要美元标价的", {"KEY-003"}, {"KEY-002", "KEY-004"}),
        (HOME, "ukulele without USD prices", {"UKE-002"}, {"UKE-001"}),
        (BABY, "奶瓶 不要美金的", {"BTL-003"}, {"BTL-001", "BTL-002", "BTL-004"}),
        (BABY, "口红，别推人民币标价的", {"LIP-001", "LIP-002", "LIP-003"}, {"LIP-005"}),
    ],
)
def test_a_currency_can_be_ruled_out(path: Path, text: str, gone: set[str], kept: set[str]) -> None:
    filters, skus = _search(path, text)
    assert any(key == "currency" for key, _ in filters.exclude_attributes)
    assert kept <= set(skus) and not gone & set(skus)


def test_a_single_currency_catalog_reads_no_currency_exclusion() -> None:
    parser, _, _ = _shop(DATA / "other_catalog.csv")
    single = QueryParser(
        build_vocabulary([p for p in load_catalog(BABY).products if p.currency == "CNY"]), parser.extractor
    )
    assert not single.parse("不要美元标价的口红").filters.exclude_attributes


def test_an_excluded_colour_keeps_products_also_sold_in_another_when_nothing_else_is_left() -> None:
    # every desk lamp comes in white; the IKEA one also in dark grey: the customer can have that one
    filters, skus = _search(HOME, "不要白色的台灯")
    assert filters.category == "灯具/台灯" and skus == ["LMP-003"]
    # when some products are not offered in the colour at all, only those are shown
    _, skus = _search(BABY, "奶瓶，不要粉色的")
    assert set(skus) == {"BTL-001", "BTL-003"}


def test_a_tag_in_the_other_language_names_the_product() -> None:
    _, _, products = _shop(BABY)
    lotion = products["BODY-003"]  # "Aveeno Baby Daily Moisture Lotion 8oz", tagged 身体乳
    assert titled_kind("身体乳", lotion) and not titled_kind("面霜", lotion)
    assert [p.sku for p in KindCatalog(list(products.values())).of_kind("身体乳")] == ["BODY-003"]
    _, _, home = _shop(HOME)
    # tags in the title's own language still do not name it: a lamp tagged 学习 is not a 学习 product
    assert not titled_kind("学习", home["LMP-001"])
    # no English tag, but the retail lexicon (synonyms.txt) says humidifier = 加湿器: the title names it
    assert titled_kind("humidifier", home["HUM-001"]) is True
    assert titled_kind("air purifier", home["AIR-001"]) is True


@pytest.mark.parametrize(
    "text",
    [
        "吹风机用了一个月突然不出热风了",
        "吉他收到面板有裂缝",
        "加湿器不出雾了怎么办",
        "喂食器不出粮",
        "推车轮子掉了",
        "台灯底座断了",
        "收到的奶瓶有划痕",
        "吸尘器用着用着卡住了",
        "the stroller wheel came off after two days",
        "the fan won't spin anymore",
        "my kettle stopped working",
        "the lid is cracked",
        "the handle broke off",
    ],
)
def test_any_product_that_broke_is_an_after_sales_question(text: str) -> None:
    assert classify(text).intent is Intent.AFTER_SALES


@pytest.mark.parametrize(
    "text", ["不出声的键盘有吗", "防开裂的砧板", "I want a crack-free phone case", "推荐个静音风扇"]
)
def test_wishes_that_sound_like_defects_stay_shopping(text: str) -> None:
    assert classify(text).intent is not Intent.AFTER_SALES


def test_superlatives_over_noise_area_and_columns_of_any_name() -> None:
    _, _, home = _shop(HOME)
    purifiers = [p for p in home.values() if p.category == "家电/空气净化器"]
    quiet = ordering_in("哪个最安静")
    assert quiet is not None and not quiet.descending
    assert order(purifiers, quiet)[0][0].sku == "AIR-002"  # 17dB; AIR-004 says no noise level: left out
    big = ordering_in("适用面积最大的净化器")
    assert big is not None and order(purifiers, big)[0][0].sku == "AIR-001"  # 60㎡
    loud = ordering_in("which is the loudest")
    assert loud is not None and loud.descending
    # a shop whose columns are called 净重 and 噪音值: read by the unit of the value
    odd = Product(sku="X", title="x", attributes={"净重": "1.2kg", "噪音值": "30dB", "颜色": "白色"})
    weight = value_of(odd, "weight")
    assert weight is not None and weight.amount == 1200 and weight.dimension == "mass"
    noise = value_of(odd, "noise")
    assert noise is not None and noise.text == "30dB"
    two = Product(sku="Y", title="y", attributes={"净重": "1.2kg", "毛重": "1.5kg"})
    assert value_of(two, "weight") is None  # two masses: which one is meant is not known


@pytest.mark.parametrize(
    ("text", "size", "skus"),
    [
        ("有没有110码的童装", "110", {"CLO-003", "CLO-005"}),
        ("童装130码", "130", {"CLO-005"}),
        ("73码的连体衣", "73", {"CLO-001"}),
    ],
)
def test_the_catalogs_own_sizes_of_three_digits(text: str, size: str, skus: set[str]) -> None:
    filters, found = _search(BABY, text)
    assert filters.attributes.get("size") == size and set(found) == skus


def test_an_attribute_value_is_ruled_out_in_either_language() -> None:
    filters, skus = _search(BABY, "show me face creams but not for dry skin")
    assert filters.exclude_attributes == (("skin", "干皮"),)
    assert {"CRE-005", "CRE-008"} <= set(skus) and not {"CRE-006", "CRE-007"} & set(skus)
    filters, _ = _search(BABY, "不要给敏感皮肤用的防晒")
    assert filters.exclude_attributes == (("skin", "敏感肌"),)


def test_near_sounds_in_longer_catalog_words_are_typos() -> None:
    assert fuzzy_key("xichengqi") == fuzzy_key("xichenqi") and fuzzy_key("zhang") == "zan"
    parser, _, _ = _shop(HOME)
    assert parser.parse("有没有吸成器").filters.category == "家电/吸尘器"  # 成 cheng for 尘 chen
    assert parser.parse("想买个电子情").filters.category == "乐器/电子琴"  # 情 qing for 琴 qin
    assert parser.parse("电分扇").keywords == ["电风扇"]  # 分 fen = 风 feng
    assert parser.fix_typos("空调") == "空调"  # two characters: only exact sounds are corrected


def test_a_gift_in_a_shop_without_the_usual_presents_comes_from_its_own_products() -> None:
    _, _, home = _shop(HOME)
    request = gift_request("给女朋友买个礼物")
    assert request is not None
    picks = [p.sku for p in gift_picks(list(home.values()), request)]
    assert picks and not {"SHV-001", "SHV-002", "SHV-003"} & set(picks)  # men's shavers are not for her
    assert "SHV-004" in picks  # made for women (its own gender attribute)
    dad = gift_request("送我爸的生日礼物")
    assert dad is not None and "SHV-001" in [p.sku for p in gift_picks(list(home.values()), dad)]


# The conversation sets over these catalogs (tests/data/*_conversations.yaml): how many pass offline today.
# Raise a floor when a fix makes more pass; never lower one.
SETS = [
    ("baby_beauty_conversations.yaml", BABY, None, 57),
    ("home_music_conversations.yaml", HOME, DATA / "home_music_policies", 68),
    ("coffee_camping_conversations.yaml", COFFEE, DATA / "coffee_camping_policies", 141),
    ("garden_games_conversations.yaml", GARDEN, None, 53),
    ("stationery_art_conversations.yaml", STATIONERY, None, 45),
    # fix12-h: apparel + phone accessories + jewellery, written before the fixes (first run 56/86)
    ("apparel_conversations.yaml", APPAREL, DATA / "apparel_policies", 112),
    # fix12-j: tester12e-other's peripherals + office furniture + car shop, all 71 conversations (first run 39/74)
    ("office_auto_conversations.yaml", OFFICE, DATA / "office_auto_policies", 62),
]


# Cases of a set that must pass whatever else does (the kinds a fix was for), checked in the same run as the floor.
MUST_PASS = {
    # 'u2724d 有几个接口' reads attr_connection (HDMI;DP;USB-C) and labels it in Chinese; the K380's battery
    # life is in its English description; a budget that only misses says the cheapest of the kind;
    # 会飞/写成 neither echoed nor kept for '有什么键盘'; a vague need asks back with the shop's kinds
    "office_auto_conversations.yaml": {
        *("oa-c21b", "oa-c24", "oa-c26", "oa-c35", "oa-c17", "oa-c53", "oa-c11", "oa-c16"),
        *("oa-c58", "oa-c58b", "oa-c60", "oa-c63", "oa-c63b", "oa-c32", "oa-c08", "oa-c09"),
    },
}


@pytest.mark.parametrize(("cases", "catalog", "policies", "floor"), SETS)
async def test_the_conversation_sets_over_other_shops(
    tmp_path: Path, cases: str, catalog: Path, policies: Path | None, floor: int
) -> None:
    loaded, report = await run_case_file(tmp_path / "data", DATA / cases, catalog=catalog, policies=policies)
    assert len(loaded.cases) >= 50 and sum(len(c.turns) for c in loaded.cases) >= 60
    failures = assert_floor(report, floor)
    assert MUST_PASS.get(cases, set()) <= {r.id for r in report.results if r.passed}, failures


async def test_the_failing_turns_of_the_luggage_and_tools_shop(tmp_path: Path) -> None:
    # tester12d-other's turns of four kinds over its own shop (first run 1/14 before the fixes, 14/14 after);
    # + fix12-h's gifts by recipient, age and hobby and two sizes (held-out first run 2/7, then 7/7)
    loaded, report = await run_case_file(
        tmp_path / "data",
        DATA / "luggage_tools_conversations.yaml",
        catalog=LUGGAGE,
        policies=DATA / "luggage_tools_policies",
    )
    assert len(loaded.cases) >= 21
    assert_floor(report, 21)


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("lego 10311 还有货吗", "TOY-LEGO-10311"),
        ("60337 多少钱", "TOY-LEGO-60337"),
        ("10311有货吗", "TOY-LEGO-10311"),
        ("puzzle 1000 pieces", None),  # "1000片": an amount in its title, not a model number
        ("drill under 1000 yuan", None),  # a budget
        ("1000以内的行李箱", None),
    ],
)
def test_a_bare_model_number_names_the_one_title_that_has_it(text: str, sku: str | None) -> None:
    from knowledge.mentions import MentionIndex

    index = MentionIndex.build(list(_shop(LUGGAGE)[2].values()))
    found = [m.sku for group in index.find_groups(text, k=8) for m in group]
    assert found == ([sku] if sku else [])


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("24寸的行李箱", "24寸"),
        ("有没有20英寸的", "20寸"),
        ("26 inch suitcase", "26寸"),
        ("最便宜的20寸是哪个", "20寸"),
    ],
)
def test_a_size_in_inches_filters_as_the_catalog_writes_it(text: str, size: str) -> None:
    parser, _, _ = _shop(LUGGAGE)
    assert parser.parse(text).filters.attributes == {"size": size}
    assert parser.parse("除了20寸还有别的尺寸吗").filters.exclude_attributes == (("size", "20寸"),)
    baby, _, _ = _shop(BABY)  # a catalog that sells nothing in inches reads no size filter from them
    assert not baby.parse("24寸的").filters.attributes


@pytest.mark.parametrize(
    ("sku", "question", "clause"),
    [
        (
            "TOY-RC-DRONE",
            "大疆 Tello 能飞多久",
            "续航13分钟",
        ),  # no word shared: its one duration, a 续航 clause
        ("TOY-RC-DRONE", "充一次电能用多久", "续航13分钟"),
    ],
)
def test_how_long_it_runs_is_read_from_the_description(sku: str, question: str, clause: str) -> None:
    from bot.conversation.attribute_answers import timed_clause

    assert clause in timed_clause(_shop(LUGGAGE)[2][sku], question)


def test_several_unrelated_durations_answer_no_runtime_question() -> None:
    from bot.conversation.attribute_answers import timed_clause

    flask = Product(sku="F", title="保温杯", description="保温12小时，保冷24小时。")
    assert timed_clause(flask, "能用多久") == ""
    lamp = Product(sku="L", title="营地灯", description="复古马灯造型，三档调光，续航12小时，可当充电宝。")
    assert timed_clause(lamp, "能亮多久") == "续航12小时"


@pytest.mark.parametrize("text", ["充一次电能用多久", "能飞多久", "可以洗吗", "它支持快充吗"])
def test_questions_of_use_ask_about_the_product_in_focus(text: str) -> None:
    assert classify(text, has_context=True).intent is Intent.PRODUCT_QUESTION


def test_fast_charging_is_the_thing_asked_not_charging() -> None:
    from bot.conversation.compatibility import compatibility_thing

    assert compatibility_thing("它支持快充吗") == "快充"
    assert compatibility_thing("能给iphone充电吗").strip() == "iphone"


def test_an_exact_length_or_volume_asked_keeps_the_products_of_that_measure() -> None:
    from bot.conversation.ordering import has_measure, stated_measures

    (rod,) = stated_measures("5.4米的鱼竿")
    _, _, garden = _shop(GARDEN)
    assert has_measure(garden["FS-ROD-54"], rod) and not has_measure(garden["FS-ROD-36"], rod)
    assert [m.amount for m in stated_measures("有1L的吗")] == [1000]
    assert stated_measures("4升以上的电饭煲") == []  # a bound, read by bounds_in
    assert stated_measures("2kg的猫粮") == []  # a weight may be a limit, not what it is sold in
