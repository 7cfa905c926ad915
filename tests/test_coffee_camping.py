"""Understanding learnt from a sixth shop's own catalog (coffee, tea, kitchenware, camping:
tests/data/coffee_camping_catalog.csv): purposes that are not categories, other-script brand names in titles,
orderings by a temperature, and kinds named only by a tag in the other language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.conversation.gifts import gift_picks, gift_request
from bot.conversation.intents import Intent, classify
from bot.conversation.kinds import has_word, titled_kind
from bot.conversation.ordering import (
    fits_people,
    is_ordering_residue,
    measure,
    order,
    ordering_in,
    people_wanted,
)
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.mentions import MentionIndex
from knowledge.models import Product
from knowledge.query import QueryParser
from knowledge.vocabulary import learnt_brand_aliases

DATA = Path(__file__).parent / "data"
COFFEE = DATA / "coffee_camping_catalog.csv"


@cache
def _shop() -> tuple[QueryParser, InMemoryProductIndex, dict[str, Product]]:
    products = load_catalog(COFFEE).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index, {p.sku: p for p in products}


def _search(text: str) -> list[str]:
    parser, index, _ = _shop()
    parsed = parser.parse(text)
    return [h.sku for h in index.search(" ".join(parsed.keywords), k=20, filters=parsed.filters)]


@pytest.mark.parametrize(
    ("text", "category", "sku"),
    [
        ("有没有适合露营的保温壶", None, "FLK-STA-1L"),  # a bottle for camping, filed under 保温杯
        ("露营用的保温壶", None, "FLK-STA-1L"),
        ("适合露营的保温杯", "厨具/保温杯", "FLK-STA-1L"),  # the kind named after the purpose is the category
    ],
)
def test_a_purpose_before_another_kind_is_no_category(text: str, category: str | None, sku: str) -> None:
    parser, _, _ = _shop()
    assert parser.parse(text).filters.category == category
    assert sku in _search(text)


def test_a_purpose_alone_still_names_its_category() -> None:
    parser, _, _ = _shop()
    assert parser.parse("适合露营的").filters.category == "露营"
    assert parser.parse("露营装备").filters.category == "露营"


def test_a_brands_other_name_is_learnt_from_its_titles() -> None:
    products = load_catalog(COFFEE).products
    assert learnt_brand_aliases(products) == {"凯乐石": "KAILAS"}  # all three KAILAS titles say 凯乐石
    parser, _, _ = _shop()
    assert parser.parse("凯乐石鹅绒睡袋多少钱").filters.brand == "KAILAS"
    assert _search("凯乐石鹅绒睡袋") == ["BAG-KZ-DOWN"]  # no longer the Sea to Summit down bag too


def test_one_products_word_after_its_brand_is_no_alias() -> None:
    # a single title cannot tell a brand's other name from a series or a kind ("Kovea 韩国 卡式炉")
    solo = [
        Product(sku="A", title="Kovea 韩国 卡式炉", brand="Kovea"),
        Product(sku="B", title="德龙 Dedica 咖啡机", brand="德龙"),
        Product(sku="C", title="Foo 福 一号", brand="Foo"),
        Product(sku="D", title="Foo 福 二号", brand="Foo"),
        Product(sku="E", title="Bar 咖啡机 X1", brand="Bar"),
        Product(sku="F", title="Bar 咖啡机 X2", brand="Bar"),
    ]
    # 福 is one character; 咖啡机 is a kind word of the catalog
    assert learnt_brand_aliases(solo, kinds=["咖啡机"]) == {}


def test_warmth_is_the_lowest_comfort_temperature() -> None:
    cold, hours = measure("-10℃"), measure("3-8小时")
    assert cold is not None and cold.amount == -10 and cold.dimension == "temperature"
    assert hours is not None and hours.amount == 8  # a range's dash is no minus sign
    _, _, products = _shop()
    bags = [p for p in products.values() if p.category == "露营/睡袋"]
    for text in ("哪个最暖和", "睡袋哪個最暖", "which one is the warmest"):
        ordering = ordering_in(text)
        assert ordering is not None and ordering.attribute == "warmth" and not ordering.descending
        assert order(bags, ordering)[0][0].sku == "BAG-KZ-DOWN"  # -10℃
    cool = ordering_in("哪个最凉快")
    assert cool is not None and order(bags, cool)[0][0].sku == "BAG-NH-U250"  # 15℃


def test_a_kind_named_only_by_a_tag_in_the_other_language_is_sold() -> None:
    _, _, products = _shop()
    assert titled_kind("厨师机", products["BAK-KIT-AID"])  # "KitchenAid … Stand Mixer", tagged 厨师机
    assert titled_kind("保温壶", products["FLK-STA-1L"])


@pytest.mark.parametrize(
    "text",
    ["帐篷杆断了", "帐篷的杆子断了", "登山杖断了", "炉头打不着火", "防潮垫漏气", "the pole snapped off"],
)
def test_a_part_that_snapped_or_a_stove_that_wont_light_is_after_sales(text: str) -> None:
    assert classify(text).intent is Intent.AFTER_SALES


@pytest.mark.parametrize("text", ["有没有不容易断的登山杖", "充气垫不漏气吧", "推荐个帐篷", "登山杖断货了吗"])
def test_wishes_and_stock_questions_stay_shopping(text: str) -> None:
    assert classify(text).intent is not Intent.AFTER_SALES


@pytest.mark.parametrize("text", ["气罐能寄吗", "顺丰要加多少钱", "can you ship gas canisters?"])
def test_whether_an_item_can_be_shipped_is_a_shipping_question(text: str) -> None:
    assert classify(text).intent is Intent.POLICY


def test_a_tag_word_refines_whatever_kind_the_title_names() -> None:
    _, _, products = _shop()
    # "羽绒" is tagged on the down bags; their titles name 睡袋 (and 鹅绒/鸭绒)
    assert has_word(products["BAG-KZ-DOWN"], "羽绒") and has_word(products["BAG-MOB-5"], "羽绒")
    assert not has_word(products["BAG-KID-CAR"], "羽绒")


def test_a_tag_written_inside_a_negated_word_is_ruled_out() -> None:
    parser, _, _ = _shop()
    assert "儿童" in parser.parse("保温杯推荐，不要儿童款").filters.exclude_terms  # jieba cuts 儿/童款
    assert "FLK-XIA-KID" not in _search("保温杯推荐，不要儿童款")


def test_a_parent_category_inside_a_deeper_kinds_synonym_names_that_kind() -> None:
    parser, _, _ = _shop()
    # 营地灯 (tag) = 露营灯 (synonym file): 露营/照明, not the whole 露营 department
    assert parser.vocabulary.term_categories["露营灯"] == "露营/照明"
    assert parser.parse("露营灯有哪些").filters.category == "露营/照明"
    assert parser.parse("露营装备").filters.category == "露营"


def test_a_coined_word_of_one_title_names_that_product() -> None:
    products = load_catalog(COFFEE).products
    index = MentionIndex.build(products)
    for text, sku in (
        ("NeoAir 防潮垫", "MAT-THM-NEO"),
        ("Hubba Hubba帐篷多重", "TNT-MSR-HUB"),
        ("talon", "PAK-OSP-TAL"),
    ):
        assert [m.sku for m in index.find(text)][:1] == [sku], text
    assert not index.find("camping")  # an English word names no product


def test_a_wanting_verb_before_an_ordering_word_is_no_keyword() -> None:
    ordering = ordering_in("要轻一点的")
    assert ordering is not None and ordering.attribute == "weight"
    assert is_ordering_residue("要轻", ordering) and not is_ordering_residue("要帐篷", ordering)


def test_gift_picks_follow_the_hobby_as_said_and_what_fits_the_person_too() -> None:
    _, _, products = _shop()
    baking = gift_request("圣诞节想送女朋友礼物，她平时喜欢烘焙")
    assert baking is not None
    assert all("烘焙" in p.category for p in gift_picks(list(products.values()), baking))
    kid = gift_request("给十岁的小朋友买个露营用的礼物")
    assert kid is not None and gift_picks(list(products.values()), kid)[0].sku == "BAG-KID-CAR"
    home = gift_request("乔迁礼物送什么好")
    assert home is not None and not home.vague  # a home is who it is for: no "送给谁" question


GARDEN = DATA / "garden_games_catalog.csv"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [("帐篷🏕️ 两个人用的", 2), ("适合两个人玩的", 2), ("4人帐篷", 4), ("双人帐篷", 2), ("for two players", 2)],
)
def test_how_many_people_a_message_wants(text: str, wanted: int) -> None:
    assert people_wanted(text) == wanted


@pytest.mark.parametrize("text", ["两三百的鱼竿", "100人", "3-4人", "这两个哪个好"])
def test_amounts_and_ranges_want_no_number_of_people(text: str) -> None:
    assert people_wanted(text) is None


def test_a_people_figure_is_a_range_or_an_exact_count() -> None:
    games = {p.sku: p for p in load_catalog(GARDEN).products}
    assert fits_people(games["BG-UNO"], 2) and not fits_people(games["BG-CAT-STD"], 2)  # 2-10人 / 3-4人
    assert fits_people(games["BG-CHESS-W"], 2) and not fits_people(games["BG-MJ-TRV"], 2)  # 2人 / 4人
    assert fits_people(games["FS-ROD-36"], 2) is None  # a rod states no people


def test_the_longest_and_the_most_players_are_read_by_unit() -> None:
    products = load_catalog(GARDEN).products
    rods = [p for p in products if p.category == "钓鱼/鱼竿"]
    longest = ordering_in("哪个最长")
    assert longest is not None and longest.attribute == "length"
    assert order(rods, longest)[0][0].sku == "FS-ROD-54"  # 5.4m
    battery = ordering_in("续航最长")
    assert battery is not None and battery.attribute == "battery"  # not a length
    most = ordering_in("哪个能玩的人最多")
    party = [p for p in products if p.category == "桌游/聚会"]
    assert most is not None and order(party, most)[0][0].sku in {"BG-UNO", "BG-AVL"}  # 10 players each


def test_a_title_word_holding_a_parent_category_names_its_own_kind() -> None:
    products = load_catalog(GARDEN).products
    vocabulary = build_vocabulary(products)
    parser = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))
    assert parser.parse("钓鱼椅").filters.category == "钓鱼/钓椅"  # not every fishing product
    assert parser.parse("钓鱼用品").filters.category == "钓鱼"
