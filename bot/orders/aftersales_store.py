"""Where after-sales requests live: the `AfterSalesStore` protocol and its in-memory reference implementation.

`move` is the only way a status changes and it is atomic: the SQL store (bot/orders/aftersales_sql.py) does one
conditional `UPDATE … WHERE id = ? AND status IN (…)`, so two agents deciding at once can never both win.
tests/test_aftersales.py holds every store to one contract.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.orders.aftersales import OPEN_STATUSES, AfterSalesRequest, RequestStatus, transition
from bot.orders.errors import RequestNotFound


@runtime_checkable
class AfterSalesStore(Protocol):
    """Blocking calls (SQL): async callers run them in a worker thread."""

    def create(self, request: AfterSalesRequest) -> AfterSalesRequest:
        """Store a new request; an open request for the same order and kind is returned instead (idempotent)."""
        ...

    def get(self, request_id: str) -> AfterSalesRequest | None: ...

    def for_order(self, order_key: str) -> list[AfterSalesRequest]:
        """Every request about an order, oldest first."""
        ...

    def open_requests(self, limit: int = 50) -> list[AfterSalesRequest]:
        """The queue: requested and approved requests, oldest first."""
        ...

    def move(
        self, request_id: str, target: RequestStatus, *, by: str, at: datetime, note: str = ""
    ) -> AfterSalesRequest:
        """Atomically move a request to `target`; raises RequestNotFound or InvalidTransition."""
        ...

    def forget_user(self, chat_id: str, user_id: str) -> int:
        """Blank what the customer wrote and sent (reason, photos) in their requests (/forget); the requests
        stay — they are the order's after-sales record — and decisions still reach the chat. Returns how
        many requests were scrubbed."""
        ...

    def purge(self, before: datetime) -> int:
        """Retention (`XIAOER_RETENTION_DAYS`): blank the reason and photos of requests created before
        `before` (the request and its decision stay, as in `forget_user`). Returns how many were scrubbed."""
        ...


class InMemoryAfterSalesStore:
    """`AfterSalesStore` in a dict (tests, the terminal chat); thread-safe."""

    def __init__(self) -> None:
        self._requests: dict[str, AfterSalesRequest] = {}
        self._lock = threading.Lock()

    def create(self, request: AfterSalesRequest) -> AfterSalesRequest:
        with self._lock:
            for existing in self._requests.values():
                if (
                    existing.order_key == request.order_key
                    and existing.kind == request.kind
                    and existing.is_open
                ):
                    return existing
            self._requests[request.id] = request
            return request

    def get(self, request_id: str) -> AfterSalesRequest | None:
        return self._requests.get(request_id)

    def for_order(self, order_key: str) -> list[AfterSalesRequest]:
        with self._lock:
            found = [r for r in self._requests.values() if r.order_key == order_key]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def open_requests(self, limit: int = 50) -> list[AfterSalesRequest]:
        with self._lock:
            found = [r for r in self._requests.values() if r.status in OPEN_STATUSES]
        return sorted(found, key=lambda r: (r.created_at, r.id))[:limit]

    def move(
        self, request_id: str, target: RequestStatus, *, by: str, at: datetime, note: str = ""
    ) -> AfterSalesRequest:
        with self._lock:
            current = self._requests.get(request_id)
            if current is None:
                raise RequestNotFound(f"no after-sales request {request_id}")
            moved = transition(current, target, by=by, at=at, note=note)
            self._requests[request_id] = moved
            return moved

    def forget_user(self, chat_id: str, user_id: str) -> int:
        with self._lock:
            mine = [r for r in self._requests.values() if r.chat_id == chat_id and r.user_id == user_id]
            for request in mine:
                self._requests[request.id] = dataclasses.replace(request, reason="", photos=())
            return len(mine)

    def purge(self, before: datetime) -> int:
        with self._lock:
            old = [r for r in self._requests.values() if r.created_at < before and (r.reason or r.photos)]
            for request in old:
                self._requests[request.id] = dataclasses.replace(request, reason="", photos=())
            return len(old)
