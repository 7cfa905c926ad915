"""The figures of a shop's policies as validated values, read from the policy files' YAML front matter.

Why: code that decides (is this return still inside the window? is this parcel late?) must use the same
numbers the customer reads. The returns policy declares e.g.

    return_window_days: 7          # no-reason returns, days after delivery
    exchange_window_days: 15       # size/colour exchanges (once) for `exchange_once_categories`
    quality_window_days: 15        # damaged, faulty, wrong or missing items
    damage_report_hours: 48        # report damage with photos within this many hours of delivery
    excluded_categories: [服装/内衣]  # never returnable without a reason
    excluded_when_opened: [零食/坚果]  # not returnable without a reason once opened
    exchange_once_categories: [运动鞋, 服装]
    cancellable_statuses: [pending, paid]  # an order may be cancelled in these statuses (before shipment)

and the shipping policy `dispatch_cutoff: "16:00"`, `delivery_days_min: 1`, `delivery_days_max: 7` (the
general window), `sf_default_min_order: 500` and `sf_default_categories: [数码]` (SF Express by default from
that order amount or for those categories), and the payment policy `instalment_min_order: 600` (花呗分期
from that order amount), and the warranty policy `warranty_days_by_category: {数码: 365, 运动鞋: 30}`; the
claims ledger checks a reply's 顺丰 / 分期 / 无理由退货 / warranty claims about a product
against these conditions. Optionally the shipping policy lists `delivery_regions`, per-province windows the policy text states:

    delivery_regions:
      - {name: 江浙沪, name_en: Jiangsu/Zhejiang/Shanghai, provinces: [江苏, 浙江, 上海, Jiangsu, Zhejiang,
         Shanghai], days_min: 1, days_max: 2}
      - {name: 其他省份, name_en: other provinces, provinces: ["*"], days_min: 2, days_max: 4}

(`"*"` = any other known province; an order without a province gets the general window). Categories
are catalog category paths; a rule on `零食` covers `零食/坚果` (prefix by whole path segments). A bad value
fails loading with the file's name; a test keeps the sample's text and figures in agreement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _split(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.replace("，", ",").split(",") if part.strip())
    return value


def category_matches(category: str, rules: tuple[str, ...]) -> str | None:
    """The first rule that covers `category` ("零食" covers "零食/坚果", not "零食礼盒"), or None."""
    path = [part.strip() for part in category.split("/") if part.strip()]
    for rule in rules:
        prefix = [part.strip() for part in rule.split("/") if part.strip()]
        if prefix and path[: len(prefix)] == prefix:
            return rule
    return None


# the order statuses a policy may name (bot.orders.order.OrderStatus; knowledge does not import bot)
_ORDER_STATUSES = ("pending", "paid", "shipped", "delivered")


class ReturnTerms(BaseModel):
    """Return, exchange and quality-claim figures of the returns policy (days count from delivery)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    return_window_days: int = Field(ge=0, le=365)
    exchange_window_days: int = Field(ge=0, le=365)
    quality_window_days: int = Field(ge=0, le=3650)
    damage_report_hours: int | None = Field(default=None, ge=1, le=24 * 365)
    excluded_categories: tuple[str, ...] = ()
    excluded_when_opened: tuple[str, ...] = ()
    exchange_once_categories: tuple[str, ...] = ()
    cancellable_statuses: tuple[
        str, ...
    ] = ()  # order statuses (pending, paid …) in which it may be cancelled

    @field_validator(
        "excluded_categories",
        "excluded_when_opened",
        "exchange_once_categories",
        "cancellable_statuses",
        mode="before",
    )
    @classmethod
    def _list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.replace("，", ",").split(",") if part.strip())
        return value

    @field_validator("cancellable_statuses")
    @classmethod
    def _statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in _ORDER_STATUSES]
        if unknown:
            raise ValueError(f"unknown order status {unknown[0]!r} (one of {', '.join(_ORDER_STATUSES)})")
        return value


_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def province_key(name: str) -> str:
    """A province as regions compare it: "浙江省" / "浙江" / " Zhejiang " → "浙江" / "zhejiang"."""
    text = name.strip()
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    low = text.lower()
    return low.removesuffix(" province").strip() if low.isascii() else text


