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

and the shipping policy `dispatch_cutoff: "16:00"`, `delivery_days_min: 1`, `delivery_days_max: 7`. Categories
are catalog category paths; a rule on `零食` covers `零食/坚果` (prefix by whole path segments). A bad value
fails loading with the file's name; a test keeps the sample's text and figures in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def category_matches(category: str, rules: tuple[str, ...]) -> str | None:
    """The first rule that covers `category` ("零食" covers "零食/坚果", not "零食礼盒"), or None."""
    path = [part.strip() for part in category.split("/") if part.strip()]
    for rule in rules:
        prefix = [part.strip() for part in rule.split("/") if part.strip()]
        if prefix and path[: len(prefix)] == prefix:
            return rule
    return None


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

    @field_validator("excluded_categories", "excluded_when_opened", "exchange_once_categories", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.replace("，", ",").split(",") if part.strip())
        return value


class ShippingTerms(BaseModel):
    """Dispatch and delivery figures of the shipping policy (delivery days count from dispatch)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dispatch_cutoff: time | None = None  # orders paid before this local time on a working day ship that day
    delivery_days_min: int = Field(ge=0, le=90)
    delivery_days_max: int = Field(ge=0, le=90)

    @model_validator(mode="after")
    def _ordered(self) -> ShippingTerms:
        if self.delivery_days_max < self.delivery_days_min:
            raise ValueError("delivery_days_max is smaller than delivery_days_min")
        return self


# topic → the model whose fields that topic's front matter may carry
TERMS_MODELS: dict[str, type[BaseModel]] = {"returns": ReturnTerms, "shipping": ShippingTerms}
TERMS_FIELDS: dict[str, str] = {
    name: topic for topic, model in TERMS_MODELS.items() for name in model.model_fields
}


@dataclass(frozen=True)
class PolicyTerms:
    """The structured figures of all policies; a topic whose file declares none is None."""

    returns: ReturnTerms | None = None
    shipping: ShippingTerms | None = None
