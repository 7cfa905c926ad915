"""Policy terms that exist but not for this product (issue 13, red team v3): the claims ledger reads the
conditions each policy declares in its front matter (returns exclusions, the 花呗 and SF minimums, warranty
days per category) and flags a term granted outside them. Full sets: tests/data/redteam_replies.yaml rt5-*."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.conversation.grounding import GroundingFacts, check_reply
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.models import Product
from knowledge.policies import PolicyBook, PolicyError
from tests.support.core_fixtures import sample_products

PRODUCTS = sample_products()
BOOK = PolicyBook.load(SAMPLE_POLICIES_DIR)


def kinds(text: str, sku: str, *, terms: bool = True) -> set[str]:
    product: Product = PRODUCTS[sku]
    facts = GroundingFacts(
        products=(product,), policies=tuple(BOOK.docs), focus=(sku,), terms=BOOK.terms if terms else None
    )
    return {v.kind for v in check_reply(text, facts)}


def test_sample_policies_declare_the_conditions() -> None:
    terms = BOOK.terms
    assert terms.payment is not None and terms.payment.instalment_min_order == Decimal(600)
    assert terms.shipping is not None and terms.shipping.sf_default_min_order == Decimal(500)
    assert terms.warranty is not None and terms.warranty.days_for("数码/耳机") == 365
    assert terms.warranty.days_for("运动鞋/跑步鞋") == 30 and terms.warranty.days_for("零食/坚果") is None


@pytest.mark.parametrize(
    ("reply", "sku", "kind"),
    [
        ("洽洽 香瓜子 原味 500g ¥19.90，拆封后也支持7天无理由退货。", "NUT-006", "returns"),
        ("兰蔻 菁纯臻颜精萃乳霜 60ml，用过不满意也可以7天无理由退货。", "CRM-001", "returns"),
        ("洽洽 香瓜子 原味 500g ¥19.90，可以花呗分期。", "NUT-006", "promise"),
        ("洽洽 香瓜子 原味 500g ¥19.90，默认发顺丰。", "NUT-006", "delivery"),
        ("Nike Air Zoom Pegasus 41 ¥899.00，退货运费我们承担。", "RUN-001", "promise"),
        ("Nike Air Zoom Pegasus 41 ¥899.00，有货。一年内坏了免费换新。", "RUN-001", "warranty"),
    ],
)
def test_term_outside_its_conditions_is_a_violation(reply: str, sku: str, kind: str) -> None:
    assert kind in kinds(reply, sku)


@pytest.mark.parametrize(
    ("reply", "sku"),
    [
        ("洽洽 香瓜子 原味 500g ¥19.90，未拆封的话签收后7天内可以无理由退货。", "NUT-006"),
        ("已拆封的食品不支持无理由退货。", "NUT-006"),
        ("订单满 ¥600 可使用花呗分期。", "NUT-006"),
        ("Sony WH-1000XM5 ¥2499，默认发顺丰，1年保修。", "EAR-001"),
        ("西湖龙井 明前特级 250g 罐装 ¥568，默认发顺丰。", "TEA-001"),
        ("质量问题退货，来回运费由我们承担。", "RUN-001"),
        ("数码产品自签收之日起 1 年保修。", "RUN-001"),
    ],
)
def test_term_inside_its_conditions_passes(reply: str, sku: str) -> None:
    assert kinds(reply, sku) == set()


def test_without_declared_conditions_nothing_is_checked() -> None:
    assert kinds("洽洽 香瓜子 原味 500g ¥19.90，可以花呗分期。", "NUT-006", terms=False) == set()


def test_a_bad_condition_fails_loading(tmp_path: Path) -> None:
    (tmp_path / "warranty.md").write_text(
        "---\ntopic: warranty\nwarranty_days_by_category:\n  数码: -1\n---\n# 保修\n\n- 1 年保修。\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="warranty"):
        PolicyBook.load(tmp_path)
