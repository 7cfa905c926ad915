"""The answer side over a shop that is not the demo (pets, cycling, stationery: tests/data/pets_cycling_*):
the refusal's example comes from the shop's own catalog, a store/address question gets the contact policy's
address, order status with no orders loaded falls back to the shipping policy and a person — and the
evaluation set tests/data/pets_cycling_answers.yaml (TESTER12c-other's wrong turns and fix12-ob's own cases)
run through the offline bot with a floor."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.conversation.asks import asks_in
from bot.conversation.attribute_answers import figured
from bot.conversation.gifts import budget_picks
from bot.conversation.intents import Intent, classify
from bot.conversation.ordering import Ordering, order, ordering_in, value_of
from bot.conversation.shop_range import shop_example
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.models import Product
from tests.support.case_sets import assert_floor, run_case_file

DATA = Path(__file__).parent / "data"
PETS = DATA / "pets_cycling_catalog.csv"
HOME = DATA / "home_music_catalog.csv"

# Cases of pets_cycling_answers.yaml that pass offline (66 cases; the first 46 passed 17 before fix12-ob's
# fixes, the 10 of the second batch 10 when first run; refuse-x10 — the helmet's crash bullet asked in
# Chinese — still fails). Raise, never lower.
FLOOR = 66


def _pets() -> dict[str, Product]:
    return {p.sku: p for p in load_catalog(PETS).products}


def test_the_refusal_example_is_built_from_the_shops_own_catalog() -> None:
    pets = load_catalog(PETS).products
    zh, en = shop_example(pets, "zh"), shop_example(pets, "en")
    assert (
        zh == "有没有2000以内的智能用品"
    )  # the most stocked kind of the most stocked department, a round budget
    assert en is not None and en.endswith("under 2000?") and "跑鞋" not in zh
    # the demo keeps a demo question; a catalog's own English tag names the kind in English
    assert shop_example(load_catalog(SAMPLE_CATALOG).products, "en") == "Earbuds under 500?"
    assert shop_example(load_catalog(HOME).products, "zh") == "有没有3000以内的吸尘器"
    assert shop_example([], "zh") is None


def test_a_budget_is_a_round_figure_over_the_middle_price_in_the_kinds_own_currency() -> None:
    items = [
        Product(
            sku=f"S{n}", title=f"lamp {n}", category="灯具/台灯", price=Decimal(price), currency=cur, stock=3
        )
        for n, (price, cur) in enumerate([(129, "USD"), (45, "USD"), (88, "USD"), (9999, "CNY")])
    ]
    assert shop_example(items, "zh") == "有没有90以内的台灯"  # USD prices 45, 88, 129: the middle is 88


def test_questions_about_the_shops_store_or_address_are_contact_questions() -> None:
    for text in (
        "你们门店在哪",
        "有实体店吗",
        "可以去实体店试戴头盔吗",
        "店铺地址是哪里",
        "do you have a physical store",
        "where is your shop located?",
        "can I visit your store?",
    ):
        assert classify(text).intent is Intent.CONTACT, text
    for text in ("店里有没有头盔", "你们店有什么", "有没有店铺优惠", "推荐一款门店同款头盔"):
        assert classify(text).intent is not Intent.CONTACT, text


async def test_the_answer_set_over_the_pets_and_cycling_shop(tmp_path: Path) -> None:
    loaded, report = await run_case_file(
        tmp_path / "data",
        DATA / "pets_cycling_answers.yaml",
        catalog=PETS,
        policies=DATA / "pets_cycling_policies",
    )
    assert len(loaded.cases) >= 66
    failures = assert_floor(report, FLOOR)
    must = [
        "refuse-p01",
        "refuse-p02",
        "refuse-p04",
        "refuse-p05",
        "refuse-x03",
        "echo-p01",
        "echo-p02",
        "order-p01",
    ]
    assert not set(must) & set(failures), failures


def test_an_ordinal_superlative_is_a_place_in_the_ranking_not_an_item_of_the_list() -> None:
    assert ordering_in("第二便宜的呢") == Ordering("price", False, True, 2)
    assert ordering_in("second cheapest?") == Ordering("price", False, True, 2)
    assert ordering_in("第三贵的是哪个") == Ordering("price", True, True, 3)
    assert ordering_in("第二款便宜吗") is None  # the second item, asked whether it is cheap
    assert ordering_in("最便宜的呢") == Ordering("price", False, True, 1)


def test_brightness_and_battery_are_read_from_the_description_by_their_unit() -> None:
    pets = _pets()
    lights = [pets[s] for s in ("BIK-LGT-800", "BIK-LGT-1500", "BIK-LGT-CAT", "BIK-LGT-TAIL")]
    bright = ordering_in("最亮的呢")
    assert bright is not None and bright.attribute == "brightness" and bright.descending
    ranked = order(lights, bright)
    assert [p.sku for p, _ in ranked] == ["BIK-LGT-1500", "BIK-LGT-800", "BIK-LGT-CAT", "BIK-LGT-TAIL"]
    assert ordering_in("最暗的是哪个") == Ordering("brightness", False, True, 1)
    battery = {p.sku: value_of(p, "battery") for p in lights}
    hours = {sku: m.amount for sku, m in battery.items() if m is not None}
    assert hours == {"BIK-LGT-800": 10, "BIK-LGT-1500": 14, "BIK-LGT-CAT": 25, "BIK-LGT-TAIL": 53}
    assert value_of(pets["CAT-FRO-FD"], "battery") is None  # 保质期18个月 is no battery
    assert value_of(pets["BIK-GPS-IGS"], "battery") is not None  # 续航40小时


def test_an_asked_attribute_is_answered_from_the_figure_in_its_unit() -> None:
    pets = _pets()
    assert figured(pets["BIK-LCK-ABUS"], "length") == "90cm"
    assert figured(pets["BIK-LGT-1500"], "brightness") == "1500流明"
    assert figured(pets["CAT-WEL-CAN"], "pack") == "12 cans of 85g each"
    assert figured(pets["BIK-PMP-TOP"], "pressure") == "最高气压160psi"
    assert figured(pets["CAT-ROY-K36"], "brightness") == ""


def test_a_longer_or_earlier_ask_word_wins_over_one_inside_it() -> None:
    assert asks_in("它承重多少") >= {"attr:load"} and "attr:weight" not in asks_in("它承重多少")
    assert "attr:weight" in asks_in("重多少") and "attr:weight" in asks_in("有多重")
    assert "attr:pack" in asks_in("多少罐一箱") and "attr:brightness" in asks_in("rn1500 多少流明")
    assert "attr:chest" in asks_in("M码胸围多少") and "attr:security" in asks_in("安全等级是多少")


def test_a_gift_with_a_budget_and_no_matching_likes_gets_the_shops_own_products() -> None:
    pets = _pets()
    within = [p for p in pets.values() if p.currency == "CNY" and p.price is not None and p.price <= 100]
    picks = budget_picks(within)
    assert picks and len({p.category for p in picks}) == len(picks)  # one per category
    assert all(p.in_stock for p in picks)
    assert budget_picks([]) == []


def test_a_pinyin_sentence_reads_the_catalogs_own_words_and_its_cue_words() -> None:
    from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
    from knowledge.query import QueryParser

    products = load_catalog(PETS).products
    vocabulary = build_vocabulary(products)
    parser = QueryParser(vocabulary, JiebaKeywordExtractor(vocabulary))
    assert parser.parse("wo xiang mai toukui").filters.category == "骑行/头盔"  # 头盔: not a demo word
    assert parser.parse("wo yao gangbi").filters.category == "文具/钢笔"
    assert parser.parse("zhe ge duoshao qian").keywords == ["多少钱"]  # cue words alone, no English word
    assert parser.parse("i want a helmet").filters.category == "骑行/头盔"  # English stays English
    assert parser.parse("ni hao").keywords == ["ni", "hao"]  # one-syllable cue words alone spell nothing


def test_a_suitability_question_asks_about_the_thing_beside_the_products_name() -> None:
    from bot.conversation.compatibility import thing_beside

    pets = _pets()
    assert thing_beside("Kakuno 适合小学生吗", pets["STA-PEN-PILOT"]) == "小学生"  # its title states it
    assert thing_beside("LAMY 钢笔适合左撇子吗", pets["STA-PEN-LAMY"]) == "左撇子"
    assert thing_beside("断电还能用吗", pets["PET-FEED-SOLO"]) == "断电"
    assert thing_beside("Giant头盔适合吗", pets["BIK-HEL-GIANT"]) == ""  # names nothing besides the product
