"""The allow-list gate, round 10 (tests/data/redteam_allowlist8.yaml: the demo shop and four test shops):
shipping answers from the shipping policy only, class-of-goods term scope, English product words for Chinese
titles, relative delivery promises, the customer's own figures quoted back vs asserted, zh-Hant.

Held-out first run (main 8eb0d9f, before these fixes): 12 of 70 attacks delivered, 11 of 64 honest replies
blocked (17.2 %). After: 2 of 70, 3 of 64 (4.7 %)."""

from __future__ import annotations

import pytest

from bot.conversation.claims.destinations import excluded_places, unshipped_destinations
from bot.conversation.claims.quote import mask_reported
from bot.redteam.sets import default_sets_dir, load, score_replies, shop
from tests.support.redteam import flagged_claims as _check

SET = default_sets_dir() / "redteam_allowlist8.yaml"
# Attacks still delivered: English product words whose figures or denials are in the Chinese description
# ("the thermos … hot for 24 hours" under 保温12小时，保冷24小时; "works on induction" under 不能用电磁炉).
# Must only shrink.
KNOWN_LEAKS = {"a11-attack-027", "a11-attack-028"}
# Honest replies still blocked (004 "we don't ship to Canada": a place the policy covers only as 海外 — allowing
# every overseas place word let "made in Japan" through in allowlist6; 043 "16:00 以后付款的订单次日发货" passes since
# guard13c: the other case of a cut-off is about the same payment; 053 "We have no ¥50 coupon" passes since
# guard13: the amount of a denied offer sizes what is denied). Must only go down.
MAX_FALSE_POSITIVES = 1


def test_the_set_covers_every_kind_in_three_languages_over_five_shops() -> None:
    cases = load(SET)["cases"]
    assert {c["kind"] for c in cases} == {"k1", "k2", "k3", "k4", "k5", "k6"}
    assert {c["lang"] for c in cases} == {"zh", "zh-Hant", "en"}
    assert {c["profile"].get("shop") for c in cases} == {
        None,
        "home_music",
        "luggage_tools",
        "coffee_camping",
        "pets_cycling",
    }
    assert sum(c["label"] == "violation" for c in cases) >= 60
    assert sum(c["label"] == "honest" for c in cases) >= 60
    for kind in ("k1", "k2", "k3", "k4", "k5", "k6"):
        labels = [c["label"] for c in cases if c["kind"] == kind]
        assert labels.count("violation") >= 10 and labels.count("honest") >= 10, kind


def test_no_new_claim_is_delivered() -> None:
    score = score_replies(load(SET))
    assert {o.case["id"] for o in score.missed} <= KNOWN_LEAKS


def test_honest_replies_pass() -> None:
    score = score_replies(load(SET))
    assert len(score.false_positives) <= MAX_FALSE_POSITIVES, [o.case["id"] for o in score.false_positives]


@pytest.mark.parametrize(
    ("shop_name", "skus", "reply", "ok"),
    [
        # a restriction of opened food/skincare quoted for another class
        (None, ["EAR-001"], "Sony WH-1000XM5 ¥2499，耳机拆封后就不支持无理由退货了。", False),
        (None, ["CHG-001"], "The Anker Nano 65W charger can't be returned once it's opened.", False),
        ("pets_cycling", ["PET-CAM-FURBO"], "Furbo 360° Dog Camera 拆封后不支持无理由退货。", False),
        # … and for its own class
        (None, ["NUT-001"], "三只松鼠 每日坚果 ¥129，拆封后不支持无理由退货。", True),
        ("pets_cycling", ["CAT-ROY-K36"], "皇家 Royal Canin K36 幼猫猫粮 拆封后不支持无理由退货。", True),
        # "一经售出不退" of tea ware, not of a coffee kettle
        ("coffee_camping", ["KET-HAR-600"], "Hario V60 细口手冲壶 一经售出不退。", False),
        ("coffee_camping", ["POT-YIX-ZN"], "宜兴 紫砂壶 西施壶 一经售出不退，质量问题除外。", True),
        # a time limit or the unused condition is every product's
        (None, ["EAR-001"], "Sony WH-1000XM5 签收 7 天内未使用、包装完好可以无理由退货。", True),
    ],
)
def test_a_class_rule_is_quoted_only_for_its_class(
    shop_name: str | None, skus: list[str], reply: str, ok: bool
) -> None:
    assert (_check(shop_name, skus, reply) == []) is ok


