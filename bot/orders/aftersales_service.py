"""`AfterSalesService`: open after-sales requests and move them through their states, telling the customer.

Plain values in and out, so the conversation (customer side) and the handoff card (agent side) can both call
it: `open(...)` and `approve/reject/complete(...)` return the request and the `Notification` to deliver.
The clock is injected; ids are random hex.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence

from bot.orders.aftersales import AfterSalesRequest, Notification, RequestStatus, notification
from bot.orders.aftersales_store import AfterSalesStore
from bot.orders.clock import Clock, system_clock
from bot.orders.eligibility import RequestKind, Verdict
from bot.orders.order import Order


class AfterSalesService:
    def __init__(
        self,
        store: AfterSalesStore,
        clock: Clock = system_clock,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.store = store
        self._clock = clock
        self._new_id = new_id

    async def open(
        self,
        order: Order,
        kind: RequestKind,
        *,
        chat_id: str,
        user_id: str,
        reason: str = "",
        verdict: Verdict | None = None,
        photos: Sequence[str] = (),
    ) -> tuple[AfterSalesRequest, Notification]:
        """A new request in `requested` (or the open one already there for this order and kind)."""
        now = self._clock()
        request = AfterSalesRequest(
            id=self._new_id(),
            order_key=order.key,
            kind=kind,
            status=RequestStatus.REQUESTED,
            chat_id=chat_id,
            user_id=user_id,
            created_at=now,
            updated_at=now,
            reason=reason[:2000],
            verdict_decision=verdict.decision.value if verdict else "",
            verdict_rule=verdict.rule if verdict else "",
            photos=tuple(photos),
        )
        stored = await asyncio.to_thread(self.store.create, request)
        return stored, notification(stored)

    async def approve(
        self, request_id: str, *, by: str, note: str = ""
    ) -> tuple[AfterSalesRequest, Notification]:
        return await self._move(request_id, RequestStatus.APPROVED, by, note)

    async def reject(
        self, request_id: str, *, by: str, note: str = ""
    ) -> tuple[AfterSalesRequest, Notification]:
        return await self._move(request_id, RequestStatus.REJECTED, by, note)

    async def complete(
        self, request_id: str, *, by: str, note: str = ""
    ) -> tuple[AfterSalesRequest, Notification]:
        return await self._move(request_id, RequestStatus.COMPLETED, by, note)

    async def withdraw(self, request_id: str, *, by: str) -> tuple[AfterSalesRequest, Notification]:
        """The customer takes back a request still waiting for review; raises InvalidTransition otherwise."""
        return await self._move(request_id, RequestStatus.WITHDRAWN, by, "")

    async def exchanges_used(self, order_key: str) -> int:
        """Exchanges this order already had (approved or completed) — the "exchange once" rule's input."""
        requests = await self.for_order(order_key)
        done = (RequestStatus.APPROVED, RequestStatus.COMPLETED)
        return sum(1 for r in requests if r.kind is RequestKind.EXCHANGE and r.status in done)

    async def for_order(self, order_key: str) -> list[AfterSalesRequest]:
        """Every request about an order, oldest first."""
        return await asyncio.to_thread(self.store.for_order, order_key)

    async def queue(self, limit: int = 50) -> list[AfterSalesRequest]:
        return await asyncio.to_thread(self.store.open_requests, limit)

    async def _move(
        self, request_id: str, target: RequestStatus, by: str, note: str
    ) -> tuple[AfterSalesRequest, Notification]:
        moved = await asyncio.to_thread(
            lambda: self.store.move(request_id, target, by=by, at=self._clock(), note=note[:2000])
        )
        return moved, notification(moved)
