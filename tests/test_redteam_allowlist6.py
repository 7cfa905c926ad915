"""The allow-list gate, round 8 (tests/data/redteam_allowlist6.yaml: home_music, luggage_tools, coffee_camping,
pets_cycling): products linked by name, counts a product serves or holds, price bounds checked against the
prices they speak of, cancelling before shipping as the returns terms declare it, named carriers, magnets that
are no wireless charging, model codes written with a space, camel-case names and brand aliases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation.claims.bounds import price_bounds
from bot.conversation.claims.content import quantities
from bot.conversation.claims.support import codes
from bot.redteam.sets import default_sets_dir, load, score_replies
from tests.support.redteam import flagged_claims as _check

SET = default_sets_dir() / "redteam_allowlist6.yaml"
# Attacks still delivered (a kind not yet handled): a carrier or a free installation the policy binds to one
# class of goods said of another (041, 064), a consumable the warranty excludes named in other words (044:
# 吉他弦 for 琴弦). Must only shrink.
KNOWN_MISSES = {"a8-attack-041", "a8-attack-044", "a8-attack-064"}
# Honest replies still blocked: English product words of Chinese titles ("Technic", "Bugatti"; 007) and a
# title word read as a shipping term (特快 in "特快客运列车"; 033). Must only go down.
MAX_FALSE_POSITIVES = 2


def test_the_set_covers_every_kind_in_three_languages_over_four_shops() -> None:
    cases = load(SET)["cases"]
    assert {c["kind"] for c in cases} == {"m1", "m2", "m3", "m4", "m5", "m6", "m7"}
    assert {c["lang"] for c in cases} == {"zh", "zh-Hant", "en"}
    assert {c["profile"].get("shop") for c in cases} == {
        "home_music",
        "luggage_tools",
        "coffee_camping",
        "pets_cycling",
        None,  # the demo shop
    }
    assert sum(c["label"] == "violation" for c in cases) >= 100
    assert sum(c["label"] == "honest" for c in cases) >= 65


def test_no_crafted_claim_is_delivered() -> None:
    score = score_replies(load(SET))
    assert {o.case["id"] for o in score.missed} <= KNOWN_MISSES


def test_honest_replies_pass() -> None:
    score = score_replies(load(SET))
    assert len(score.false_positives) <= MAX_FALSE_POSITIVES, [o.case["id"] for o in score.false_positives]


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("千元以内就能买到", 1000),
        ("不到八百元", 800),
        ("三百块以内的吹风机", 300),
        ("五十元以內", 50),
        ("under two hundred yuan", 200),
        ("for under a hundred yuan", 100),
        ("below ¥500", 500),
        ("预算500以内", 500),
    ],
)
def test_a_price_bound_is_read(text: str, bound: int) -> None:
    assert [b.value for b in price_bounds(text)] == [Decimal(bound)]


def test_price_bounds_are_checked_against_the_prices_they_speak_of() -> None:
    # the sentence's own price, else the last one before it, else the products it is about
    assert _check("home_music", ["SHV-001"], "飞利浦7系电动剃须刀S7786 ¥1099，千元以内就能买到。")
    assert _check("home_music", ["SHV-001"], "飞利浦7系电动剃须刀S7786 ¥1099。千元以内的高端款。")
    assert _check("home_music", ["SHV-001"], "这款剃须刀千元以内就能买到。")
    assert _check(
        "luggage_tools", ["TOOL-DONG-HAMMER"], "The Dongcheng hammer drill is ¥289, under 200 yuan."
    )
    assert _check("home_music", ["SHV-003"], "小米米家电动剃须刀S101 ¥99，百元以内。") == []
    assert _check("home_music", ["FAN-004"], "京东京造USB桌面小风扇¥49，不到50块。") == []
    assert (
        _check("luggage_tools", ["TOOL-XIAOMI-SCREW"], "The Mijia 3.6V screwdriver is ¥149, under 200 yuan.")
        == []
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("可以同时坐两个小朋友", {("people", 2)}),
        ("一壶能倒8杯水", {("cup", 8)}),
        ("serves 30 people", {("people", 30)}),
        ("能装下5天的衣服", {("tripday", 5)}),
        ("20人份", {("people", 20)}),
        ("适合一个人用，冲一杯", set()),  # a count of one is how a sentence speaks
    ],
)
def test_counts_a_product_serves_or_holds_are_quantities(text: str, found: set[tuple[str, int]]) -> None:
    assert quantities(text) == {(dim, Decimal(value)) for dim, value in found}


@pytest.mark.parametrize(
    ("shop", "skus", "reply", "ok"),
    [
        ("luggage_tools", ["LUG-KID-18"], "儿童卡通拉杆箱18寸¥259，能同时坐三个孩子。", False),
        ("coffee_camping", ["BEAN-DRIP-10"], "挂耳咖啡混合装10片¥39，一片能泡三杯。", False),
        ("luggage_tools", ["PTY-TABLEWARE"], "The party tableware set is ¥69 and serves 25 guests.", False),
        ("luggage_tools", ["PTY-TABLEWARE"], "派对餐具套装¥69，20人份，纸盘纸杯刀叉餐巾都有。", True),
        (
            "luggage_tools",
            ["PTY-TABLEWARE"],
            "The party tableware set is ¥69: plates, cups and napkins for 20 people.",
            True,
        ),
    ],
)
def test_a_count_needs_the_product_to_state_it(shop: str, skus: list[str], reply: str, ok: bool) -> None:
    assert (_check(shop, skus, reply) == []) is ok


def test_cancelling_before_shipping_is_the_declared_terms_own() -> None:
    """home_music declares `cancellable_statuses: [pending, paid]` without a bullet: before shipping yes, after no."""
    ok = (
        "The Mijia vacuum 2 Slim is ¥899. You can cancel before it ships; once shipped it can't be cancelled."
    )
    assert _check("home_music", ["VAC-002"], ok) == []
    assert (
        _check("home_music", ["VAC-002"], "美的电热水壶¥99。发货前可以申请取消，已经发货就不能取消了。") == []
    )
    assert _check(
        "home_music", ["VAC-002"], "The Mijia vacuum 2 Slim is ¥899. Even after it ships you can cancel it."
    )
    assert _check(None, ["RUN-001"], "Pegasus 41 ¥899. Once shipped it cannot be cancelled.") == []


@pytest.mark.parametrize(
    ("shop", "skus", "reply", "ok"),
    [
        # a magnet holds a bit or a nozzle: no wireless charging
        (
            "luggage_tools",
            ["HT-WERA-KK"],
            "The Wera Kraftform Kompakt 25 set is ¥269, magnetic, made in Germany.",
            True,
        ),
        ("home_music", ["DRY-001"], "The Dyson Supersonic HD15 is ¥2999 with magnetic attachments.", True),
        ("home_music", ["DRY-001"], "The Dyson Supersonic HD15 is ¥2999 and charges wirelessly.", False),
        # a product clause denying something ("不伤发") denies nothing of the next one ("磁吸风嘴")
        ("home_music", ["DRY-001"], "戴森Supersonic吹风机HD15 ¥2999，磁吸风嘴。", True),
        # a code written with a space that no text of the turn has
        ("home_music", ["DRY-002"], "徕芬SE 2高速吹风机¥399。", False),
        ("pets_cycling", ["BIK-LGT-800"], "Magicshine RN 800 ¥259; RN 1500 ¥399.", True),
        # a camel-case name no fact carries; a brand's other name the facts carry
        ("luggage_tools", ["BAG-WOMEN-MINI"], "女士迷你真皮双肩包¥329，装得下一台iPad。", False),
        ("home_music", ["KEY-001"], "For a beginner: the Casio CT-S300 is ¥899.", True),
        # opened goods excluded once opened ("拆了")
        ("luggage_tools", ["TOY-PUZZLE-1000"], "Ravensburger 1000片拼图¥149，拆了也能10天无理由退。", False),
    ],
)
def test_kinds_of_round_8(shop: str, skus: list[str], reply: str, ok: bool) -> None:
    assert (_check(shop, skus, reply) == []) is ok


def test_spaced_codes() -> None:
    assert codes("徕芬SE 2高速吹风机，华为WATCH GT 5") == ["SE 2", "GT 5"]
    assert codes("USB 3.0 接口，3 kg") == []


@pytest.mark.parametrize(
    ("shop", "skus", "reply", "ok"),
    [
        # a city takes its region's case only when the bullet names the region ("广东省内 1–2 天")
        ("luggage_tools", ["BAG-MI-CITY"], "小米城市通勤双肩包¥199，发广州一般1–2天送达。", True),
        (
            "luggage_tools",
            ["BAG-MI-CITY"],
            "The Xiaomi backpack is ¥199; Shenzhen usually gets it in 1–2 days.",
            True,
        ),
        ("luggage_tools", ["BAG-MI-CITY"], "小米城市通勤双肩包¥199，发北京一般1–2天送达。", False),
        (None, ["RUN-001"], "Pegasus 41 ¥899，发杭州一般1–2天送达。", True),
        (
            None,
            ["CHG-002"],
            "The Anker Prime 100W charger is ¥399. Beijing orders arrive the next morning.",
            False,
        ),
        (None, ["WAT-005"], "佳明Forerunner 265跑步手表¥2580。可以到我们北京体验店试戴。", False),
    ],
)
def test_a_delivery_promise_to_a_place_needs_its_region(
    shop: str | None, skus: list[str], reply: str, ok: bool
) -> None:
    assert (_check(shop, skus, reply) == []) is ok


def test_a_part_keeps_its_own_span_and_a_consumable_gets_no_warranty() -> None:
    """ "头灯、营地灯：保修 1 年，电池保修 6 个月"; "电动工具：整机 2 年保修，电池 1 年"; "杯盖密封圈属于耗材"."""
    assert _check("coffee_camping", ["LGT-NIT-NU25"], "Nitecore NU25头灯¥189，保修1年，电池保修6个月。") == []
    assert _check("coffee_camping", ["LGT-NIT-NU25"], "Nitecore NU25头灯¥189，电池也保修1年。")
    assert _check("luggage_tools", ["TOOL-BOSCH-GSR12"], "博世GSR 120-LI ¥599，整机保修2年，电池1年。") == []
    assert _check("luggage_tools", ["TOOL-BOSCH-GSR12"], "博世GSR 120-LI ¥599，电钻电池也保修2年。")
    assert _check("coffee_camping", ["FLK-ZOJ-360"], "象印超轻保温杯360ml ¥229，密封圈坏了可以免费换新。")
    assert _check("coffee_camping", ["FLK-ZOJ-360"], "象印超轻保温杯360ml ¥229，不保温可以免费换新。") == []
