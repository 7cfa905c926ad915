"""fix12-n (issue 12, part N): kinds a fresh tester found wrong on an unseen shop — a superlative over a kind ranks
the whole kind by the attribute asked (read speed, storage capacity, insulation time, units normalised), a
feature or gender word in a title names no other kind, homophone misspellings of the catalog's kind names that
are dictionary words (三角架, 帐蓬), symptoms of kinds no word list names (读不出来, 屏幕有条线, "can't be read"),
and a delivery-time question about a place. Checked on the held-out set tests/data/conversations_fix12n.yaml (a
slice per shop here; the whole set with `xiaoer eval conversations --only <shop prefix>`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.conversation.asks import attribute_asks
from bot.conversation.gifts import liked_things
from bot.conversation.kinds import titled_as_other_kind
from bot.conversation.ordering import Ordering, measure, ordering_in
from bot.conversation.symptoms import describes_fault
from knowledge.catalog import load_catalog
from knowledge.mentions import MentionIndex
from knowledge.models import Product
from knowledge.spelling import SpellingCorrector
from tests.support.case_sets import assert_floor, run_case_file

DATA = Path(__file__).parent / "data"
CASES = DATA / "conversations_fix12n.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "读取速度最快的卡是哪个",
            Ordering("speed", True, True),
        ),  # the longer phrase: speed, not charging power
        ("what's the fastest SD card you have?", Ordering("speed", True, True)),
        ("哪个充电最快", Ordering("power", True, True)),
        ("保温杯哪个保温最久", Ordering("insulation", True, True)),
        ("存储卡里容量最大的是哪张", Ordering("capacity", True, True)),
        (
            "容量最大的呢",
            Ordering("capacity", True, True),
        ),  # as long as "最大的呢": the attribute listed first
        ("哪个分量最大", Ordering("weight", True, True)),
    ],
)
def test_the_longest_ordering_phrase_names_the_attribute(text: str, expected: Ordering) -> None:
    assert ordering_in(text) == expected


@pytest.mark.parametrize(
    ("raw", "amount", "dimension"),
    [("256GB", "256000", "data"), ("64GB", "64000", "data"), ("1TB", "1000000", "data"),
     ("200MB/s", "200", "speed"), ("1.5kg", "1500", "mass")],
)  # fmt: skip
def test_storage_and_speed_values_are_measured_in_one_unit(raw: str, amount: str, dimension: str) -> None:
    found = measure(raw)
    assert found is not None
    assert (found.amount, found.dimension) == (Decimal(amount), dimension)


def test_a_feature_or_gender_word_in_a_title_names_no_other_kind() -> None:
    products = {p.sku: p for p in load_catalog(DATA / "coffee_camping_catalog.csv").products}
    # 牧高笛 轻量 30升 登山包: 轻量 is a feature
    assert not titled_as_other_kind("backpack", products["PAK-MOB-30"])
    assert not titled_as_other_kind("backpack", products["PAK-OSP-TMP"])  # … 女款徒步包: 女款 is a gender
    assert titled_as_other_kind("充电头", _product("Anker 737 Power Bank", "手机配件/充电器"))


def _product(title: str, category: str) -> Product:
    return Product(sku="X-1", title=title, category=category)


@pytest.mark.parametrize(
    ("text", "fault"),
    [("存储卡读不出来了", True), ("显示器屏幕有条线", True), ("屏幕有坏点", True), ("电脑识别不了U盘", True),
     ("my SD card can't be read anymore", True), ("there is a line on the screen", True),
     ("有没有无坏点的显示器", False), ("这个卡能识别吗", False), ("读不懂说明书", False)],
)  # fmt: skip
def test_unreadable_things_and_screen_flaws_are_faults(text: str, fault: bool) -> None:
    assert describes_fault(text) is fault


def test_a_dictionary_word_that_sounds_like_a_kind_the_shop_sells_is_that_kind() -> None:
    words = {"三脚架": 5, "帐篷": 4, "被子": 3, "杯子": 1}
    corrector = SpellingCorrector(
        words=words,
        catalog=frozenset(words),
        english={},
        known=lambda w: w in {"三角架", "帐蓬", "杯子", "三角"},
        kinds=frozenset({"三脚架", "帐篷", "被子"}),
    )
    assert corrector.fix_typos("有三角架吗")[0] == "有三脚架吗"
    assert corrector.fix_typos("有帐蓬吗")[0] == "有帐篷吗"
    assert corrector.fix_typos("有杯子吗")[0] == "有杯子吗"  # a word the shop's words use is never re-spelt


@pytest.mark.parametrize(
    ("text", "asks"),
    [("有没有游泳用的耳塞", []), ("有相机电池吗", []), ("能戴着游泳吗", ["attr:waterproof"]),
     ("耳机电池多大", ["attr:battery"]), ("有防水的吗", ["attr:waterproof"]), ("有几个接口", ["attr:ports"])],
)  # fmt: skip
def test_a_purpose_or_the_kind_asked_for_asks_no_attribute(text: str, asks: list[str]) -> None:
    assert sorted(attribute_asks(text)) == asks


def test_a_storage_size_in_g_or_gb_names_the_same_card() -> None:
    products = load_catalog(DATA / "photo_gear_catalog.csv").products
    index = MentionIndex.build(products)
    assert [m.sku for m in index.find("三星256G的卡和闪迪128G哪个便宜")] == ["SD-SAN-128", "SD-SAM-256"]
    assert [m.sku for m in index.find("闪迪128GB")] == ["SD-SAN-128"]


def test_a_liked_activity_in_latin_letters_is_read_whole() -> None:
    assert liked_things("男朋友喜欢拍vlog 送什么好") == ("vlog",)
    assert liked_things("送闺蜜 她爱游泳 两百以内") == ("游泳",)


async def test_a_slice_of_the_fix12n_set_over_the_photo_gear_shop(tmp_path: Path) -> None:
    # superlatives over a kind named in English or by a measure word, after-sales symptoms, a kind misspelt
    # and a kind it sells only accessories for, gifts for a liked activity, no attribute answer nobody asked for
    # and two cards named by capacity in two currencies, facts only the description holds ("收纳长度32cm")
    only = ("pg-n-sup", "pg-n-as", "pg-n-typo", "pg-n-none", "pg-n-gift", "pg-n-unasked")
    only += ("pg-n-cmp-01", "pg-n-cmp-02", "pg-n-attr-01", "pg-n-attr-02", "pg-n-attr-05")
    _, report = await run_case_file(
        tmp_path / "data", CASES, catalog=DATA / "photo_gear_catalog.csv", only=only
    )
    assert len(report.results) == 20
    assert_floor(report, 20)  # all pass since fix12-n (main a68e3d2: 7 of 20)


async def test_a_slice_of_the_fix12n_set_over_the_coffee_camping_shop(tmp_path: Path) -> None:
    only = ("cc-n-sup", "cc-n-typo", "cc-n-as")
    _, report = await run_case_file(
        tmp_path / "data",
        CASES,
        catalog=DATA / "coffee_camping_catalog.csv",
        policies=DATA / "coffee_camping_policies",
        only=only,
    )
    assert len(report.results) == 6
    assert_floor(report, 6)  # main a68e3d2: 3 of 6


async def test_a_delivery_time_question_about_a_place_gets_the_delivery_windows(tmp_path: Path) -> None:
    _, report = await run_case_file(tmp_path / "data", CASES, only=("dm-n-pol",))
    assert len(report.results) == 1
    assert_floor(report, 1)
