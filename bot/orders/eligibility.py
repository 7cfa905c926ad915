"""After-sales eligibility decided in code from the order and the shop's returns policy — and explained.

`eligibility(order, kind, terms, now)` answers ELIGIBLE, NOT_ELIGIBLE or REVIEW (a person decides), with the
rule that decided (`rule`, stable ids for tests, cards and insights), the deadline it measured against and the
values a message needs. The figures come from `ReturnTerms` (the returns policy's front matter); nothing
here invents a number.

Windows count calendar days from delivery in the delivery's own timezone: a 7-day window on a parcel
delivered on 11-20 ends at the end of 11-27 ("签收之日起 7 天内").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from bot.orders.order import Order, OrderItem, OrderStatus
from knowledge.policy_terms import ReturnTerms, category_matches


class RequestKind(StrEnum):
    """What the customer asks for after a purchase."""

    RETURN = "return"  # no-reason return
    EXCHANGE = "exchange"  # another size or colour
    REFUND = "refund"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING_ITEM = "missing_item"
    CANCEL = "cancel"  # cancel an order before it ships


QUALITY_KINDS = frozenset({RequestKind.DAMAGED, RequestKind.WRONG_ITEM, RequestKind.MISSING_ITEM})


class Decision(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    REVIEW = "review"  # a person decides (the rules cannot, or the policy asks for a check)


@dataclass(frozen=True)
class Verdict:
    """The decision, the rule that made it, and what a reply or an agent card needs to explain it.

    `rule` ids: no_policy, cancelled, refunded, not_delivered, unpaid_refund, no_delivery_time, window,
    window_passed, excluded_category, opened, partly_opened (only some items opened: those are in `skus`),
    unopened_only, exchange_category, exchange_used,
    damage_report_late, before_shipment (a cancellation the policy allows), already_shipped (too late to
    cancel: a return after delivery instead).
    `conditions` are checks a person still makes on the parcel (e.g. "unopened").
    """

    decision: Decision
    rule: str
    kind: RequestKind
    deadline: datetime | None = None
    window_days: int | None = None
    skus: tuple[str, ...] = ()  # the items a category rule is about
    conditions: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return self.decision is Decision.ELIGIBLE


CategoryLookup = Callable[[str], str]  # SKU → catalog category ("" when unknown)


def window_end(delivered_at: datetime, days: int) -> datetime:
    """The last moment of a window of `days` calendar days after delivery, in the delivery's timezone."""
    last_day = delivered_at.date() + timedelta(days=days)
    return datetime.combine(last_day, time.max, tzinfo=delivered_at.tzinfo)


def _category(item: OrderItem, categories: CategoryLookup | None) -> str:
    return item.category or (categories(item.sku) if categories else "")


