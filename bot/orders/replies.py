"""The words of the order conversation: status answers, eligibility answers and the agents' card.

Every figure comes from a verified `OrderView` (status, dates, carrier, tracking number and link, amounts),
from a `Verdict` (window, deadline) or from the shipping policy's front matter (dispatch cut-off, delivery
days via `OrderView.expected_from/expected_by`). Texts are in `bot/prompts/messages.yaml` (`order_flow_*`,
`aftersales_card_*`). Nothing here knows the customer's address, phone or e-mail: the view has none.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.orders.aftersales import AfterSalesRequest
from bot.orders.eligibility import Decision, Verdict
from bot.orders.order import OrderStatus
from bot.orders.view import OrderView, money_text
from bot.prompts import Messages


def day(moment: datetime | date | None) -> str:
    """ "2026-11-27" (the shop's own date for a timestamp), "" for None."""
    if moment is None:
        return ""
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


def items_text(view: OrderView, lang: str) -> str:
    joiner = "、" if lang != "en" else ", "
    return joiner.join(f"{item.title} × {item.quantity}" for item in view.items)


def status_text(messages: Messages, view: OrderView, lang: str) -> str:
    """The status answer: where the order is, by when it should arrive, the tracking link, the items."""
    get = messages.get
    carrier = view.carrier_name(lang) or view.carrier_code
    values = {
        "order_id": view.order_id,
        "placed": day(view.placed_at),
        "paid": day(view.paid_at or view.placed_at),
        "shipped": day(view.shipped_at),
        "delivered": day(view.delivered_at),
        "carrier": carrier,
        "tracking": view.tracking_number,
        "expected_from": day(view.expected_from),
        "expected_by": day(view.expected_by),
    }
    lines: list[str] = []
    link = False
    if view.status is OrderStatus.PENDING:
        lines.append(get("order_flow_status_pending", lang, **values))
    elif view.status is OrderStatus.PAID:
        cutoff = (
            get("order_flow_dispatch_cutoff", lang, cutoff=view.dispatch_cutoff)
            if view.dispatch_cutoff
            else ""
        )
        lines.append(get("order_flow_status_paid", lang, dispatch=cutoff, **values).strip())
    elif view.status is OrderStatus.SHIPPED and not view.has_tracking:
        lines.append(get("order_flow_status_shipped_no_tracking", lang, **values))
    elif view.status is OrderStatus.SHIPPED and view.delayed:
        lines.append(get("order_flow_status_delayed", lang, **values))
        link = True
    elif view.status is OrderStatus.SHIPPED:
        lines.append(get("order_flow_status_shipped", lang, **values))
        link = True
    elif view.status is OrderStatus.DELIVERED:
        lines.append(get("order_flow_status_delivered", lang, **values))
        link = True
    elif view.status is OrderStatus.CANCELLED:
        lines.append(get("order_flow_status_cancelled", lang, **values))
    else:
        lines.append(get("order_flow_status_refunded", lang, **values))
    if link and view.tracking_url:
        lines.append(get("order_flow_tracking_link", lang, url=view.tracking_url))
    if view.items:
        lines.append(
            get(
                "order_flow_items",
                lang,
                items=items_text(view, lang),
                total=money_text(view.total, view.currency),
            )
        )
    return "\n".join(lines)


def _kind(messages: Messages, kind: str, lang: str) -> str:
    return messages.get(f"aftersales_kind_{kind}", lang)


def verdict_text(messages: Messages, view: OrderView, verdict: Verdict, lang: str) -> str:
    """What the rules say about the request, in the customer's words; ELIGIBLE/REVIEW end with "why?"."""
    get = messages.get
    kind = _kind(messages, verdict.kind.value, lang)
    base = {
        "order_id": view.order_id,
        "kind": kind,
        "status": messages.get(f"order_status_{view.status.value}", lang),
    }
    if verdict.decision is Decision.ELIGIBLE:
        conditions = ""
        if "photos" in verdict.conditions:
            conditions += get("order_flow_condition_photos", lang)
        if "unopened" in verdict.conditions:
            conditions += get("order_flow_condition_unopened", lang)
        elif "unused" in verdict.conditions:
            conditions += get("order_flow_condition_unused", lang)
        return get(
            "order_flow_eligible",
            lang,
            days=verdict.window_days or "",
            deadline=day(verdict.deadline),
            conditions=conditions,
            **base,
        )
    if verdict.decision is Decision.REVIEW:
        return get("order_flow_review", lang, **base)
    if verdict.rule == "window_passed":
        return get(
            "order_flow_not_eligible_window_passed",
            lang,
            days=verdict.window_days or "",
            deadline=day(verdict.deadline),
            **base,
        )
    if verdict.rule == "not_delivered":
        return get("order_flow_not_eligible_not_delivered", lang, **base)
    if verdict.rule == "excluded_category":
        titles = [item.title for item in view.items if item.sku in verdict.skus] or list(verdict.skus)
        joiner = "、" if lang != "en" else ", "
        return get("order_flow_not_eligible_excluded", lang, items=joiner.join(titles), **base)
    key = f"order_rule_{verdict.rule}"
    rule = messages.get(key, lang) if key in messages else verdict.rule
    return get("order_flow_not_eligible_other", lang, rule=rule, **base)


def card_lines(
    messages: Messages, request: AfterSalesRequest, view: OrderView, verdict: Verdict, lang: str
) -> tuple[str, ...]:
    """The agents' structured card: request, order, items, reason, photos, the rules' verdict."""
    get = messages.get
    lines = [
        get(
            "aftersales_card_title",
            lang,
            request_id=request.id[:8],
            kind=_kind(messages, request.kind.value, lang),
        ),
        get(
            "aftersales_card_order",
            lang,
            order_id=view.order_id,
            status=get(f"order_status_{view.status.value}", lang),
            total=money_text(view.total, view.currency),
        ),
    ]
    lines += [f"• {item.title} ({item.sku}) × {item.quantity}" for item in view.items]
    lines.append(get("aftersales_card_reason", lang, reason=request.reason or "—"))
    if request.photos:
        lines.append(get("aftersales_card_photos", lang, count=len(request.photos)))
    deadline = (
        get("aftersales_card_deadline", lang, deadline=day(verdict.deadline)) if verdict.deadline else ""
    )
    lines.append(
        get(
            "aftersales_card_verdict",
            lang,
            decision=get(f"aftersales_decision_{verdict.decision.value}", lang),
            rule=verdict.rule,
            deadline=deadline,
        ).strip()
    )
    return tuple(lines)
