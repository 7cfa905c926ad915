"""What a verified customer may see (`OrderView`), the facts a reply may state, and the carriers file."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.orders.carriers import CARRIERS_FILE, CarrierBook, CarrierFileError, default_carriers
from bot.orders.contact import CustomerContact
from bot.orders.eligibility import RequestKind, eligibility
from bot.orders.order import OrderStatus
from bot.orders.view import OrderFacts, money_text, order_facts, status_view
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook
from tests.support.order_fixtures import NOW, fixture_orders, order

TERMS = PolicyBook.load(SAMPLE_POLICIES_DIR).terms


def test_the_view_shows_status_items_dates_and_tracking_never_contact_or_place() -> None:
    shipped = order("T1001")
    view = status_view(shipped, TERMS.shipping, NOW)
    assert view.status is OrderStatus.SHIPPED and view.carrier_name("zh") == "顺丰速运"
    assert view.carrier_name("en") == "SF Express"
    assert view.tracking_url == "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1458827361904"
    assert [(i.title, i.quantity, i.unit_price) for i in view.items] == [
        ("Apple AirPods Pro 2 (USB-C)", 1, Decimal("1899.00"))
    ]
    # shipped 2026-11-27; the policy says 1–7 days
    assert (view.expected_from, view.expected_by, view.delayed) == (
        date(2026, 11, 28),
        date(2026, 12, 4),
        False,
    )
    fields = {f.name for f in dataclasses.fields(view)}
    assert not fields & {"contact", "phone", "email", "city", "province", "address"}
    rendered = repr(view)
    for private in ("13800001234", "1234", "li.na", "成都"):
        assert private not in rendered


def test_a_parcel_later_than_the_policy_says_is_delayed_and_paid_orders_carry_the_cutoff() -> None:
    shipped = order("T1001")
    late = status_view(shipped, TERMS.shipping, datetime.fromisoformat("2026-12-05T09:00:00+08:00"))
    assert late.delayed
    on_time = status_view(shipped, TERMS.shipping, datetime.fromisoformat("2026-12-04T23:00:00+08:00"))
    assert not on_time.delayed
    delivered = status_view(
        order("T1002"), TERMS.shipping, datetime.fromisoformat("2027-01-01T00:00:00+08:00")
    )
    assert not delivered.delayed
    paid = status_view(order("T1003"), TERMS.shipping, NOW)
    assert (paid.has_tracking, paid.tracking_url, paid.dispatch_cutoff, paid.expected_by) == (
        False,
        "",
        "16:00",
        None,
    )
    no_policy = status_view(shipped, None, NOW)
    assert no_policy.expected_by is None and not no_policy.delayed
    with pytest.raises(ValueError):
        status_view(shipped, None, datetime(2026, 12, 1))


def test_titles_fall_back_to_the_catalog_then_the_sku_and_platform_links_win() -> None:
    bare = dataclasses.replace(
        order("T1008"),
        items=tuple(dataclasses.replace(i, title="") for i in order("T1008").items),
        tracking_url="https://www.ups.com/track?tracknum=OWN",
    )
    view = status_view(bare, TERMS.shipping, NOW, titles={"EAR-017": "Soundcore A20i"}.get)  # type: ignore[arg-type]
    assert [i.title for i in view.items] == ["Soundcore A20i", "SUN-008"]
    assert view.tracking_url == "https://www.ups.com/track?tracknum=OWN"


def test_facts_are_exactly_what_the_verified_order_says() -> None:
    view = status_view(order("T1002"), TERMS.shipping, NOW)
    verdict = eligibility(order("T1002"), RequestKind.RETURN, TERMS.returns, NOW)
    facts = order_facts(view, [verdict])
    assert facts.order_numbers == {"T1002"} and facts.statuses == {OrderStatus.DELIVERED}
    assert facts.amounts == {Decimal("1057.00"), Decimal("899.00"), Decimal("79.00"), Decimal("158.00")}
    assert facts.quantities == {1, 2} and facts.currencies == {"CNY"}
    assert facts.tracking_numbers == {"78531206458891"}
    assert facts.urls == {"https://www.zto.com/express/expressCheck.html?txtBill=78531206458891"}
    assert date(2026, 11, 20) in facts.dates and date(2026, 11, 22) in facts.dates
    assert date(2026, 11, 29) in facts.dates  # the return deadline (7 days after delivery)
    assert {1, 7} <= facts.day_counts and facts.carriers == {"中通快递", "ZTO Express"}
    union = facts | order_facts(status_view(order("T1001"), TERMS.shipping, NOW))
    assert union.order_numbers == {"T1001", "T1002"} and OrderFacts() | facts == facts


def test_money_is_shown_exactly() -> None:
    assert money_text(Decimal("52.97"), "USD") == "$52.97"
    assert money_text(Decimal("1899"), "CNY") == "¥1899.00"
    assert money_text(Decimal("9.5"), "CHF") == "9.50 CHF"


def test_contacts_never_render_unmasked() -> None:
    contact = CustomerContact(phone="+86 138 0000 1234", email="Li.Na＠Example.com")
    assert contact.masked_phone == "*******1234" and contact.masked_email == "l***@example.com"
    for rendering in (repr(contact), str(contact), repr(order("T1001")), str([order("T1001")])):
        assert "13800001234" not in rendering and "li.na" not in rendering
    assert contact.matches_email("LI.NA@EXAMPLE.COM") and not contact.matches_email("li.na@example.co")
    assert contact.matches_last_digits("１２３４") and not contact.matches_last_digits("01234")
    assert contact.matches_phone("008613800001234") and not contact.matches_phone("13800001235")
    assert not CustomerContact(email="x@example.com").matches_last_digits("0000")


def test_every_order_status_has_an_order_in_the_fixtures() -> None:
    assert {o.status for o in fixture_orders()} == set(OrderStatus)


def test_the_carriers_file_has_every_required_carrier_with_a_template() -> None:
    book = default_carriers()
    assert book.codes() == ["sf", "zto", "yto", "yunda", "sto", "jd", "ems", "ups", "fedex", "dhl", "usps"]
    for code in book.codes():
        carrier = book.get(code)
        assert carrier is not None and carrier.name_zh and carrier.name_en
        link = carrier.tracking_link("AB 12/34?x=1")
        assert link.startswith("https://") and "AB%2012%2F34%3Fx%3D1" in link  # the number cannot inject
    assert book.resolve("顺丰").code == "sf" and book.resolve("S.F. Express").code == "sf"  # type: ignore[union-attr]
    assert book.resolve("中国邮政").code == "ems" and book.resolve("Aramex") is None  # type: ignore[union-attr]
    assert book.get("ups").tracking_link("") == ""  # type: ignore[union-attr]
    assert "landing" in CARRIERS_FILE.read_text(encoding="utf-8")  # the file says which links are unconfirmed


@pytest.mark.parametrize(
    "body, message",
    [
        ("carriers: []", "non-empty"),
        (
            "carriers:\n  - {code: sf, name_zh: 顺丰, name_en: SF, tracking_url: 'http://x/{number}'}",
            "https://",
        ),
        ("carriers:\n  - {code: sf, name_zh: 顺丰, name_en: SF, tracking_url: 'https://x/'}", "{number}"),
        (
            "carriers:\n  - {code: sf, name_zh: 顺丰, name_en: SF, tracking_url: 'https://x/{number}'}\n"
            "  - {code: sf, name_zh: 顺丰2, name_en: SF2, tracking_url: 'https://y/{number}'}",
            "appears twice",
        ),
        (
            "carriers:\n  - {code: sf, name_zh: 顺丰, name_en: SF, tracking_url: 'https://x/{number}', colour: red}",
            "colour",
        ),
    ],
)
def test_a_bad_carriers_file_fails_with_its_name(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "carriers.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CarrierFileError) as caught:
        CarrierBook.load(path)
    assert "carriers.yaml" in str(caught.value) and message in str(caught.value)


def test_a_paid_order_ships_on_the_policys_day_and_is_late_after_it() -> None:
    from datetime import time

    from bot.ops.settings import DEFAULT_PROMPTS_DIR
    from bot.orders.replies import status_text
    from bot.orders.view import ship_day
    from bot.prompts import load_messages

    cutoff = time(16, 0)
    at = datetime.fromisoformat
    assert ship_day(at("2026-11-30T09:26:41+08:00"), cutoff) == date(2026, 11, 30)  # Monday, before 16:00
    assert ship_day(at("2026-11-30T16:00:00+08:00"), cutoff) == date(2026, 12, 1)  # at the cut-off: next day
    assert ship_day(at("2026-11-27T17:00:00+08:00"), cutoff) == date(2026, 11, 30)  # Friday evening: Monday
    assert ship_day(at("2026-11-28T10:00:00+08:00"), cutoff) == date(2026, 11, 30)  # Saturday: Monday
    paid = order("T1003")  # paid Monday 2026-11-30 09:26
    today = status_view(paid, TERMS.shipping, at("2026-11-30T15:00:00+08:00"))
    assert (today.dispatch_by, today.dispatch_late) == (date(2026, 11, 30), False)
    late = status_view(paid, TERMS.shipping, at("2026-12-01T05:35:00+08:00"))
    assert (late.dispatch_by, late.dispatch_late) == (date(2026, 11, 30), True)
    assert date(2026, 11, 30) in order_facts(late).dates  # the truth guard lets the reply name the day
    messages = load_messages(DEFAULT_PROMPTS_DIR)
    assert "应在 2026-11-30 发货" in status_text(messages, late, "zh") and "/human" in status_text(
        messages, late, "zh"
    )
    assert "ships on 2026-11-30" in status_text(messages, today, "en")
