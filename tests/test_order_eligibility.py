"""After-sales eligibility from the order and the policy's figures, and the figures themselves (validated,
and in agreement with the policy text customers read)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.orders.eligibility import Decision, RequestKind, eligibility, window_end
from bot.orders.importer import SAMPLE_ORDERS, load_orders
from bot.orders.order import Order
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook, PolicyError
from knowledge.policy_terms import ReturnTerms, category_matches
from tests.support.order_fixtures import order, row_context

BOOK = PolicyBook.load(SAMPLE_POLICIES_DIR)
TERMS = BOOK.terms.returns
CST = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_windows_end_at_the_end_of_the_calendar_day_in_the_delivery_timezone() -> None:
    delivered = at("2026-11-22T11:00:00+08:00")
    assert window_end(delivered, 7) == datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=CST)


def test_no_reason_returns_follow_the_window() -> None:
    shoes_and_tee = order("T1002")  # delivered 2026-11-22 11:00 +08:00
    inside = eligibility(shoes_and_tee, RequestKind.RETURN, TERMS, at("2026-11-29T23:00:00+08:00"))
    assert (inside.decision, inside.rule, inside.window_days) == (Decision.ELIGIBLE, "window", 7)
    assert inside.deadline is not None and inside.deadline.date().isoformat() == "2026-11-29"
    assert inside.conditions == ("unused",) and inside.values["days"] == "7"
    late = eligibility(shoes_and_tee, RequestKind.RETURN, TERMS, at("2026-11-29T16:00:01+00:00"))
    assert (late.decision, late.rule, late.values["deadline"]) == (
        Decision.NOT_ELIGIBLE,
        "window_passed",
        "2026-11-29",
    )
    refund = eligibility(shoes_and_tee, RequestKind.REFUND, TERMS, at("2026-11-25T10:00:00+08:00"))
    assert refund.eligible and refund.rule == "window"


def test_opened_food_and_excluded_categories() -> None:
    food = order("T1006")  # nuts and tea, delivered 2026-11-28
    verdict = eligibility(food, RequestKind.RETURN, TERMS, at("2026-11-30T10:00:00+08:00"))
    assert (verdict.decision, verdict.rule) == (Decision.ELIGIBLE, "unopened_only")
    assert verdict.skus == ("NUT-001", "TEA-001") and verdict.conditions == ("unused", "unopened")
    nuts_opened = eligibility(
        food,
        RequestKind.RETURN,
        TERMS,
        at("2026-11-30T10:00:00+08:00"),
        opened=True,
        opened_words="坚果拆开吃了一袋",
    )
    assert (nuts_opened.decision, nuts_opened.rule) == (Decision.ELIGIBLE, "partly_opened")
    assert nuts_opened.skus == ("NUT-001",) and nuts_opened.conditions == ("unused", "unopened")
    all_opened = eligibility(food, RequestKind.RETURN, TERMS, at("2026-11-30T10:00:00+08:00"), opened=True)
    assert (all_opened.decision, all_opened.rule, all_opened.skus) == (
        Decision.NOT_ELIGIBLE,
        "opened",
        ("NUT-001", "TEA-001"),
    )
    socks = dataclasses.replace(
        food, items=(dataclasses.replace(food.items[0], sku="SOCK-1", category="服装/袜子/运动袜"),)
    )
    excluded = eligibility(socks, RequestKind.RETURN, TERMS, at("2026-11-29T10:00:00+08:00"))
    assert (excluded.decision, excluded.rule, excluded.skus) == (
        Decision.NOT_ELIGIBLE,
        "excluded_category",
        ("SOCK-1",),
    )


def test_exchanges_once_for_shoes_and_clothes_within_their_window() -> None:
    shoes_and_tee = order("T1002")
    ok = eligibility(shoes_and_tee, RequestKind.EXCHANGE, TERMS, at("2026-12-07T20:00:00+08:00"))
    assert (ok.decision, ok.window_days, ok.conditions) == (Decision.ELIGIBLE, 15, ("in_stock",))
    late = eligibility(shoes_and_tee, RequestKind.EXCHANGE, TERMS, at("2026-12-08T00:00:01+08:00"))
    assert late.rule == "window_passed"
    again = eligibility(
        shoes_and_tee, RequestKind.EXCHANGE, TERMS, at("2026-11-25T10:00:00+08:00"), exchanges_used=1
    )
    assert (again.decision, again.rule) == (Decision.NOT_ELIGIBLE, "exchange_used")
    food = eligibility(order("T1006"), RequestKind.EXCHANGE, TERMS, at("2026-11-29T10:00:00+08:00"))
    assert (food.decision, food.rule, food.skus) == (
        Decision.NOT_ELIGIBLE,
        "exchange_category",
        ("NUT-001", "TEA-001"),
    )


def test_quality_problems_and_the_damage_report_deadline() -> None:
    shoes_and_tee = order("T1002")  # delivered 2026-11-22 11:00 +08:00
    fresh = eligibility(shoes_and_tee, RequestKind.DAMAGED, TERMS, at("2026-11-23T20:00:00+08:00"))
    assert (fresh.decision, fresh.conditions, fresh.window_days) == (Decision.ELIGIBLE, ("photos",), 15)
    reported_late = eligibility(shoes_and_tee, RequestKind.DAMAGED, TERMS, at("2026-11-25T10:00:00+08:00"))
    assert (reported_late.decision, reported_late.rule, reported_late.values["hours"]) == (
        Decision.REVIEW,
        "damage_report_late",
        "48",
    )
    wrong = eligibility(shoes_and_tee, RequestKind.WRONG_ITEM, TERMS, at("2026-12-05T10:00:00+08:00"))
    assert wrong.eligible
    missing_late = eligibility(
        shoes_and_tee, RequestKind.MISSING_ITEM, TERMS, at("2026-12-08T10:00:00+08:00")
    )
    assert missing_late.rule == "window_passed"


@pytest.mark.parametrize(
    "order_id, kind, decision, rule",
    [
        ("T1001", RequestKind.RETURN, Decision.NOT_ELIGIBLE, "not_delivered"),  # shipped, in transit
        ("T1001", RequestKind.MISSING_ITEM, Decision.NOT_ELIGIBLE, "not_delivered"),
        (
            "T1003",
            RequestKind.REFUND,
            Decision.REVIEW,
            "unpaid_refund",
        ),  # paid, not shipped: a person decides
        ("T1003", RequestKind.EXCHANGE, Decision.NOT_ELIGIBLE, "not_delivered"),
        ("T1005", RequestKind.REFUND, Decision.NOT_ELIGIBLE, "cancelled"),
        ("T1007", RequestKind.RETURN, Decision.NOT_ELIGIBLE, "refunded"),
    ],
)
def test_order_states_that_decide_before_any_window(
    order_id: str, kind: RequestKind, decision: Decision, rule: str
) -> None:
    verdict = eligibility(order(order_id), kind, TERMS, at("2026-12-01T10:00:00+08:00"))
    assert (verdict.decision, verdict.rule) == (decision, rule)


def test_categories_come_from_the_catalog_when_the_order_lacks_them_and_rules_need_a_policy() -> None:
    food = order("T1006")
    bare = dataclasses.replace(food, items=tuple(dataclasses.replace(i, category="") for i in food.items))
    lookup = {"NUT-001": "零食/坚果", "TEA-001": "零食/茶饮"}.get
    verdict = eligibility(
        bare, RequestKind.RETURN, TERMS, at("2026-11-29T10:00:00+08:00"), categories=lambda s: lookup(s) or ""
    )
    assert verdict.rule == "unopened_only"
    assert eligibility(food, RequestKind.RETURN, None, at("2026-11-29T10:00:00+08:00")).rule == "no_policy"
    with pytest.raises(ValueError):
        eligibility(food, RequestKind.RETURN, TERMS, datetime(2026, 11, 29))
    assert (
        category_matches("零食/坚果", ("零食",)) == "零食" and category_matches("零食礼盒", ("零食",)) is None
    )


# --- the figures in the policy files


def test_the_sample_figures_agree_with_the_text_customers_read() -> None:
    returns, shipping = BOOK.terms.returns, BOOK.terms.shipping
    assert returns is not None and shipping is not None
    zh, en = BOOK.get("returns", "zh").text, BOOK.get("returns", "en").text  # type: ignore[union-attr]
    assert f"签收之日起 {returns.return_window_days} 天内" in zh
    assert f"within {returns.return_window_days} days of delivery you can return an item for any reason" in en
    assert f"签收后 {returns.exchange_window_days} 天内可换一次" in zh
    assert re.search(rf"exchanged once .* within {returns.exchange_window_days} days of delivery", en)
    assert f"签收后 {returns.quality_window_days} 天内出现质量问题" in zh
    assert f"within {returns.quality_window_days} days of delivery you can return or exchange them" in en
    assert (
        f"{returns.damage_report_hours} 小时内" in zh and f"within {returns.damage_report_hours} hours" in en
    )
    excluded_line = next(line for line in zh.splitlines() if "不支持无理由退货" in line)
    for category in returns.excluded_categories + returns.excluded_when_opened:
        assert category in excluded_line, category
    exchange_line = next(line for line in zh.splitlines() if "**换货**" in line)
    assert all(category in exchange_line for category in returns.exchange_once_categories)
    ship_zh, ship_en = BOOK.get("shipping", "zh").text, BOOK.get("shipping", "en").text  # type: ignore[union-attr]
    cutoff = shipping.dispatch_cutoff.strftime("%H:%M")  # type: ignore[union-attr]
    assert f"{cutoff} 前付款" in ship_zh and f"paid before {cutoff}" in ship_en
    assert f"{shipping.delivery_days_min}–2 天" in ship_zh and f"4–{shipping.delivery_days_max} 天" in ship_zh
    assert f"4–{shipping.delivery_days_max} days" in ship_en


def write_policy(folder: Path, name: str, header: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"---\n{header}\n---\n# 标题\n\n- 正文\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "name, header, message",
    [
        (
            "returns.md",
            "topic: returns\nreturn_window_days: -1\nexchange_window_days: 15\nquality_window_days: 15",
            "return_window_days",
        ),
        ("returns.md", "topic: returns\nreturn_window_days: 7", "exchange_window_days"),
        (
            "returns.md",
            "topic: returns\nreturn_window_days: seven\nexchange_window_days: 1\nquality_window_days: 1",
            "return_window_days",
        ),
        ("shipping.md", "topic: shipping\nreturn_window_days: 7", "belongs in the returns policy"),
        ("shipping.md", "topic: shipping\ndelivery_days_min: 5\ndelivery_days_max: 2", "smaller than"),
        (
            "shipping.md",
            "topic: shipping\ndispatch_cutoff: '25:99'\ndelivery_days_min: 1\ndelivery_days_max: 2",
            "dispatch_cutoff",
        ),
    ],
)
def test_bad_figures_fail_loading_with_the_file_name(
    tmp_path: Path, name: str, header: str, message: str
) -> None:
    folder = write_policy(tmp_path / "policies", name, header)
    with pytest.raises(PolicyError) as caught:
        PolicyBook.load(folder)
    assert name in str(caught.value) and message in str(caught.value)


def test_policies_without_figures_still_load(tmp_path: Path) -> None:
    folder = write_policy(tmp_path / "policies", "returns.md", "topic: returns")
    book = PolicyBook.load(folder)
    assert book.terms.returns is None and book.get("returns") is not None
    terms = ReturnTerms.model_validate(
        {
            "return_window_days": 3,
            "exchange_window_days": 3,
            "quality_window_days": 3,
            "excluded_categories": "零食, 服装/内衣",
        }
    )
    assert terms.excluded_categories == ("零食", "服装/内衣")
    assert datetime(2026, 1, 1, tzinfo=UTC) < window_end(datetime(2026, 1, 1, tzinfo=UTC), 0)


# --- the bundled demo orders at the evaluation set's clock (tests/data/README.md: 2026-11-30T12:00:00+08:00)

EVAL_NOW = datetime.fromisoformat("2026-11-30T12:00:00+08:00")


@pytest.fixture(scope="module")
def demo_orders() -> dict[str, Order]:
    load = load_orders(SAMPLE_ORDERS, row_context())
    assert not load.errors
    return {o.order_id: o for o in load.orders}


@pytest.mark.parametrize(
    "order_id, kind, opened, decision, rule",
    [
        # running shoes delivered 11-07: past the 7-day and the 15-day windows
        ("XE20261104004", RequestKind.RETURN, None, Decision.NOT_ELIGIBLE, "window_passed"),
        ("XE20261104004", RequestKind.DAMAGED, None, Decision.NOT_ELIGIBLE, "window_passed"),
        # air fryer delivered 11-27: a no-reason return if unused
        ("XE20261124006", RequestKind.RETURN, None, Decision.ELIGIBLE, "window"),
        # nuts and tea the customer opened: not returnable without a reason
        ("XE20261125007", RequestKind.RETURN, True, Decision.NOT_ELIGIBLE, "opened"),
        ("XE20261125007", RequestKind.RETURN, None, Decision.ELIGIBLE, "unopened_only"),
        # wok delivered 11-29 17:48, dented: within 48 hours
        ("XE20261127008", RequestKind.DAMAGED, None, Decision.ELIGIBLE, "window"),
        # T-shirts delivered 11-22: one exchange within 15 days
        ("XE20261119017", RequestKind.EXCHANGE, None, Decision.ELIGIBLE, "window"),
        # watch delivered 10-22: past the 15-day quality window (the warranty is a person's call)
        ("XE20261020016", RequestKind.DAMAGED, None, Decision.NOT_ELIGIBLE, "window_passed"),
        # still in transit
        ("XE20261127001", RequestKind.RETURN, None, Decision.NOT_ELIGIBLE, "not_delivered"),
    ],
)
def test_the_demo_orders_get_the_verdicts_the_evaluation_set_expects(
    demo_orders: dict[str, Order],
    order_id: str,
    kind: RequestKind,
    opened: bool | None,
    decision: Decision,
    rule: str,
) -> None:
    verdict = eligibility(demo_orders[order_id], kind, TERMS, EVAL_NOW, opened=opened)
    assert (verdict.decision, verdict.rule) == (decision, rule)


# --- cancellation and per-province delivery windows


def test_an_order_can_be_cancelled_only_before_it_ships() -> None:
    now = at("2026-11-30T12:00:00+08:00")
    paid, pending, shipped = order("T1003"), order("T1004"), order("T1001")
    assert eligibility(paid, RequestKind.CANCEL, TERMS, now).rule == "before_shipment"
    assert eligibility(pending, RequestKind.CANCEL, TERMS, now).decision is Decision.ELIGIBLE
    late = eligibility(shipped, RequestKind.CANCEL, TERMS, now)
    assert (late.decision, late.rule, late.window_days) == (Decision.NOT_ELIGIBLE, "already_shipped", 7)
    assert eligibility(order("T1005"), RequestKind.CANCEL, TERMS, now).rule == "cancelled"
    assert eligibility(order("T1007"), RequestKind.CANCEL, TERMS, now).rule == "refunded"
    assert TERMS is not None
    silent = TERMS.model_copy(update={"cancellable_statuses": ()})
    assert eligibility(paid, RequestKind.CANCEL, silent, now).decision is Decision.REVIEW  # a person decides
    zh = BOOK.get("returns", "zh").text  # type: ignore[union-attr]
    assert "**取消订单**：还没发货的订单可以申请撤单" in zh  # the text says what the figures say


def test_the_delivery_window_is_the_provinces_region_when_the_policy_gives_one() -> None:
    shipping = BOOK.terms.shipping
    assert shipping is not None
    assert shipping.window("浙江省")[:2] == (1, 2) and shipping.window("Shanghai")[:2] == (1, 2)
    assert shipping.window("新疆维吾尔自治区")[:2] == (4, 7) and shipping.window("Inner Mongolia")[:2] == (
        4,
        7,
    )
    assert shipping.window("四川")[:2] == (2, 4)  # "*": every other province
    assert shipping.window("")[:2] == (shipping.delivery_days_min, shipping.delivery_days_max)  # unknown
    ship_zh = BOOK.get("shipping", "zh").text  # type: ignore[union-attr]
    for region in shipping.delivery_regions:  # the text customers read states each window
        assert f"{region.days_min}–{region.days_max} 天" in ship_zh, region.name


def test_a_region_window_must_be_ordered(tmp_path: Path) -> None:
    header = (
        "topic: shipping\ndelivery_days_min: 1\ndelivery_days_max: 7\n"
        "delivery_regions:\n  - {name: 江浙沪, provinces: [浙江], days_min: 3, days_max: 2}"
    )
    write_policy(tmp_path, "shipping.md", header)
    with pytest.raises(PolicyError, match="days_max is smaller"):
        PolicyBook.load(tmp_path).terms  # noqa: B018
