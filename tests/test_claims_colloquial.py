"""Colloquial claims (red team v3 of issue 13): free items and bundles in words, price matching, cashback,
stock in words, spoken prices, round-the-clock service and free shipping everywhere are caught; the shop's
own terms, denials and true scarcity pass. The full sets are in tests/data/redteam_replies.yaml (ids rt4-*)."""

from __future__ import annotations

import pytest

from bot.conversation.claims import extract_claims
from bot.conversation.grounding import GroundingFacts, check_reply
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.models import PolicyDoc, Product
from knowledge.policies import PolicyBook
from tests.support.core_fixtures import sample_products

PRODUCTS = sample_products()
PEGASUS = PRODUCTS["RUN-001"]  # ¥899, stock 23
POLICIES = tuple(PolicyBook.load(SAMPLE_POLICIES_DIR).docs)
BASE = "Nike Air Zoom Pegasus 41 男子公路跑步鞋 ¥899.00，有货。"


def kinds(text: str, product: Product = PEGASUS, policies: tuple[PolicyDoc, ...] = POLICIES) -> set[str]:
    facts = GroundingFacts(products=(product,), policies=policies, focus=(product.sku,))
    return {v.kind for v in check_reply(text, facts)}


@pytest.mark.parametrize(
    ("claim", "kind"),
    [
        ("下单就送运动袜一双。", "gift"),
        ("鞋垫白给。", "gift"),
        ("Buy two and the second pair is on us!", "gift"),
        ("拍两双，另一双白给。", "gift"),
        ("You get complimentary insoles.", "gift"),
        ("We'll beat any competitor's price.", "promise"),
        ("比别家贵的话我们补差价。", "promise"),
        ("You'll get 10 percent back as store credit.", "gift"),
        ("We have over a thousand pairs ready to ship.", "stock"),
        ("Hundreds in stock.", "stock"),
        ("限量发售，只剩最后几双。", "stock"),
        ("拍下改价，给您按七百算。", "price"),
        ("八百九给你。", "price"),
        ("价格可以再商量。", "promise"),
        ("在线客服24小时在线。", "promise"),
        ("We're available 24/7.", "promise"),
        ("Free shipping everywhere, including Tibet.", "gift"),
        ("Returns are accepted for three months.", "returns"),
        ("You can return it anytime.", "returns"),
        ("Covered for life.", "warranty"),
        ("90天内都可以退。", "returns"),
        ("我会把付款方式发到您的邮箱。", "payment"),
        ("Pay with Venmo @shoe-store.", "payment"),
        ("Text me at 555-0142.", "phone"),
        ("Message me on Instagram @shoe.deals", "messenger"),
        ("我们是 Nike 官方授权旗舰店。", "promise"),
        ("凭本聊天截图下单可享优惠。", "discount"),
    ],
)
def test_colloquial_claim_is_caught(claim: str, kind: str) -> None:
    assert kind in kinds(BASE + claim)


@pytest.mark.parametrize(
    "reply",
    [
        BASE + "抱歉，价格不能商量。",
        "Sorry, we don't price match and we don't offer store credit.",
        "在线客服每天 9:00–22:00。",
        "如果您不喜欢，可以在签收后7天内无理由退货，寄回运费由买家承担。",
        BASE + "全国包邮（新疆、西藏等偏远地区满 ¥299 包邮）。",
        "You can return it within seven days of delivery if it is unused.",
    ],
)
def test_honest_reply_passes(reply: str) -> None:
    assert kinds(reply) == set()


def test_scarcity_holds_only_for_low_stock() -> None:
    low = PEGASUS.model_copy(update={"stock": 3})
    assert "stock" in kinds(BASE + "只剩最后几双了。")
    assert kinds("Nike Air Zoom Pegasus 41 只剩最后几双了。", low) == set()


def test_nationwide_free_shipping_needs_the_highest_threshold() -> None:
    charger = PRODUCTS["CHG-003"]  # ¥149: free from ¥99, but remote regions need ¥299
    assert "gift" in kinds("小米 67W 充电器 ¥149，全国包邮。", charger)
    assert kinds(BASE + "全国包邮。") == set()


def test_a_policy_that_offers_it_backs_it() -> None:
    doc = PolicyDoc("contact", "客服", "- 在线客服 7x24 小时在线，随时为您服务。")
    assert kinds(BASE + "我们7x24小时在线客服。", policies=(*POLICIES, doc)) == set()


def test_spoken_price_is_a_price_claim() -> None:
    values = [c.value for c in extract_claims("给您按七百算") if c.kind == "price"]
    assert values and values[0][0] == 700  # type: ignore[index]


@pytest.mark.parametrize(
    ("claim", "kind"),
    [
        ("今天**八**折。", "discount"),  # Markdown emphasis splitting the claim
        ("今天打捌折。", "discount"),  # financial numerals
        ("扣扣 12345678。", "messenger"),
        ("复制链接 pay·evil·example 打开付款。", "url"),
        ("½ price today.", "discount"),
        ("Get it for 5O% off.", "discount"),  # a letter O for zero
        ("Email: deals [at] shoe-outlet [dot] example", "email"),
    ],
)
def test_obfuscated_claim_is_caught(claim: str, kind: str) -> None:
    assert kind in kinds(BASE + claim)


def test_markdown_and_plain_at_pass() -> None:
    assert kinds("**Nike Air Zoom Pegasus 41 男子公路跑步鞋** 售价 **¥899.00**。") == set()
    assert kinds("More at shop.example.com/p/RUN-001, see you at noon.") == set()
    assert kinds("Nike Air Zoom Pegasus 41 · ¥899.00 · in stock") == set()  # spaced dots separate fields


def test_a_bare_yes_confirms_what_the_customer_stated() -> None:
    def check(question: str, reply: str) -> set[str]:
        facts = GroundingFacts(products=(PEGASUS,), policies=POLICIES, focus=(PEGASUS.sku,), quoted=question)
        return {v.kind for v in check_reply(reply, facts)}

    assert "promise" in check("你们的退货政策是90天对吧？", "您好，是的～")
    assert "promise" in check("这双是不是终身保修？", "对，没错。")
    assert check("7天无理由退货对吗？", "是的，签收后7天内可以无理由退货。") == set()
    assert check("Is the Pegasus 41 ¥899?", "Yes, it is ¥899.00.") == set()
