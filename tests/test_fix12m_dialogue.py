"""fix12-m (issue 12, part M): dialogue state over shops other than the demo — body measurements answered from the
size chart a product's description gives (or plainly no chart, and a person), policy rules for one class of goods
kept to that class, "能不能少点" as bargaining, English amounts in words as budgets; checked on the held-out set
tests/data/conversations_fix12m.yaml (a slice per shop here; the whole set with `xiaoer eval conversations`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.conversation.offer_questions import find_offer_ask
from bot.conversation.policy_scope import CatalogWords, pick
from bot.conversation.size_advice import ChartEntry, Measure, asks_size_advice, measurements, size_chart
from knowledge.catalog import load_catalog
from knowledge.models import PolicyHit
from knowledge.policies import PolicyBook, bullets_of
from knowledge.prices import parse_price
from tests.support.case_sets import assert_floor, run_case_file

DATA = Path(__file__).parent / "data"
CASES = DATA / "conversations_fix12m.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身高165体重50穿什么码", [("height", "165"), ("weight", "50")]),
        ("1米75 130斤穿多大", [("height", "175"), ("weight", "65")]),  # 斤 is half a kilogram
        ("I'm 180cm and 75kg, which size?", [("height", "180"), ("weight", "75")]),
        ("头围58cm戴什么码", [("head", "58")]),
        ("手掌围21cm选哪个码", [("hand", "21")]),
        ("27英寸显示器", []),  # a product's size is no body measurement
    ],
)
def test_body_measurements_are_read_in_cm_and_kg(text: str, expected: list[tuple[str, str]]) -> None:
    assert measurements(text) == [Measure(k, Decimal(v)) for k, v in expected]


@pytest.mark.parametrize(
    ("text", "asks"),
    [("头围58cm戴什么码", True), ("身高185体重90选哪个尺码", True), ("which size should I get", True),
     ("有XL码的吗", False), ("身高175", False)],
)  # fmt: skip
def test_a_size_question_needs_a_size_word(text: str, asks: bool) -> None:
    assert asks_size_advice(text) is asks


@pytest.mark.parametrize(
    ("description", "entries"),
    [
        ("带MIPS防旋转系统，头围S:51-55，M:55-59，L:59-63。", [("S", "head", 51, 55), ("M", "head", 55, 59),
                                                           ("L", "head", 59, 63)]),
        ("冷却凝胶记忆棉，R尺码适合身高170-189cm，承重130kg。", [("R", "height", 170, 189)]),
        ("一体成型，头围54-61cm均码，重量280g。", [("均码", "head", 54, 61)]),
        ("手摇升降 52-76cm，桌面可倾斜0-40°，适合身高110-180cm。", [("", "height", 110, 180)]),
        ("2.6英寸屏幕，续航最长26小时", []),
    ],
)  # fmt: skip
def test_a_description_s_size_chart_is_read_by_measure(description: str, entries: list[tuple]) -> None:
    assert size_chart(description) == [
        ChartEntry(lb, k, Decimal(lo), Decimal(hi)) for lb, k, lo, hi in entries
    ]


async def test_a_slice_of_the_fix12m_set_over_the_pets_cycling_shop(tmp_path: Path) -> None:
    # body sizes (a head/chest chart in the description, or no chart and a person), constraints that persist,
    # and bargaining that is not a search; the other shops run with `xiaoer eval conversations --only oa-m/lt-m`
    only = ("pc-m-size", "pc-m-persist", "pc-m-haggle")
    _, report = await run_case_file(
        tmp_path / "data",
        CASES,
        catalog=DATA / "pets_cycling_catalog.csv",
        policies=DATA / "pets_cycling_policies",
        only=only,
    )
    assert len(report.results) == 11  # all pass since fix12-m
    assert_floor(report, 11)


def _bullets(shop: str, topic: str) -> tuple[CatalogWords, list[PolicyHit]]:
    catalog = CatalogWords(load_catalog(DATA / f"{shop}_catalog.csv").products)
    doc = next(
        d for d in PolicyBook.load(DATA / f"{shop}_policies").docs if d.topic == topic and d.language == "zh"
    )
    hits = [
        PolicyHit(b.topic, b.title, b.text, "zh", 1.0, label=b.label, index=b.index) for b in bullets_of(doc)
    ]
    return catalog, hits


@pytest.mark.parametrize(
    ("shop", "item", "kept", "dropped"),
    [
        # "换货：办公椅签收后 20 天内可换一次" is the chairs' rule: not for a mouse, the rule for a chair
        ("office_auto", "鼠标", "十天无理由退货", "办公椅签收后"),
        ("office_auto", "办公椅", "办公椅签收后", "按车型定制的脚垫"),
        # "不支持无理由退货的商品：已拆封的积木和拼图…" is not about a drill, it is about a puzzle
        ("luggage_tools", "电钻", "十天无理由退货", "已拆封的积木和拼图"),
        ("luggage_tools", "拼图", "已拆封的积木和拼图", "箱包类签收后"),
        ("pets_cycling", "打气筒", "七天无理由退货", "骑行服和头盔签收后"),
        # a list of classes names the item by a word only its own products carry ("耳钉耳环" for 首饰/耳饰)
        ("apparel", "耳环", "耳钉耳环", "服装类签收后"),
    ],
)
def test_a_rule_bullet_that_names_a_class_applies_to_that_class_only(
    shop: str, item: str, kept: str, dropped: str
) -> None:
    catalog, hits = _bullets(shop, "returns")
    picked = pick(hits, "", catalog.item(item), catalog, k=len(hits))
    assert any(kept in h.text for h in picked)
    assert not any(dropped in h.text for h in picked)


@pytest.mark.parametrize("text", ["能不能少点", "再少一点吗", "可以少点钱不"])
def test_asking_for_less_is_bargaining(text: str) -> None:
    ask = find_offer_ask(text)
    assert ask is not None and ask.kind == "bargain"


def test_less_of_something_else_is_no_bargain() -> None:
    assert find_offer_ask("能少点糖吗") is None


@pytest.mark.parametrize(
    ("text", "low", "high", "currency"),
    [
        ("toys under a hundred dollars", None, "100", "USD"),
        ("a monitor under a thousand", None, "1000", None),
        ("between two hundred and five hundred yuan", "200", "500", "CNY"),
        ("around fifty bucks", "40", "60", "USD"),
        ("a hundred percent cotton", None, None, None),  # a share, not money
        ("one of the fifty pieces", None, None, None),
    ],
)
def test_english_amounts_in_words_are_budgets(
    text: str, low: str | None, high: str | None, currency: str | None
) -> None:
    bounds = parse_price(text)
    assert (bounds.min_price, bounds.max_price, bounds.currency) == (
        None if low is None else Decimal(low),
        None if high is None else Decimal(high),
        currency,
    )
