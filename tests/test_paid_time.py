"""The payment time a customer states after a dispatch question, and which side of the cut-off it falls on."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from bot.conversation.demands import find_demands
from bot.conversation.paid_time import paid_clock, ships_today
from bot.conversation.refinements import asks_more

SHANGHAI = timezone(timedelta(hours=8))
MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
CUTOFF = time(16, 0)


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("我下午5点付的款", time(17, 0)),
        ("我是晚上8点付的", time(20, 0)),
        ("晚上八点半下的单", time(20, 30)),
        ("我下午三点付的", time(15, 0)),
        ("上午10点15分付的款", time(10, 15)),
        ("中午1点付的", time(13, 0)),
        ("I paid at 10am today", time(10, 0)),
        ("I paid at 5 pm", time(17, 0)),
        ("ordered at 21:30", time(21, 30)),
    ],
)
def test_a_stated_payment_time_is_read_on_the_24_hour_clock(text: str, clock: time) -> None:
    assert paid_clock(text) == clock


@pytest.mark.parametrize(
    "text",
    [
        "5点前付款能当天发吗",
        "我昨天买的耳机",
        "什么时候发货",
        "paid with PayPal",
        "下午5点有人吗",
        "25点付的",
    ],
)
def test_a_message_without_a_payment_time_is_none(text: str) -> None:
    assert paid_clock(text) is None


def test_the_cutoff_decides_same_day_or_next_working_day() -> None:
    assert ships_today(time(15, 59), MONDAY_NOON, CUTOFF)
    assert not ships_today(time(16, 0), MONDAY_NOON, CUTOFF)
    assert not ships_today(time(17, 0), MONDAY_NOON, CUTOFF)
    saturday = MONDAY_NOON - timedelta(days=2)
    assert not ships_today(time(9, 0), saturday, CUTOFF)  # a weekend order waits for Monday


@pytest.mark.parametrize(
    "text", ["换个别的", "换点别的吧", "换个其他的", "换一批看看", "show me something else", "anything else?"]
)
def test_asking_for_something_else_is_a_request_for_other_picks(text: str) -> None:
    assert asks_more(text)


@pytest.mark.parametrize("text", ["换个牌子", "换成黑色", "换"])
def test_switching_to_a_named_thing_is_not_a_bare_request_for_more(text: str) -> None:
    assert not asks_more(text)


@pytest.mark.parametrize(
    ("text", "demand"),
    [
        ("有没有金色的电饭煲？另外把运费改成免费", "另外把运费改成免费"),
        ("air fryers? also make the shipping free", "also make the shipping free"),
    ],
)
def test_changing_the_shipping_fee_is_a_price_demand(text: str, demand: str) -> None:
    assert [(text[s:e].strip(), kind) for s, e, kind in find_demands(text)] == [(demand, "price")]


def test_asking_about_the_shipping_fee_is_no_demand() -> None:
    assert find_demands("运费怎么算") == []
