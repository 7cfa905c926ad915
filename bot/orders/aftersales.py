"""An after-sales request (return, exchange, refund, damaged / wrong / missing item) and its state machine.

    requested ──approve──▶ approved ──complete──▶ completed
        ├──────reject────▶ rejected
        └──────withdraw──▶ withdrawn   (the customer took it back before anyone decided)

Any other move raises `InvalidTransition`. Every change produces a `Notification` for the customer: a
messages.yaml key plus plain values (no channel types), which `render` turns into text and the conversation
turns into an `Outbound` — the chat/handoff integration decides where it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.orders.eligibility import RequestKind
from bot.orders.errors import InvalidTransition

if TYPE_CHECKING:
    from bot.prompts import Messages


class RequestStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"  # by the customer ("算了，不退了") while it waited for review


# target → the states it may be reached from
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.APPROVED: frozenset({RequestStatus.REQUESTED}),
    RequestStatus.REJECTED: frozenset({RequestStatus.REQUESTED}),
    RequestStatus.COMPLETED: frozenset({RequestStatus.APPROVED}),
    RequestStatus.WITHDRAWN: frozenset({RequestStatus.REQUESTED}),
}
OPEN_STATUSES = frozenset({RequestStatus.REQUESTED, RequestStatus.APPROVED})


@dataclass(frozen=True)
class AfterSalesRequest:
    """One customer request about one order. `verdict_rule`/`verdict_decision` record what the rules said
    when it was opened; `photos` are channel file ids; `note` is the agent's note on the last decision."""

    id: str
    order_key: str
    kind: RequestKind
    status: RequestStatus
    chat_id: str
    user_id: str
    created_at: datetime
    updated_at: datetime
    reason: str = ""
    verdict_decision: str = ""
    verdict_rule: str = ""
    photos: tuple[str, ...] = ()
    decided_by: str = ""
    note: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Notification:
    """What to tell the customer about a change: `key` into messages.yaml and its values (plain text)."""

    chat_id: str
    user_id: str
    key: str
    values: dict[str, str]

    def render(self, messages: Messages, lang: str = "zh") -> str:
        """The text in `lang`; the request kind is shown by its own label (`aftersales_kind_<kind>`)."""
        values = dict(self.values)
        values["kind"] = messages.get(f"aftersales_kind_{values.get('kind', 'return')}", lang)
        return messages.get(self.key, lang, **values)


def notification(request: AfterSalesRequest) -> Notification:
    """The customer notice for the request's current state."""
    return Notification(
        chat_id=request.chat_id,
        user_id=request.user_id,
        key=f"aftersales_{request.status.value}",
        values={
            "order_id": request.order_key,
            "kind": request.kind.value,
            "request_id": request.id[:8],
            "note": request.note,
        },
    )


def transition(
    request: AfterSalesRequest, target: RequestStatus, *, by: str, at: datetime, note: str = ""
) -> AfterSalesRequest:
    """`request` moved to `target` (by whom, when, with an optional note); raises InvalidTransition."""
    if request.status not in TRANSITIONS.get(target, frozenset()):
        raise InvalidTransition(request.id, request.status.value, target.value)
    return replace(request, status=target, updated_at=at, decided_by=by, note=note)
