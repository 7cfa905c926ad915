"""One row of an orders file → an `Order`, or the reason it is rejected (`RowProblem`).

The canonical columns (fixed interface): `order_id,placed_at,status,items,total,currency,carrier,
tracking_number,shipped_at,delivered_at,phone,email,city`. Optional extras: `paid_at`, `province` (picks
the shipping policy's delivery window), `shipping_fee`, `discount` (total = items + shipping_fee − discount;
both default to 0), `cancelled_at`, `refunded_at`, and `note` (the customer's or merchant's free-text note,
up to `NOTE_MAX` characters: agents see it fenced on the after-sales card; customers and models never do).

- times are ISO 8601 with a UTC offset (`2026-11-27T10:12:08+08:00`); a time without one is read in the
  `--tz` zone when given, else rejected;
- `items` is `SKU*qty` separated by `;`; the unit price is the catalog's price for the SKU, or given
  explicitly as `SKU*qty@price` (for SKUs no longer in the catalog or prices that changed);
- `carrier` is a code from the carriers file (a carrier's name is accepted too and stored as its code).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from bot.orders.carriers import CarrierBook
from bot.orders.contact import CustomerContact, is_valid_email, is_valid_phone, normalise_text
from bot.orders.order import Order, OrderItem, OrderStatus, clean_note, normalise_order_number
from knowledge.models import Product

CANONICAL_COLUMNS = (
    "order_id",
    "placed_at",
    "status",
    "items",
    "total",
    "currency",
    "carrier",
    "tracking_number",
    "shipped_at",
    "delivered_at",
    "phone",
    "email",
    "city",
)
OPTIONAL_COLUMNS = (
    "paid_at",
    "province",
    "shipping_fee",
    "discount",
    "cancelled_at",
    "refunded_at",
    "note",
)

REQUIRED_COLUMNS = ("order_id", "placed_at", "status", "items", "total", "currency")
KNOWN_COLUMNS = frozenset(CANONICAL_COLUMNS + OPTIONAL_COLUMNS)

CatalogLookup = Callable[[str], Product | None]

_ORDER_ID = re.compile(r"^[A-Z0-9_-]{1,64}$")
_TRACKING = re.compile(r"^[A-Za-z0-9-]{4,64}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ITEM = re.compile(r"^(?P<sku>[^*@]+?)\s*\*\s*(?P<qty>\d+)\s*(?:@\s*(?P<price>[0-9.]+))?$")
_STATUSES = ", ".join(status.value for status in OrderStatus)


class RowProblem(ValueError):
    """Why a row is rejected (the message becomes `line N: <message>`)."""


@dataclass(frozen=True)
class RowContext:
    """What every row is checked against: the catalog (for prices and titles), the carriers, the --tz zone."""

    catalog: CatalogLookup
    carriers: CarrierBook
    default_tz: tzinfo | None = None


def _time(
    fields: Mapping[str, str], name: str, context: RowContext, required: bool = False
) -> datetime | None:
    text = normalise_text(fields.get(name, ""))
    if not text:
        if required:
            raise RowProblem(f"missing {name}")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowProblem(f"bad time {name} {text!r} (use ISO 8601, e.g. 2026-11-27T10:12:08+08:00)") from None
    if moment.tzinfo is None:
        if context.default_tz is None:
            raise RowProblem(f"{name} {text!r} has no UTC offset (add +08:00, or import with --tz)")
        moment = moment.replace(tzinfo=context.default_tz)
    return moment


def _money(fields: Mapping[str, str], name: str, required: bool = False) -> Decimal:
    text = normalise_text(fields.get(name, "")).replace(",", "")
    if not text:
        if required:
            raise RowProblem(f"missing {name}")
        return Decimal("0")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowProblem(f"bad {name} {text!r} (a number such as 199.00)") from None
    if not value.is_finite() or value < 0:
        raise RowProblem(f"bad {name} {text!r} (must be zero or more)")
    return value


def _items(text: str, currency: str, context: RowContext) -> tuple[OrderItem, ...]:
    parts = [part.strip() for part in normalise_text(text).split(";") if part.strip()]
    if not parts:
        raise RowProblem("no items (write SKU*qty;SKU*qty)")
    items: list[OrderItem] = []
    seen: set[str] = set()
    for part in parts:
        match = _ITEM.match(part)
        if not match:
            raise RowProblem(f"bad item {part!r} (write SKU*qty, e.g. RUN-001*2)")
        sku, quantity = match["sku"].strip(), int(match["qty"])
        if quantity <= 0:
            raise RowProblem(f"bad item {part!r}: quantity must be at least 1")
        if sku in seen:
            raise RowProblem(f"item {sku!r} is listed twice")
        seen.add(sku)
        product = context.catalog(sku)
        if match["price"] is not None:
            try:
                price = Decimal(match["price"])
            except InvalidOperation:
                raise RowProblem(f"bad item price in {part!r}") from None
        elif product is None:
            raise RowProblem(
                f"unknown SKU {sku!r} (not in the catalog; ingest it, or write {sku}*{quantity}@price)"
            )
        elif product.price is None:
            raise RowProblem(f"SKU {sku!r} has no price in the catalog (write {sku}*{quantity}@price)")
        else:
            if product.currency.upper() != currency:
                raise RowProblem(
                    f"SKU {sku!r} is priced in {product.currency.upper()} but the order is in {currency}"
                )
            price = product.price
        items.append(
            OrderItem(
                sku=sku,
                quantity=quantity,
                unit_price=price,
                title=product.title if product else "",
                category=product.category if product else "",
            )
        )
    return tuple(items)


def _check_total(order: Order) -> None:
    if order.total == order.expected_total:
        return
    lines = " + ".join(f"{i.quantity} × {i.sku} at {i.unit_price}" for i in order.items)
    extras = ""
    if order.shipping_fee:
        extras += f" + shipping {order.shipping_fee}"
    if order.discount:
        extras += f" − discount {order.discount}"
    raise RowProblem(
        f"total {order.total} does not match the items: {lines}{extras} = {order.expected_total} {order.currency}"
    )


def _check_timeline(order: Order) -> None:
    status = order.status
    if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) and order.shipped_at is None:
        raise RowProblem(f"status {status.value} needs shipped_at")
    if status is OrderStatus.DELIVERED and order.delivered_at is None:
        raise RowProblem("status delivered needs delivered_at")
    if status in (OrderStatus.PENDING, OrderStatus.PAID) and (order.shipped_at or order.delivered_at):
        raise RowProblem(f"status {status.value} but the order has shipped_at/delivered_at")
    steps = [("placed_at", order.placed_at), ("paid_at", order.paid_at)]
    steps += [("shipped_at", order.shipped_at), ("delivered_at", order.delivered_at)]
    known = [(name, moment) for name, moment in steps if moment is not None]
    for (before, earlier), (after, later) in pairwise(known):
        if later < earlier:
            raise RowProblem(f"{after} is before {before}")


def order_from_fields(fields: Mapping[str, str], context: RowContext) -> Order:
    """Validate one row (column name → text) and build the `Order`; raises RowProblem with the first reason."""
    raw_id = normalise_text(fields.get("order_id", ""))
    key = normalise_order_number(raw_id)
    if not key:
        raise RowProblem("missing order_id")
    if not _ORDER_ID.match(key):
        raise RowProblem(f"bad order_id {raw_id!r} (letters, digits, - and _ only)")
    status_text = normalise_text(fields.get("status", "")).lower()
    try:
        status = OrderStatus(status_text)
    except ValueError:
        raise RowProblem(f"unknown status {status_text!r} (one of {_STATUSES})") from None
    currency = normalise_text(fields.get("currency", "")).upper()
    if not _CURRENCY.match(currency):
        raise RowProblem(f"bad currency {currency!r} (a 3-letter code such as CNY)")
    placed_at = _time(fields, "placed_at", context, required=True)
    assert placed_at is not None
    carrier_text = normalise_text(fields.get("carrier", ""))
    carrier = context.carriers.resolve(carrier_text) if carrier_text else None
    if carrier_text and carrier is None:
        raise RowProblem(f"unknown carrier {carrier_text!r} (one of {', '.join(context.carriers.codes())})")
    tracking = normalise_text(fields.get("tracking_number", ""))
    if tracking and not _TRACKING.match(tracking):
        raise RowProblem(f"bad tracking_number {tracking!r} (letters, digits and - only)")
    phone = normalise_text(fields.get("phone", ""))
    email = normalise_text(fields.get("email", ""))
    if not phone and not email:
        raise RowProblem("missing both phone and email (one is needed to verify the customer)")
    if phone and not is_valid_phone(phone):
        raise RowProblem("bad phone (at least 7 digits)")
    if email and not is_valid_email(email):
        raise RowProblem("bad email")
    order = Order(
        order_id=key,
        status=status,
        placed_at=placed_at,
        items=_items(fields.get("items", ""), currency, context),
        total=_money(fields, "total", required=True),
        currency=currency,
        contact=CustomerContact(phone=phone, email=email),
        carrier=carrier.code if carrier else "",
        tracking_number=tracking,
        paid_at=_time(fields, "paid_at", context),
        shipped_at=_time(fields, "shipped_at", context),
        delivered_at=_time(fields, "delivered_at", context),
        city=normalise_text(fields.get("city", ""))[:128],
        province=normalise_text(fields.get("province", ""))[:128],
        shipping_fee=_money(fields, "shipping_fee"),
        discount=_money(fields, "discount"),
        cancelled_at=_time(fields, "cancelled_at", context),
        refunded_at=_time(fields, "refunded_at", context),
        note=clean_note(fields.get("note", "")),
    )
    _check_total(order)
    _check_timeline(order)
    return order
