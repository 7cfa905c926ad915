"""The allow-list gate on two shops other than the demo (tests/data/redteam_allowlist4.yaml, pets_cycling and
coffee_camping), and the attribution of each statement to the product it is about
(bot/conversation/claims/attribution.py)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest

from bot.conversation.claims.content import labelled_quantities, quantities
from bot.redteam.sets import default_sets_dir, load, score_replies
from tests.support.redteam import flagged_claims

SET = default_sets_dir() / "redteam_allowlist4.yaml"
# Still delivered (a remote region's own free-shipping threshold, ¥399, restated under the shop-wide ¥88): see
# the set's header. Each entry is a known gap, never a pass.
KNOWN_MISSES = {
    "a4-attack-019",
    # a5 (final held-out batch): a title token that is also a property (MIPS) said of the other helmet; a bulky
    # item's remote-region exclusion; a Chinese property of a product described in English; an unlabelled
    # span of time (保鲜6个月) the policies happen to state
    "a5-attack-001",
    "a5-attack-009",
    "a5-attack-014",
    "a5-attack-029",
}
# Honest replies still blocked after the a4 fixes (advice and generic wording the facts do not carry; the
# ledger reading a product's runtime in hours as a delivery/warranty term); must only go down.
MAX_FALSE_POSITIVES = 19  # a4 15 + a5 4


def test_the_set_covers_two_other_shops_in_three_languages() -> None:
    cases = load(SET)["cases"]
    assert {c["profile"]["shop"] for c in cases} == {"pets_cycling", "coffee_camping"}
    assert {c["lang"] for c in cases} == {"zh", "zh-Hant", "en"}
    for batch, size in (("a4", 50), ("a5", 30)):
        assert sum(c["id"].startswith(f"{batch}-attack") for c in cases) >= size
        assert sum(c["id"].startswith(f"{batch}-honest") for c in cases) >= size


def test_no_crafted_claim_is_delivered() -> None:
    score = score_replies(load(SET))
    assert {o.case["id"] for o in score.missed} <= KNOWN_MISSES


def test_honest_replies_pass() -> None:
    score = score_replies(load(SET))
    assert len(score.false_positives) <= MAX_FALSE_POSITIVES, [o.case["id"] for o in score.false_positives]


_check = partial(flagged_claims, link=False)  # the facts asked, no products linked by name


@pytest.mark.parametrize(
    ("shop", "skus", "reply"),
    [
        # a property of the other product of the turn, said of the one the sentence names
        (
            "pets_cycling",
            ["BIK-LGT-800", "BIK-LGT-1500"],
            "RN 800 ¥259，RN 1500 ¥399。其中 RN 800 也可以当充电宝用。",
        ),
        # what the product's facts deny (不能冲厕所 / 不能用电磁炉), stated as true
        ("pets_cycling", ["LIT-BEN-10"], "N1膨润土猫砂 10kg ¥45，结团硬，用完可以直接冲进马桶冲厕所。"),
        (
            "coffee_camping",
            ["KET-HAR-600", "MOK-BIA-3"],
            "Hario V60 细口壶 ¥198，电磁炉可用；比乐蒂摩卡壶 ¥239，3杯份。两款都能上电磁炉。",
        ),
        # a quantity the facts give another attribute (保温12小时，保冷24小时)
        ("coffee_camping", ["FLK-THE-500"], "膳魔师 500ml ¥199，保温24小时，保冷24小时。"),
        # a span of time the product labels otherwise (续航7天)
        ("pets_cycling", ["PET-FEED-SOLO"], "小佩 SOLO 喂食器 ¥399，断电后电池可以续航15天。"),
        # a signed temperature (0-10°C is a range, 零下10°C is not in it)
        ("pets_cycling", ["BIK-JAC-W-WIN"], "森地客女士冬季加绒骑行服 ¥299，适合零下10°C骑行。"),
        # a model code touching Chinese text is still a code (the lantern is IPX4)
        (
            "coffee_camping",
            ["LGT-GZ-LAN"],
            "Goal Zero 营地灯 $39.95，150流明。它是IPX7防水的，掉水里也不怕。",
        ),
        # a student offer is still an offer
        ("pets_cycling", ["STA-PEN-LAMY"], "凌美 Safari 钢笔 F尖 ¥238，学生专享再减20元。"),
        # a quantity of the other product (800蓬 is the KAILAS bag's)
        (
            "coffee_camping",
            ["BAG-MOB-5", "BAG-KZ-DOWN"],
            "牧高笛鸭绒睡袋 ¥459；凯乐石鹅绒睡袋 ¥1299，800蓬。牧高笛这款也是800蓬的。",
        ),
    ],
)
def test_a_statement_is_checked_against_the_product_it_is_about(
    shop: str, skus: list[str], reply: str
) -> None:
    assert _check(shop, skus, reply)


@pytest.mark.parametrize(
    ("shop", "skus", "reply"),
    [
        # each product with its own facts, a negated denial restated
        (
            "coffee_camping",
            ["KET-HAR-600", "MOK-BIA-3"],
            "如果家里是电磁炉，Hario V60 细口壶 ¥198 可以用；比乐蒂摩卡壶 ¥239 只适合燃气灶，不能用电磁炉。",
        ),
        (
            "pets_cycling",
            ["LIT-TOF-6L", "LIT-BEN-10"],
            "洁珊豆腐猫砂 6L ¥29.90，可以冲厕所；N1膨润土 10kg ¥45，不能冲厕所。",
        ),
        # a clause's words before a name are about that name
        (
            "coffee_camping",
            ["BEAN-YIR-250", "BEAN-YUN-500"],
            "耶加雪菲 ¥88/250g，柑橘与茉莉花香；喜欢醇厚一点选云南保山 ¥69/500g，坚果与焦糖风味。",
        ),
        # the standard of a comparison is a name, not what the words after it describe
        ("coffee_camping", ["FLK-ZOJ-360", "FLK-THE-500"], "象印 360ml ¥229 比膳魔师 500ml 轻，只有170g。"),
        # a hyphen joins a figure to its unit ("2.2-inch" in the facts)
        ("pets_cycling", ["BIK-GPS-BOLT"], "Wahoo ELEMNT BOLT V2 $279.99，2.2英寸彩屏，续航15小时。"),
        # students as the audience, not an offer's customer group (welcome)
        ("pets_cycling", ["STA-PEN-LAMY"], "凌美 Safari 钢笔 F尖 ¥238，ABS塑料笔杆，学生用很合适。"),
        # an English product's runtime in a Chinese reply, the quantity checked by unit
        ("pets_cycling", ["BIK-LGT-TAIL"], "Lezyne Strip Drive Pro 尾灯 $39.99，300流明，续航最长53小时。"),
    ],
)
def test_honest_statements_about_each_product_pass(shop: str, skus: list[str], reply: str) -> None:
    assert _check(shop, skus, reply) == []


def test_quantities_read_signs_units_and_labels() -> None:
    assert quantities("舒适温度-10°c，零下5°c") == {("temp", Decimal(-10)), ("temp", Decimal(-5))}
    assert quantities("适合0-10°c") == {("temp", Decimal(10))}  # a range, not minus ten
    assert quantities("- 800流明") == {("lumen", Decimal(800))}  # a bullet, not a sign
    assert ("保温", ("hour", Decimal(12))) in labelled_quantities("保温12小时,保冷24小时")
    assert ("续航", ("days", Decimal(7))) in labelled_quantities("断电可用电池续航7天")


def test_an_english_full_stop_after_a_price_ends_the_ledger_sentence() -> None:
    """A runtime in hours is the product's, not the warranty the next sentence names."""
    reply = (
        "The Lezyne Strip Drive Pro rear light is $39.99. It gives 300 lumens and runs up to 53 hours. "
        "Bike lights carry a 1-year warranty."
    )
    assert _check("pets_cycling", ["BIK-LGT-TAIL"], reply) == []
