"""An order as Xiaoer knows it: status, items with unit prices, money, carrier and tracking, aware timestamps.

Plain frozen values, whatever the source (the local store filled by `xiaoer orders import`, Shopify, …).
Money is `Decimal` in the order's currency; every timestamp is timezone-aware (the offset the shop recorded
is kept, so dates read as the shop wrote them). The customer's contact is a `CustomerContact`, which never
renders unmasked, so an `Order` is safe in logs and reprs.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from bot.orders.contact import CustomerContact

_SPACES = re.compile(r"\s+")


class OrderStatus(StrEnum):
    """Where an order is in its life (the canonical CSV's `status` column uses these values)."""

    PENDING = "pending"  # placed, not paid yet
    PAID = "paid"  # paid, waiting to be shipped
    SHIPPED = "shipped"  # handed to the carrier
    DELIVERED = "delivered"  # signed for
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


def normalise_order_number(text: str) -> str:
    """The lookup key of an order number: NFKC, no whitespace, no leading '#', upper case.

    "＃xe2026 1127001" → "XE20261127001". Every source compares numbers in this form, so a customer may type
    the number with or without '#', in full-width characters or with spaces.
    """
    cleaned = _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
    return cleaned.lstrip("#").upper()


NOTE_MAX = 1000  # characters of an order's note that are kept


def clean_note(text: str) -> str:
    """An order's note as stored: NFC (full-width punctuation kept as the customer typed it), control and
    format characters (zero-width, bidi) dropped, at most NOTE_MAX characters. Never rejected: a note is
    someone's words, whatever they say (checks for instructions read its NFKC form)."""
    normal = unicodedata.normalize("NFC", text or "")
    kept = "".join(ch for ch in normal if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return kept.strip()[:NOTE_MAX]


@dataclass(frozen=True)
class OrderItem:
    """One line of an order: `quantity` × `sku` at `unit_price` (in the order's currency)."""

    sku: str
    quantity: int
    unit_price: Decimal
    title: str = ""  # the product title when the order was recorded (catalog or platform)
    category: str = ""  # catalog category path, e.g. "零食/坚果" (after-sales rules use it)

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Order:
    """One order. `order_id` is the number as the shop shows it; `key` is its normalised lookup form."""

    order_id: str
    status: OrderStatus
    placed_at: datetime
    items: tuple[OrderItem, ...]
    total: Decimal
    currency: str
    contact: CustomerContact
    carrier: str = ""  # a code from the carriers file ("sf", "ups" …), "" when unknown or not shipped
    tracking_number: str = ""
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    city: str = ""
    province: str = ""
    carrier_name: str = ""  # the platform's own carrier name when it is not one of our codes
    tracking_url: str = ""  # the platform's own tracking link, when it gives one
    shipping_fee: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    source: str = "local"
    cancelled_at: datetime | None = None
    refunded_at: datetime | None = None
    # Free text the customer or the merchant wrote on the order (Shopify `note`, the CSV's `note`): shown to
    # agents only, fenced as quoted data; never to the customer, never to a model (see `neutralised_note`).
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("placed_at", "paid_at", "shipped_at", "delivered_at", "cancelled_at", "refunded_at"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"order {self.order_id}: {name} must be timezone-aware")

    @property
    def key(self) -> str:
        return normalise_order_number(self.order_id)

    @property
    def items_total(self) -> Decimal:
        return sum((item.line_total for item in self.items), Decimal("0"))

    @property
    def expected_total(self) -> Decimal:
        """Items + shipping − discount: what `total` must equal."""
        return self.items_total + self.shipping_fee - self.discount

    def content_hash(self) -> str:
        """Stable hash of every field (contact included), so an unchanged re-import is skipped."""
        payload: dict[str, object] = {
            "order_id": self.order_id,
            "status": self.status.value,
            "placed_at": _iso(self.placed_at),
            "items": [[i.sku, i.quantity, str(i.unit_price), i.title, i.category] for i in self.items],
            "total": str(self.total),
            "currency": self.currency,
            "contact": [self.contact.phone, self.contact.email],
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "times": [_iso(self.paid_at), _iso(self.shipped_at), _iso(self.delivered_at)],
            "place": [self.city, self.province],
            "platform": [self.carrier_name, self.tracking_url],
            "fees": [str(self.shipping_fee), str(self.discount)],
            "source": self.source,
        }
        if self.cancelled_at or self.refunded_at or self.note:  # (absent: hashes of older imports still hold)
            payload["ended"] = [_iso(self.cancelled_at), _iso(self.refunded_at)]
            payload["note"] = self.note
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""
