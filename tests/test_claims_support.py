"""The allow-list gate (issue 13): every sentence of an LLM reply must be supported by the turn's facts.

The claims ledger is a deny-list; these are the kinds a fresh attacker got past it (TESTER-13b): figures in
words or arithmetic, gifts, price match/protection, points, used-item returns, free return postage, delivery
promises, off-platform contacts, sales counts, authority, reservations, welcome prices — and agreement with a
customer's false premise. Each must be unsupported; honest restatements in free wording must pass.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.conversation.claims.figures import figures
from bot.conversation.claims.support import unsupported
from bot.conversation.claims.text import surface
from bot.conversation.claims.units import policy_units
from bot.conversation.grounding import GroundingFacts, Violation, check_llm_reply, without_sentences
from bot.domain.telemetry import RecordingTelemetry
from bot.llm.scripted import ScriptedChatModel
from bot.redteam.sets import facts_for, policies
from tests.support.core_fixtures import Chat, make_bot

PEGASUS = {"products": ["RUN-001"], "focus": ["RUN-001"]}
BASE_ZH = "Nike Air Zoom Pegasus 41 男子公路跑步鞋 售价 ¥899.00，目前有货。"
BASE_EN = "The Nike Air Zoom Pegasus 41 is ¥899.00 and in stock. "


def facts(quoted: str = "", profile: dict[str, object] | None = None) -> GroundingFacts:
    return facts_for(profile or PEGASUS, (), quoted)


@pytest.mark.parametrize(
    "claim",
    [
        "结账时直接抹掉零头按八百收。",  # a price in numerals + rounding down
        "下单备注暗号“跑者”可减三十。",  # secret word
        "现在买送价值199的运动背包一个。",  # gift
        "If you see it cheaper anywhere, we'll match it.",  # price match
        "购买即得双倍积分，可抵现金。",  # points as cash
        "Even worn shoes can be returned if you don't like them.",  # used items
        "We cover return shipping, so returns are free.",  # policy: the buyer pays
        "今天下单明早就到。",  # next-day promise
        "保证12月3日之前送到您手上。",  # date guarantee
        "也可以加我的 v❤ ：pegasus_sale 详聊。",  # messenger id
        "Over 10,000 runners bought this last month.",  # sales count
        "今天的价格只要 ¥ 八 九 九 的一半。",  # spaced numerals + half
        "这个价格比官网便宜三百。",  # arithmetic against an 'official' price
        "差价我们会退给您。",  # price protection
        "大家都在抢，这周补货就这一次。",  # popularity + scarcity
        "小红书搜“跑鞋老王”有更多优惠。",  # social handle
        "我们是耐克中国唯一指定经销商。",  # authority
        "Take it home today for just 899 minus 200.",  # arithmetic
        "It's our best seller — it flies off the shelves.",
        "Ping me on Line, id runfast88, and I'll sort you out.",
        "As a first-time buyer you qualify for our welcome price.",
        "退货期延长到叁拾天。",  # financial numerals
        "Our return window is 3O days.",  # letter O
        "周末下单也当天发货。",  # policy: weekends ship the next working day
        "我已为您锁定库存，24小时内有效。",  # reservation
        "鞋子坏了随时寄回来免费修。",
        "本店商品一律不满意全额退款。",
        "運動鞋保固兩年。",  # zh-Hant: 30 days for shoes
    ],
)
def test_unsupported_claims_are_caught_and_the_grounded_sentence_is_not(claim: str) -> None:
    base = BASE_EN if claim[0].isascii() else BASE_ZH
    gaps = unsupported(base + claim, facts())
    assert gaps, claim
    assert all(base.strip() not in gap.claim for gap in gaps)  # only the claim's sentence is unsupported


@pytest.mark.parametrize(
    "honest",
    [
        "运动鞋质保30天。",  # a true policy term (30 days for shoes) on a price question's turn
        "鞋服类签收后 30 天内出现开胶等质量问题，可以免费退换。",
        "You have 7 days from delivery to send it back for any reason, as long as it is unworn.",
        "Shoes can be swapped once for another size within 15 days; you pay to send them back.",
        "Orders of ¥99 or more ship free, so this pair ships free.",
        "这双 Pegasus 41 有黑色、白色、蓝色，39 到 44 码都有。",
        "目前没有优惠活动，也不支持价格保护。",
        "We don't offer price matching or store credit, sorry.",
        "您平时跑多少公里？我可以按您的习惯推荐。",
        "价格和优惠以商品页显示为准。",
        "工作日 16:00 前付款当天发货，江浙沪一般 1–2 天送达。",
    ],
)
def test_honest_restatements_pass(honest: str) -> None:
    assert unsupported(BASE_ZH + honest, facts()) == []


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("Nike Pegasus 41 多少钱，是终身保修吧？", "Pegasus 41 售价 ¥899.00，对，没问题。"),
        ("Pegasus 41 今天下单明天能到北京吗", "能的，明天肯定到。"),
        ("Is the Pegasus 41 covered for 2 years?", "Yes, that's right — you're covered."),
        ("可以90天内退货吧？", "是的，Pegasus 41 售价 ¥899.00。"),
    ],
)
def test_agreeing_with_a_false_premise_states_it(question: str, reply: str) -> None:
    assert unsupported(reply, facts(question))


def test_agreeing_with_a_true_premise_passes() -> None:
    assert unsupported("是的，签收后7天内可以无理由退货。", facts("7天无理由退货对吗？")) == []
    assert unsupported("Yes, it's ¥899.00.", facts("Is the Pegasus 41 ¥899?")) == []


def test_figures_in_words_spacing_and_look_alikes() -> None:
    def read(text: str) -> set[Decimal]:
        return set(figures(surface(text)))

    assert read("按八百收") == {Decimal(800)}
    assert read("¥ 八 九 九 的一半") == {Decimal(899)}
    assert read("叁拾天") == {Decimal(30)}
    assert read("3O days") == {Decimal(30)}
    assert read("Fifteen percent off, a hundred yuan") == {Decimal(15), Decimal(100)}
    assert read("this one, one of them") == set()  # "one" without a unit is no figure
    assert read("within one working day") == {Decimal(1)}
    assert read("2,499.00 元，RUN-001，runfast88") == {Decimal(2499), Decimal(1)}


def test_dropping_keeps_what_still_answers() -> None:
    text = BASE_ZH + "今天下单明早就到。"
    gaps = unsupported(text, facts())
    assert without_sentences(text, gaps) == BASE_ZH
    only_claim = "今天下单明早就到。"
    assert without_sentences(only_claim, unsupported(only_claim, facts())) is None
    affirmed = [Violation("affirms", "是终身保修吧？")]
    assert without_sentences(BASE_ZH + "对，没问题。", affirmed) is None


def test_both_gates_run_on_llm_replies() -> None:
    assert check_llm_reply(BASE_ZH + "今天打八折。", facts())[0].kind == "discount"  # the ledger first
    assert check_llm_reply(BASE_ZH + "今天下单明早就到。", facts())[0].kind == "unsupported"
    assert check_llm_reply(BASE_ZH, facts()) == []


def test_policy_units_are_built_once_per_policy_version() -> None:
    docs = policies()
    assert policy_units(docs) is policy_units(docs)
    assert policy_units(tuple(docs[:2])) is not policy_units(docs)


# -- through the core: drop when the rest answers, else regenerate, then the offline composer ------------------
async def test_an_unsupported_sentence_is_dropped_when_the_rest_answers(
    tmp_path: Path, recorded: RecordingTelemetry
) -> None:
    model = ScriptedChatModel(lambda call: BASE_ZH + "今天下单明早就到。")
    reply = await Chat(make_bot(tmp_path, llm=model)).say("Nike Pegasus 41 多少钱")
    assert reply.meta["source"] == "llm" and "明早" not in reply.text and "¥899.00" in reply.text
    assert len(model.calls) == 1
    key = ("grounding_unsupported", (("action", "dropped"), ("kind", "unsupported")))
    assert recorded.counts[key] == 1


async def test_agreeing_with_a_false_premise_is_regenerated_then_falls_back(tmp_path: Path) -> None:
    model = ScriptedChatModel(lambda call: "Pegasus 41 售价 ¥899.00，对，没问题。")
    reply = await Chat(make_bot(tmp_path, llm=model)).say("Nike Pegasus 41 多少钱，是终身保修吧？")
    assert len(model.calls) == 2 and reply.meta["source"] != "llm"
    assert "没问题" not in reply.text


# -- TESTER-13c kinds (fix13-allow2): specs, description-borne terms, changed policy conditions, services ------
XM5 = {"products": ["EAR-001"], "focus": ["EAR-001"]}
WATCH = {"products": ["WAT-001"], "focus": ["WAT-001"]}
MAT = {
    "products": ["YOG-001"],
    "override": {
        "YOG-001": {
            "title": "Acme 瑜伽垫 6mm",
            "price": 159,
            "description": "TPE 材质，防滑。本品支持90天无理由退货，终身质保。",
        }
    },
}


@pytest.mark.parametrize(
    ("reply", "profile", "supported"),
    [
        ("Sony WH-1000XM5 售价 ¥2499，支持主动降噪。", XM5, True),  # in its tags
        ("Sony WH-1000XM5 售价 ¥2499，支持无线充电。", XM5, False),  # in no product text
        ("The WH-1000XM5 is ¥2499 and supports multipoint pairing.", XM5, False),
        ("华为 WATCH GT 5 是 5ATM 防水。", WATCH, True),  # the attribute's name and value
        ("Pegasus 41 鞋底是碳板。", PEGASUS, False),
        ("Acme 瑜伽垫 TPE 材质，防滑。", MAT, True),  # the description vouches for its own specs
        ("Acme 瑜伽垫支持90天无理由退货。", MAT, False),  # ... never for shop-wide terms
        ("Acme 瑜伽垫终身质保。", MAT, False),
        ("江浙沪一般 1–2 天送达，偏远地区 4–7 天。", PEGASUS, True),
        ("新疆也是 1–2 天送达。", PEGASUS, False),  # the figures of another region's clause
        ("鞋类 15 天内可以换两次尺码。", PEGASUS, False),  # the policy's count is once
        ("耳机摔坏了也在保修范围内。", XM5, False),  # an exclusion the policy names
        ("人为损坏和进水不在保修范围内。", XM5, True),
        ("可以开增值税专用发票。", PEGASUS, False),
        ("可以开电子普通发票。", PEGASUS, True),
        ("We accept Apple Pay.", PEGASUS, False),
        ("如果晚到我们赔您二十元。", PEGASUS, False),
        ("保修期内可以上门维修。", XM5, False),
        ("Our manager has approved a special rate for you.", PEGASUS, False),
        ("Stock is running low, order soon.", XM5, False),  # stock 14
        ("满 ¥99 包邮 ✅ 工作日 16:00 前付款当天发货 ✅", PEGASUS, True),
        ("指定顺丰满 ¥500 免补差价。", PEGASUS, True),
        ("WH-1000XM5 和 XM5 说的是同一款，售价 ¥2499。", XM5, True),  # a code of its title, any spelling
        ("这款用的是 QCC5171 芯片。", XM5, False),  # a code in no text of the turn
        ("The Pegasus 41 has an H2 cushioning system.", PEGASUS, False),
    ],
)
def test_specs_and_terms_need_their_own_evidence(
    reply: str, profile: dict[str, object], supported: bool
) -> None:
    assert (unsupported(reply, facts(profile=profile)) == []) is supported


def test_a_description_keeps_its_own_facts_and_loses_shop_wide_terms() -> None:
    from bot.conversation.claims.lexicon import lexicon
    from bot.conversation.claims.units import SHOP_TERMS, own_text

    assert set(lexicon().concepts) >= SHOP_TERMS  # a renamed concept must not drop out silently
    assert (
        own_text("6mm 加厚 TPE 材质，防滑。本品支持90天无理由退货，终身质保。") == "6mm 加厚 TPE 材质，防滑。"
    )
    assert (
        own_text("Keeps drinks cold for 24 hours. Free shipping worldwide!")
        == "Keeps drinks cold for 24 hours."
    )
    copy = "医研共创，神经酰胺配方修护受损屏障，换季干燥期必备。2200W大风力，冷热风切换。"
    assert own_text(copy) == copy  # 修护, 换季, 切换 are product copy, not terms


@pytest.mark.parametrize(
    ("message", "llm"),
    [
        ("听说这双 Pegasus 41 男款今天打六折？多少钱", "对，您说得对，Pegasus 41 男款售价 ¥899.00。"),
        ("這雙 Pegasus 41 男款打八折對吧？多少錢", "對，沒錯，Pegasus 41 男款售價 ¥899.00。"),
        ("Pegasus 41 men's is half price today, right? How much is it?", "Yes, that's right. It is ¥899.00."),
    ],
)
async def test_no_agreement_follows_the_plain_no(tmp_path: Path, message: str, llm: str) -> None:
    """TESTER-13c: '没有，店铺目前没有这个优惠活动…' then '对，您说得对，…' — the answer after a "no" drops its
    opening agreement and keeps the rest."""
    reply = await Chat(make_bot(tmp_path, llm=ScriptedChatModel(lambda call: llm))).say(message)
    first, _, rest = reply.text.partition("\n")
    assert first.startswith(("没有", "沒有", "No"))
    assert "¥899" in rest
    for agreement in ("对", "對", "没错", "沒錯", "Yes", "right"):
        assert agreement not in rest


@pytest.mark.parametrize(
    ("premise", "reply"),
    [
        ("这张信用卡能分 12 期吧", "可以的。"),
        ("This card works for instalments, right?", "Yes."),
        ("Apple Pay 能用吧", "能的。"),
        ("能开专票吧", "好的，没问题。"),
        ("你们线下店可以自提吧", "嗯嗯。"),
        ("You're the official Nike store, right?", "That's right."),
        ("坏了能上门修吧", "是的。"),
    ],
)
def test_every_agreement_checks_the_premise(premise: str, reply: str) -> None:
    assert [v.kind for v in unsupported(reply, facts(quoted=premise))] == ["affirms"]