class DeliveryRegion(BaseModel):
    """Delivery days (from dispatch) to some provinces; `provinces: ["*"]` covers every other province."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    name_en: str = ""
    provinces: tuple[str, ...] = Field(min_length=1)
    days_min: int = Field(ge=0, le=90)
    days_max: int = Field(ge=0, le=90)

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryRegion:
        if self.days_max < self.days_min:
            raise ValueError(f"region {self.name}: days_max is smaller than days_min")
        return self

    def label(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


def ship_day(paid_at: datetime, cutoff: time) -> date:
    """The day an order paid at `paid_at` (the shop's local time) ships under the shipping policy's
    `dispatch_cutoff`: that day when paid before `cutoff` on a weekday, else the next weekday (public holidays
    are not known here)."""
    day = paid_at.date()
    if day.weekday() < 5 and paid_at.time() < cutoff:
        return day
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class ShippingTerms(BaseModel):
    """Dispatch and delivery figures of the shipping policy (delivery days count from dispatch)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dispatch_cutoff: time | None = None  # orders paid before this local time on a working day ship that day
    delivery_days_min: int = Field(ge=0, le=90)
    delivery_days_max: int = Field(ge=0, le=90)
    delivery_regions: tuple[DeliveryRegion, ...] = ()
    sf_default_min_order: Decimal | None = Field(default=None, ge=0)  # SF Express by default from this amount
    sf_default_categories: tuple[str, ...] = ()  # … or for products of these categories

    @field_validator("sf_default_categories", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return _split(value)

    @model_validator(mode="after")
    def _ordered(self) -> ShippingTerms:
        if self.delivery_days_max < self.delivery_days_min:
            raise ValueError("delivery_days_max is smaller than delivery_days_min")
        return self

    def region_for(self, province: str) -> DeliveryRegion | None:
        """The region whose window applies to `province` (a named match first, then `"*"`); None when the
        province is unknown ("") or no region covers it — the general window applies then."""
        key = province_key(province)
        if not key:
            return None
        for region in self.delivery_regions:
            if any(province_key(p) == key for p in region.provinces if p != "*"):
                return region
        return next((r for r in self.delivery_regions if "*" in r.provinces), None)

    def window(self, province: str) -> tuple[int, int, DeliveryRegion | None]:
        """(days_min, days_max, region) for a parcel to `province`: the region's window, else the general."""
        region = self.region_for(province)
        if region is None:
            return self.delivery_days_min, self.delivery_days_max, None
        return region.days_min, region.days_max, region


class PaymentTerms(BaseModel):
    """Conditions of the payment policy: the order amount (CNY) from which instalments (花呗分期) are offered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instalment_min_order: Decimal | None = Field(default=None, ge=0)


class WarrantyTerms(BaseModel):
    """The warranty (quality-claim) period in days per catalog category path of the warranty policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warranty_days_by_category: dict[str, int] = Field(default_factory=dict)
    # the policy defers to a longer brand warranty the product page states ("品牌保修更长的以商品页写明的保修期为准"):
    # a product's own `warranty` attribute (attr_warranty: 5年) is then its period when longer
    product_page_warranty: bool = False

    @field_validator("warranty_days_by_category")
    @classmethod
    def _days(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k, v in value.items() if not 0 <= v <= 3650]
        if bad:
            raise ValueError(f"warranty days of {bad[0]!r} must be 0–3650")
        return value

    def days_for(self, category: str) -> int | None:
        """The period of the most specific rule covering `category` ("数码" covers "数码/耳机"), or None."""
        rules = sorted(self.warranty_days_by_category, key=lambda r: -len(r.split("/")))
        rule = category_matches(category, tuple(rules))
        return None if rule is None else self.warranty_days_by_category[rule]

    def days_of(self, category: str, attributes: Mapping[str, object]) -> int | None:
        """`days_for(category)`, or the product's own `warranty` attribute ("5年", "18个月", "90天") when the
        policy defers to the product page (`product_page_warranty`) and it is longer."""
        days = self.days_for(category)
        if not self.product_page_warranty:
            return days
        own = _attribute_days(str(attributes.get("warranty") or ""))
        if own is None:
            return days
        return own if days is None else max(days, own)


_ATTRIBUTE_SPAN = re.compile(r"^\s*(\d{1,3})\s*(年|个月|月|天|years?|months?|days?)\s*$", re.I)
_SPAN_DAYS = {"年": 365, "个月": 30, "月": 30, "天": 1, "y": 365, "m": 30, "d": 1}


def _attribute_days(value: str) -> int | None:
    """The days of a product's warranty attribute ("2年" → 730, "6个月" → 180), None when it is no plain span."""
    m = _ATTRIBUTE_SPAN.match(value)
    if m is None:
        return None
    unit = m.group(2).lower()
    return int(m.group(1)) * _SPAN_DAYS.get(unit, _SPAN_DAYS.get(unit[:1], 1))


# topic → the model whose fields that topic's front matter may carry
TERMS_MODELS: dict[str, type[BaseModel]] = {
    "returns": ReturnTerms,
    "shipping": ShippingTerms,
    "payment": PaymentTerms,
    "warranty": WarrantyTerms,
}
TERMS_FIELDS: dict[str, str] = {
    name: topic for topic, model in TERMS_MODELS.items() for name in model.model_fields
}


@dataclass(frozen=True)
class PolicyTerms:
    """The structured figures of all policies; a topic whose file declares none is None."""

    returns: ReturnTerms | None = None
    shipping: ShippingTerms | None = None
    payment: PaymentTerms | None = None
    warranty: WarrantyTerms | None = None
