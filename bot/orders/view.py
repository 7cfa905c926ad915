"""What a verified customer may see of an order (`OrderView`), and the facts a reply may state (`OrderFacts`).

`OrderView` is the only order value the conversation layer receives: status, items (titles from the catalog),
dates, money, carrier and tracking link, and the shipping policy's delivery expectation — never the address,
city, phone or e-mail. `order_facts(view)` lists every checkable fact in it (statuses, dates, amounts, tracking
numbers, URLs …) so the truth guard can allow exactly those and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.orders.carriers import CarrierBook, default_carriers
from bot.orders.eligibility import Verdict
from bot.orders.notes import customer_title
from bot.orders.order import Order, OrderStatus
from knowledge.models import CURRENCY_SYMBOLS
from knowledge.policy_terms import ShippingTerms, ship_day

TitleLookup = Callable[[str], str]  # SKU → product title ("" when unknown)


def money_text(amount: Decimal, currency: str) -> str:
    """ "¥1899.00" / "$52.97" / "52.97 CHF": two decimals, the currency's symbol when one is known."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount:.2f}" if symbol else f"{amount:.2f} {currency}"


@dataclass(frozen=True)
class ViewItem:
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class OrderView:
    """A verified order as a reply may show it. Times keep the shop's UTC offset; money is in `currency`.

    `delivery_days_min`/`max` are the shipping policy's window for this order: its province's region
    (`region_zh`/`region_en` name it) when the policy gives per-region windows and the order has a province,
    else the general window (None without a shipping policy). `expected_from`/`expected_by` are the delivery
    dates it promises for a shipped parcel (shipped date + that window); `delayed` is True once `now` is past
    `expected_by` and the parcel is still not delivered — the honest "later than we said" case.
    `dispatch_by` is the day a paid order ships under the policy's cut-off (paid before it on a weekday: that
    day, else the next weekday; holidays are not known) and `dispatch_late` says it has not shipped by then.
    """

    order_id: str
    status: OrderStatus
    placed_at: datetime
    items: tuple[ViewItem, ...]
    total: Decimal
    currency: str
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    carrier_code: str = ""
    carrier_name_zh: str = ""
    carrier_name_en: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    shipping_fee: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    expected_from: date | None = None
    expected_by: date | None = None
    delayed: bool = False
    dispatch_cutoff: str = ""  # "16:00" from the shipping policy, for "paid, ships today before 16:00"
    dispatch_by: date | None = (
        None  # a paid order's ship day under that rule (weekends skipped, not holidays)
    )
    dispatch_late: bool = False  # paid, not shipped, and `now` is past `dispatch_by`
    delivery_days_min: int | None = None
    delivery_days_max: int | None = None
    region_zh: str = ""
    region_en: str = ""
    cancelled_at: datetime | None = None
    refunded_at: datetime | None = None

    @property
    def has_tracking(self) -> bool:
        return bool(self.tracking_number)

    def carrier_name(self, lang: str = "zh") -> str:
        return self.carrier_name_en if lang == "en" else self.carrier_name_zh

    def region(self, lang: str = "zh") -> str:
        return self.region_en if lang == "en" else self.region_zh


