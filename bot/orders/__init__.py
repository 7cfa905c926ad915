"""Orders and after-sales: order values, the `OrderSource` seam, verification, views, eligibility, requests.

The adapters that need a vendor library are imported from their own modules (`bot.orders.store_sql`,
`bot.orders.verification_sql`, `bot.orders.aftersales_sql` for SQLAlchemy; `bot.orders.shopify` for httpx),
so importing this package stays light for the conversation layer.
"""

from bot.orders.aftersales import AfterSalesRequest, Notification, RequestStatus, transition
from bot.orders.aftersales_service import AfterSalesService
from bot.orders.aftersales_store import AfterSalesStore, InMemoryAfterSalesStore
from bot.orders.carriers import Carrier, CarrierBook, default_carriers
from bot.orders.clock import Clock, fixed_clock, system_clock
from bot.orders.contact import CustomerContact
from bot.orders.desk import OrderDesk
from bot.orders.eligibility import Decision, RequestKind, Verdict, eligibility
from bot.orders.errors import (
    InvalidTransition,
    OrderError,
    OrderFileError,
    OrderSourceUnavailable,
    RequestNotFound,
)
from bot.orders.order import Order, OrderItem, OrderStatus, normalise_order_number
from bot.orders.source import InMemoryOrderStore, OrderSource, OrderStore, UpsertCounts
from bot.orders.verification import (
    OrderVerifier,
    Outcome,
    Proof,
    VerificationPolicy,
    VerificationResult,
)
from bot.orders.verification_store import InMemoryVerificationStore, VerificationStore
from bot.orders.view import OrderFacts, OrderView, money_text, order_facts, status_view

__all__ = [
    "AfterSalesRequest",
    "AfterSalesService",
    "AfterSalesStore",
    "Carrier",
    "CarrierBook",
    "Clock",
    "CustomerContact",
    "Decision",
    "InMemoryAfterSalesStore",
    "InMemoryOrderStore",
    "InMemoryVerificationStore",
    "InvalidTransition",
    "Notification",
    "Order",
    "OrderDesk",
    "OrderError",
    "OrderFacts",
    "OrderFileError",
    "OrderItem",
    "OrderSource",
    "OrderSourceUnavailable",
    "OrderStatus",
    "OrderStore",
    "OrderVerifier",
    "OrderView",
    "Outcome",
    "Proof",
    "RequestKind",
    "RequestNotFound",
    "RequestStatus",
    "UpsertCounts",
    "Verdict",
    "VerificationPolicy",
    "VerificationResult",
    "VerificationStore",
    "default_carriers",
    "eligibility",
    "fixed_clock",
    "money_text",
    "normalise_order_number",
    "order_facts",
    "status_view",
    "system_clock",
    "transition",
]