def eligibility(
    order: Order,
    kind: RequestKind,
    terms: ReturnTerms | None,
    now: datetime,
    *,
    categories: CategoryLookup | None = None,
    exchanges_used: int = 0,
    opened: bool | None = None,
    opened_words: str = "",
) -> Verdict:
    """Whether `order` qualifies for `kind` at `now` under `terms`; see `Verdict.rule` for the reasons.

    `categories` finds an item's catalog category when the order does not carry it (platform orders);
    `exchanges_used` is how many exchanges this order already had (shoes and clothes: once); `opened` is what
    the customer said about items of `excluded_when_opened` categories (True: opened → not returnable without a
    reason; None: unknown → eligible on condition they are unopened). `opened_words` is what the customer said
    when they said so ("坚果拆开吃了一袋"): when it names some of those items (category leaf or title), only
    those count as opened and the rest of the order still qualifies (rule partly_opened).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if terms is None:
        return Verdict(Decision.REVIEW, "no_policy", kind)
    if order.status is OrderStatus.CANCELLED:
        return Verdict(Decision.NOT_ELIGIBLE, "cancelled", kind)
    if order.status is OrderStatus.REFUNDED:
        return Verdict(Decision.NOT_ELIGIBLE, "refunded", kind)
    if kind is RequestKind.CANCEL:
        return _cancel(order, terms)
    if order.status in (OrderStatus.PENDING, OrderStatus.PAID):
        # Not shipped yet: a refund request is a cancellation, which the policy leaves to a person.
        rule = "unpaid_refund" if kind is RequestKind.REFUND else "not_delivered"
        decision = Decision.REVIEW if kind is RequestKind.REFUND else Decision.NOT_ELIGIBLE
        return Verdict(decision, rule, kind)
    if order.status is OrderStatus.SHIPPED or order.delivered_at is None:
        if order.status is OrderStatus.SHIPPED:
            return Verdict(Decision.NOT_ELIGIBLE, "not_delivered", kind)
        return Verdict(Decision.REVIEW, "no_delivery_time", kind)
    delivered = order.delivered_at
    if kind in QUALITY_KINDS:
        return _quality(order, kind, terms, now, delivered)
    if kind is RequestKind.EXCHANGE:
        return _exchange(order, terms, now, delivered, categories, exchanges_used)
    return _return(order, kind, terms, now, delivered, categories, opened, opened_words)


def _cancel(order: Order, terms: ReturnTerms) -> Verdict:
    """A cancellation: allowed in the statuses the policy lists (`cancellable_statuses`, e.g. pending and
    paid = not shipped yet); a policy that lists none leaves it to a person; once shipped, too late — the
    verdict carries the return window so the reply can point to a return after delivery instead."""
    kind = RequestKind.CANCEL
    if not terms.cancellable_statuses:
        return Verdict(Decision.REVIEW, "no_policy", kind)
    if order.status.value in terms.cancellable_statuses:
        return Verdict(Decision.ELIGIBLE, "before_shipment", kind)
    days = terms.return_window_days
    return Verdict(
        Decision.NOT_ELIGIBLE, "already_shipped", kind, window_days=days, values={"days": str(days)}
    )


def _within(kind: RequestKind, now: datetime, delivered: datetime, days: int) -> Verdict | None:
    deadline = window_end(delivered, days)
    if now > deadline:
        return Verdict(
            Decision.NOT_ELIGIBLE,
            "window_passed",
            kind,
            deadline=deadline,
            window_days=days,
            values={"days": str(days), "deadline": deadline.date().isoformat()},
        )
    return None


def _quality(
    order: Order, kind: RequestKind, terms: ReturnTerms, now: datetime, delivered: datetime
) -> Verdict:
    late = _within(kind, now, delivered, terms.quality_window_days)
    if late:
        return late
    deadline = window_end(delivered, terms.quality_window_days)
    values = {"days": str(terms.quality_window_days), "deadline": deadline.date().isoformat()}
    hours = terms.damage_report_hours
    if kind is RequestKind.DAMAGED and hours is not None and now - delivered > timedelta(hours=hours):
        values["hours"] = str(terms.damage_report_hours)
        return Verdict(
            Decision.REVIEW,
            "damage_report_late",
            kind,
            deadline=deadline,
            window_days=terms.quality_window_days,
            values=values,
        )
    return Verdict(
        Decision.ELIGIBLE,
        "window",
        kind,
        deadline=deadline,
        window_days=terms.quality_window_days,
        conditions=("photos",) if kind is RequestKind.DAMAGED else (),
        values=values,
    )


def _exchange(
    order: Order,
    terms: ReturnTerms,
    now: datetime,
    delivered: datetime,
    categories: CategoryLookup | None,
    exchanges_used: int,
) -> Verdict:
    kind = RequestKind.EXCHANGE
    outside = [
        i.sku
        for i in order.items
        if not category_matches(_category(i, categories), terms.exchange_once_categories)
    ]
    if outside:
        rules = "、".join(terms.exchange_once_categories)
        return Verdict(
            Decision.NOT_ELIGIBLE,
            "exchange_category",
            kind,
            skus=tuple(outside),
            values={"categories": rules},
        )
    if exchanges_used >= 1:
        return Verdict(Decision.NOT_ELIGIBLE, "exchange_used", kind)
    late = _within(kind, now, delivered, terms.exchange_window_days)
    if late:
        return late
    deadline = window_end(delivered, terms.exchange_window_days)
    return Verdict(
        Decision.ELIGIBLE,
        "window",
        kind,
        deadline=deadline,
        window_days=terms.exchange_window_days,
        conditions=("in_stock",),
        values={"days": str(terms.exchange_window_days), "deadline": deadline.date().isoformat()},
    )


def _named(item: OrderItem, categories: CategoryLookup | None, words: str) -> bool:
    """Whether the customer's words name `item`: its category's last part ("坚果" of "零食/坚果") or its title."""
    if not words:
        return False
    leaf = _category(item, categories).rsplit("/", 1)[-1]
    lowered = words.lower()
    return bool(leaf and leaf in words) or bool(item.title and item.title.lower() in lowered)


def _return(
    order: Order,
    kind: RequestKind,
    terms: ReturnTerms,
    now: datetime,
    delivered: datetime,
    categories: CategoryLookup | None,
    opened: bool | None,
    opened_words: str = "",
) -> Verdict:
    excluded = [
        i.sku for i in order.items if category_matches(_category(i, categories), terms.excluded_categories)
    ]
    if excluded:
        return Verdict(Decision.NOT_ELIGIBLE, "excluded_category", kind, skus=tuple(excluded))
    late = _within(kind, now, delivered, terms.return_window_days)
    if late:
        return late
    deadline = window_end(delivered, terms.return_window_days)
    values = {"days": str(terms.return_window_days), "deadline": deadline.date().isoformat()}
    sealed_items = [
        i for i in order.items if category_matches(_category(i, categories), terms.excluded_when_opened)
    ]
    sealed = [i.sku for i in sealed_items]
    if sealed and opened:
        named = [i.sku for i in sealed_items if _named(i, categories, opened_words)]
        spoilt = named or sealed
        if all(i.sku in spoilt for i in order.items):
            return Verdict(Decision.NOT_ELIGIBLE, "opened", kind, skus=tuple(spoilt))
        rest = [sku for sku in sealed if sku not in spoilt]
        return Verdict(
            Decision.ELIGIBLE,
            "partly_opened",
            kind,
            deadline=deadline,
            window_days=terms.return_window_days,
            skus=tuple(spoilt),
            conditions=("unused", "unopened") if rest else ("unused",),
            values=values,
        )
    if opened is False:
        sealed = []
    conditions = ("unused", "unopened") if sealed else ("unused",)
    rule = "unopened_only" if sealed else "window"
    return Verdict(
        Decision.ELIGIBLE,
        rule,
        kind,
        deadline=deadline,
        window_days=terms.return_window_days,
        skus=tuple(sealed),
        conditions=conditions,
        values=values,
    )
