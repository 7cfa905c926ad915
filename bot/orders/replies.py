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


def _values(messages: Messages, view: OrderView, lang: str) -> dict[str, object]:
    """Every placeholder an order reply may use, from the verified view (see the module docstring)."""
    get = messages.get
    carrier = view.carrier_name(lang) or view.carrier_code
    window = ""
    if view.delivery_days_min is not None and view.delivery_days_max is not None:
        days = {"days_min": view.delivery_days_min, "days_max": view.delivery_days_max}
        region = view.region(lang)
        window = (
            get("order_flow_window_region", lang, region=region, **days)
            if region
            else get("order_flow_window_general", lang, **days)
        )
    ended = ""
    if view.status is OrderStatus.REFUNDED and view.refunded_at:
        ended = get("order_flow_refunded_on", lang, date=day(view.refunded_at))
    elif view.status is OrderStatus.CANCELLED and view.cancelled_at:
        ended = get("order_flow_ended_on", lang, date=day(view.cancelled_at))
    return {
        "order_id": view.order_id,
        "placed": day(view.placed_at),
        "paid": day(view.paid_at or view.placed_at),
        "shipped": day(view.shipped_at),
        "delivered": day(view.delivered_at),
        "carrier": carrier,
        "tracking": view.tracking_number,
        "expected_from": day(view.expected_from),
        "expected_by": day(view.expected_by),
        "window": window,
        "ended": ended,
        "total": money_text(view.total, view.currency),
        "items": items_text(view, lang),
    }


def _dispatch(messages: Messages, view: OrderView, lang: str) -> str:
    """The policy's dispatch rule, with the day it gives for this paid order when known."""
    if not view.dispatch_cutoff:
        return ""
    rule = messages.get("order_flow_dispatch_cutoff", lang, cutoff=view.dispatch_cutoff)
    if view.dispatch_by is None:
        return rule
    return rule + messages.get("order_flow_dispatch_day", lang, date=day(view.dispatch_by))


def status_text(messages: Messages, view: OrderView, lang: str) -> str:
    """The status answer: where the order is, by when it should arrive, the tracking link, the items."""
    get = messages.get
    values = _values(messages, view, lang)
    lines: list[str] = []
    link = False
    if view.status is OrderStatus.PENDING:
        lines.append(get("order_flow_status_pending", lang, **values))
    elif view.status is OrderStatus.PAID and view.dispatch_late and view.dispatch_by is not None:
        lines.append(get("order_flow_status_paid_late", lang, dispatch_by=day(view.dispatch_by), **values))
    elif view.status is OrderStatus.PAID:
        cutoff = _dispatch(messages, view, lang)
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
        lines.append(get("order_flow_items", lang, **values))
    return "\n".join(lines)


def follow_up_text(messages: Messages, view: OrderView, topic: str, lang: str) -> str:
    """The answer to a follow-up about the verified order (`topic` from `phrases.follow_up`: late | eta |
    carrier | items | amount | why | where), from the view alone; anything it has no better answer for gets the
    whole status answer."""
    get = messages.get
    values = _values(messages, view, lang)
    shipped = view.status is OrderStatus.SHIPPED
    link = get("order_flow_tracking_link", lang, url=view.tracking_url) if view.tracking_url else ""
    if topic == "items" and view.items:
        return get("order_flow_items_of", lang, **values)
    if topic == "amount":
        return get("order_flow_amount", lang, **values)
    if topic == "why":
        status = get(f"order_status_{view.status.value}", lang)
        return get("order_flow_reason_unknown", lang, **{**values, "status": status})
    if topic == "carrier" and view.has_tracking:
        return "\n".join(filter(None, (get("order_flow_carrier", lang, **values), link)))
    paid_waiting = (
        view.status is OrderStatus.PAID and not view.dispatch_late
    )  # late: the status answer says so
    if topic in ("eta", "late") and paid_waiting and view.delivery_days_min is not None:
        region = view.region(lang)
        text = get(
            "order_flow_eta_paid",
            lang,
            dispatch=_dispatch(messages, view, lang),
            region=get("order_flow_eta_region", lang, region=region) if region else "",
            days_min=view.delivery_days_min,
            days_max=view.delivery_days_max,
            **{k: v for k, v in values.items() if k != "region"},
        )
        return text
    if topic in ("eta", "late") and shipped and view.has_tracking and view.expected_by and not view.delayed:
        key = "order_flow_eta_shipped" if topic == "eta" else "order_flow_not_late"
        return "\n".join(filter(None, (get(key, lang, **values), link)))
    return status_text(messages, view, lang)


def rule_label(messages: Messages, rule: str, lang: str) -> str:
    """The words for an eligibility rule id (`Verdict.rule`) on an agent's card; the id itself when unknown."""
    key = f"aftersales_rule_{rule}"
    return messages.get(key, lang) if key in messages else rule


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
    if verdict.rule == "refunded":
        values = _values(messages, view, lang)
        return get("order_flow_already_refunded", lang, **{**values, **base})
    if verdict.rule == "cancelled":
        values = _values(messages, view, lang)
        return get("order_flow_already_cancelled", lang, **{**values, **base})
    if verdict.rule == "before_shipment":
        return get("order_flow_cancel_eligible", lang, **base)
    if verdict.rule == "already_shipped":
        values = _values(messages, view, lang)
        return get("order_flow_cancel_shipped", lang, days=verdict.window_days or "", **{**values, **base})
    if verdict.decision is Decision.ELIGIBLE:
        conditions = ""
        if "photos" in verdict.conditions:
            conditions += get("order_flow_condition_photos", lang)
        if "unopened" in verdict.conditions:
            conditions += get("order_flow_condition_unopened", lang)
        elif "unused" in verdict.conditions:
            conditions += get("order_flow_condition_unused", lang)
        if verdict.rule == "partly_opened":
            titles = [item.title for item in view.items if item.sku in verdict.skus] or list(verdict.skus)
            joiner = "、" if lang != "en" else ", "
            conditions = get("order_flow_partly_opened", lang, items=joiner.join(titles)) + conditions
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


def note_lines(messages: Messages, note: str, suspect: bool, lang: str) -> list[str]:
    """An order's note for agents (already neutralised by `bot.orders.notes.agent_note`), fenced and
    labelled as someone's words; a warning line when it looked like an instruction."""
    if not note:
        return []
    lines = [messages.get("aftersales_card_note", lang, note=note)]
    if suspect:
        lines.append(messages.get("aftersales_card_note_suspect", lang))
    return lines


def card_lines(
    messages: Messages,
    request: AfterSalesRequest,
    view: OrderView,
    verdict: Verdict,
    lang: str,
    note: tuple[str, bool] = ("", False),
) -> tuple[str, ...]:
    """The agents' structured card: request, order, items, the order's note (fenced), reason, photos, the
    rules' verdict, and how to decide by typing."""
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
    lines += note_lines(messages, note[0], note[1], lang)
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
            rule=rule_label(messages, verdict.rule, lang),
            deadline=deadline,
        ).strip()
    )
    lines.append(get("aftersales_card_commands", lang, request_id=request.id[:8]))
    return tuple(lines)
