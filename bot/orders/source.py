"""The orders seam: `OrderSource` (read: look up, list a customer's orders) and `OrderStore` (write: import).

Every platform is an `OrderSource` (the local SQL store, Shopify, later WooCommerce …); the local stores are
also `OrderStore`s that `xiaoer orders import` fills. `InMemoryOrderStore` is the reference implementation the
contract test (tests/test_order_source.py) holds every other one to.

Lookups never reveal anything by themselves: callers reach an order only through `OrderVerifier` (customers)
or a staff-only command.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.orders.contact import CustomerContact
from bot.orders.order import Order, normalise_order_number

DEFAULT_RECENT = 5


@runtime_checkable
class OrderSource(Protocol):
    """Where orders are read from. Async: sources may be remote; local ones run off the event loop."""

    async def get(self, order_number: str) -> Order | None:
        """The order with this number (any spelling `normalise_order_number` accepts), or None.

        Raises `OrderSourceUnavailable` when the source cannot answer (never None for "could not ask")."""
        ...

    async def recent(self, contact: CustomerContact, limit: int = DEFAULT_RECENT) -> list[Order]:
        """The customer's orders, newest first (by `placed_at`), matched by the same phone or e-mail.

        Callers pass the contact of an order the customer has already proven is theirs."""
        ...


@dataclass(frozen=True)
class UpsertCounts:
    """What one import did to the store."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@runtime_checkable
class OrderStore(OrderSource, Protocol):
    """A local source that imports write to (blocking calls: run them in a worker thread from async code)."""

    def upsert(self, orders: Sequence[Order]) -> UpsertCounts:
        """Insert new orders, replace changed ones (by order number), skip unchanged ones."""
        ...

    def count(self) -> int: ...


def same_customer(order: Order, contact: CustomerContact) -> bool:
    """True when the order carries the same phone (digits) or the same e-mail as `contact`."""
    phone, email = contact.phone_key, contact.email_key
    return bool(phone and order.contact.phone_key == phone) or bool(
        email and order.contact.email_key == email
    )


def newest_first(orders: Iterable[Order], limit: int) -> list[Order]:
    return sorted(orders, key=lambda order: (order.placed_at, order.key), reverse=True)[: max(limit, 0)]


class InMemoryOrderStore:
    """`OrderStore` in a dict (tests, demos); thread-safe."""

    def __init__(self, orders: Iterable[Order] = ()) -> None:
        self._orders: dict[str, Order] = {}
        self._lock = threading.Lock()
        self.upsert(list(orders))

    async def get(self, order_number: str) -> Order | None:
        return self._orders.get(normalise_order_number(order_number))

    async def recent(self, contact: CustomerContact, limit: int = DEFAULT_RECENT) -> list[Order]:
        if contact.is_empty:
            return []
        with self._lock:
            matching = [order for order in self._orders.values() if same_customer(order, contact)]
        return newest_first(matching, limit)

    def upsert(self, orders: Sequence[Order]) -> UpsertCounts:
        added = updated = unchanged = 0
        with self._lock:
            for order in orders:
                previous = self._orders.get(order.key)
                if previous is None:
                    added += 1
                elif previous.content_hash() == order.content_hash():
                    unchanged += 1
                    continue
                else:
                    updated += 1
                self._orders[order.key] = order
        return UpsertCounts(added, updated, unchanged)

    def count(self) -> int:
        return len(self._orders)