def status_view(
    order: Order,
    shipping: ShippingTerms | None,
    now: datetime,
    *,
    carriers: CarrierBook | None = None,
    titles: TitleLookup | None = None,
) -> OrderView:
    """The customer-safe view of `order` at `now` (aware), with delivery expectations from `shipping`.

    Item titles: the catalog's (`titles(sku)`), else the order's own when it is a plain product name, else
    the SKU (`bot.orders.notes.customer_title`: a platform's title may carry an injection). The tracking link: the
    platform's own URL when it gave one, else the carrier's template from the carriers file.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    carrier = (carriers or default_carriers()).get(order.carrier) if order.carrier else None
    items = tuple(
        ViewItem(
            sku=item.sku,
            title=customer_title(item.title, titles(item.sku) if titles else "", item.sku),
            quantity=item.quantity,
            unit_price=item.unit_price,
            line_total=item.line_total,
        )
        for item in order.items
    )
    expected_from = expected_by = None
    delayed = False
    days_min = days_max = None
    region = None
    if shipping is not None:
        days_min, days_max, region = shipping.window(order.province)
    if days_min is not None and days_max is not None and order.shipped_at is not None:
        shipped_day = order.shipped_at.date()
        expected_from = shipped_day + timedelta(days=days_min)
        expected_by = shipped_day + timedelta(days=days_max)
        in_transit = order.status is OrderStatus.SHIPPED and order.delivered_at is None
        delayed = in_transit and now.astimezone(order.shipped_at.tzinfo).date() > expected_by
    dispatch_by, dispatch_late = None, False
    paid_at = order.paid_at or order.placed_at
    if order.status is OrderStatus.PAID and shipping is not None and shipping.dispatch_cutoff and paid_at:
        dispatch_by = ship_day(paid_at, shipping.dispatch_cutoff)
        dispatch_late = now.astimezone(paid_at.tzinfo).date() > dispatch_by
    tracking_url = order.tracking_url or (
        carrier.tracking_link(order.tracking_number) if carrier and order.tracking_number else ""
    )
    return OrderView(
        order_id=order.order_id,
        status=order.status,
        placed_at=order.placed_at,
        items=items,
        total=order.total,
        currency=order.currency,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        carrier_code=carrier.code if carrier else "",
        carrier_name_zh=carrier.name_zh if carrier else order.carrier_name,
        carrier_name_en=carrier.name_en if carrier else order.carrier_name,
        tracking_number=order.tracking_number,
        tracking_url=tracking_url,
        shipping_fee=order.shipping_fee,
        discount=order.discount,
        expected_from=expected_from,
        expected_by=expected_by,
        delayed=delayed,
        dispatch_cutoff=shipping.dispatch_cutoff.strftime("%H:%M")
        if shipping and shipping.dispatch_cutoff
        else "",
        dispatch_by=dispatch_by,
        dispatch_late=dispatch_late,
        delivery_days_min=days_min,
        delivery_days_max=days_max,
        region_zh=region.label("zh") if region else "",
        region_en=region.label("en") if region else "",
        cancelled_at=order.cancelled_at,
        refunded_at=order.refunded_at,
    )


@dataclass(frozen=True)
class OrderFacts:
    """Every checkable fact about verified orders that a reply may state; anything else is not allowed."""

    order_numbers: frozenset[str] = frozenset()
    statuses: frozenset[OrderStatus] = frozenset()
    dates: frozenset[date] = frozenset()
    amounts: frozenset[Decimal] = frozenset()
    currencies: frozenset[str] = frozenset()
    quantities: frozenset[int] = frozenset()
    day_counts: frozenset[int] = frozenset()
    tracking_numbers: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()
    carriers: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()

    def __or__(self, other: OrderFacts) -> OrderFacts:
        return OrderFacts(
            **{name: getattr(self, name) | getattr(other, name) for name in self.__dataclass_fields__}
        )


def order_facts(view: OrderView, verdicts: Iterable[Verdict] = ()) -> OrderFacts:
    """The facts of one verified order (and of eligibility verdicts about it, whose deadlines and window
    lengths a reply may quote)."""
    moments = (
        view.placed_at,
        view.paid_at,
        view.shipped_at,
        view.delivered_at,
        view.cancelled_at,
        view.refunded_at,
    )
    dates = {moment.date() for moment in moments if moment is not None}
    dates |= {day for day in (view.expected_from, view.expected_by, view.dispatch_by) if day is not None}
    amounts = (
        {view.total} | {item.unit_price for item in view.items} | {item.line_total for item in view.items}
    )
    amounts |= {value for value in (view.shipping_fee, view.discount) if value}
    day_counts = {n for n in (view.delivery_days_min, view.delivery_days_max) if n is not None}
    for verdict in verdicts:
        if verdict.deadline is not None:
            dates.add(verdict.deadline.date())
        if verdict.window_days is not None:
            day_counts.add(verdict.window_days)
    carriers = {name for name in (view.carrier_name_zh, view.carrier_name_en) if name}
    return OrderFacts(
        order_numbers=frozenset({view.order_id}),
        statuses=frozenset({view.status}),
        dates=frozenset(dates),
        amounts=frozenset(amounts),
        currencies=frozenset({view.currency}),
        quantities=frozenset(item.quantity for item in view.items),
        day_counts=frozenset(day_counts),
        tracking_numbers=frozenset({view.tracking_number} if view.tracking_number else ()),
        urls=frozenset({view.tracking_url} if view.tracking_url else ()),
        carriers=frozenset(carriers),
        skus=frozenset(item.sku for item in view.items),
    )