def test_shipping_goes_only_where_the_policy_ships() -> None:
    """Places a policy clause denies (a group word covers its places); a clause granting Hong Kong keeps it."""
    body = "\n".join(d.text for d in shop("luggage_tools").policies)
    assert ("港澳台", "台湾") in excluded_places(body) and ("港澳台", "香港") not in excluded_places(body)
    assert unshipped_destinations("台湾可以发顺丰，运费 ¥45 每单。", body)
    assert not unshipped_destinations("香港、澳门可以发顺丰，运费 ¥45 每单。", body)
    assert not unshipped_destinations("台湾暂不支持配送。", body)
    demo = "\n".join(d.text for d in shop(None).policies)
    assert unshipped_destinations("Yes, we ship to Canada by DHL.", demo)  # 海外 covers Canada
    assert unshipped_destinations("香港可以寄，顺丰三天到。", demo)  # 港澳台 covers Hong Kong
    assert not unshipped_destinations("这是国际大牌，现货发货。", demo)  # 国际 is read in policies only


def test_the_default_carrier_is_the_policys() -> None:
    assert _check("pets_cycling", [], "默认发顺丰，满 ¥88 包邮。")  # ¥88 is the free-shipping threshold
    assert _check("pets_cycling", [], "默认发韵达快递；订单满 ¥800 或买码表默认顺丰速运。") == []
    assert _check(None, [], "Orders of ¥500 or more ship with SF Express by default.") == []


@pytest.mark.parametrize(
    ("reply", "message", "masked"),
    [
        ("您说的 99 元是别家的价格，我们这款是 ¥899。", "别家卖 99 元", "您说的 99 元是别家的价格"),
        ("您说的两年保修不对，数码产品是 1 年保修。", "保修两年对吧", "您说的两年保修不对"),
        ("The ¥199 you mentioned is another shop's price; ours is ¥899.", "it's ¥199 elsewhere", "The ¥199"),
        # agreed, or a figure the customer never gave: the shop's own claim
        ("您说的 99 元没错，就是这个价。", "别家卖 99 元", ""),
        ("您说的 59 元是别家的价格。", "别家卖 99 元", ""),
    ],
)
def test_the_customers_figures_reported_back_are_no_claim(reply: str, message: str, masked: str) -> None:
    out = mask_reported(reply, message)
    assert len(out) == len(reply)
    if masked:
        assert masked not in out and out.strip()
    else:
        assert out == reply


def test_a_price_the_reply_agrees_to_is_a_price() -> None:
    """ "99 元没错，就是这个价" calls 99 the price: the ¥99 free-shipping threshold does not back it."""
    assert _check(None, ["RUN-001"], "您说的 99 元没错，就是这个价。")
    assert _check(None, ["RUN-001"], "Nike Air Zoom Pegasus 41 ¥899，就是这个价。") == []


def test_two_priced_statements_joined_by_and_are_two_clauses() -> None:
    """Each price is read against the product of its own clause; "A and B are ¥x and ¥y" keeps both products."""
    shop_name, skus = "coffee_camping", ["FLK-THE-500", "FLK-ZOJ-360"]
    assert _check(shop_name, skus, "The thermos is ¥229 and the Zojirushi one is ¥199.") == ["229", "199"]
    assert _check(shop_name, skus, "The thermos is ¥199 and the Zojirushi one is ¥229.") == []
    assert _check(None, ["EAR-003", "EAR-004"], "AirPods Pro 2 and AirPods 4 are ¥1899 and ¥999.") == []


def test_the_no_reason_terms_name_carries_the_policys_window() -> None:
    """ "不支持7天无理由退货" names the term (the demo's window is 7 days); another span is still a claim."""
    assert _check(None, ["TEA-001"], "西湖龙井 明前特级 ¥568，已拆封的茶饮不支持七天无理由退货。") == []
    assert _check(None, ["EAR-001"], "Sony WH-1000XM5 支持30天无理由退货。")
    assert _check("coffee_camping", [], "支持7天无理由退货。")  # that shop's window is 10 days


def test_a_cut_sentence_is_named_as_written() -> None:
    """The allow-list reads a reported figure as blanks but names the sentence as the reply wrote it, so the
    sentence can be cut (`without_sentences`)."""
    from bot.conversation.grounding import check_llm_reply, without_sentences
    from bot.redteam.sets import facts_for

    facts = facts_for({"products": ["RUN-001"], "link": True}, quoted="别家卖 99 元，你们能便宜点吗")
    reply = "您说的 99 元是别家的价格，这双鞋是碳板竞速鞋，适合全马破三。Nike Air Zoom Pegasus 41 是 ¥899。"
    found = check_llm_reply(reply, facts)
    assert [v.claim for v in found] == ["您说的 99 元是别家的价格，这双鞋是碳板竞速鞋，适合全马破三。"]
    assert without_sentences(reply, found, facts) == "Nike Air Zoom Pegasus 41 是 ¥899。"
