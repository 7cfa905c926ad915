"""`ShopifyOrderSource`: orders read live from a Shopify store through the GraphQL Admin API (httpx).

Configured by `XIAOER_SHOPIFY_SHOP` (`my-shop`, `my-shop.myshopify.com` or a full base URL) and
`XIAOER_SHOPIFY_TOKEN` (an Admin API access token with the `read_orders` scope), API version
`XIAOER_SHOPIFY_API_VERSION`. One POST per page to `/admin/api/<version>/graphql.json`:

- look-up: `orders(query: "name:#1001")`, then an exact comparison of the normalised name (Shopify's search is
  fuzzy; a near match must never be revealed), following `pageInfo.endCursor` while `hasNextPage`;
- a customer's orders: `orders(query: "email:…")` (or phone), newest first, filtered to the exact contact;
- line items beyond the first page are fetched with `order(id:) { lineItems(after:) }`.

Shopify's shapes (https://shopify.dev/docs/api/admin-graphql): money in `…Set.shopMoney {amount currencyCode}`,
tracking in `fulfillments.trackingInfo {company number url}`, cost in `extensions.cost.throttleStatus`. A
`THROTTLED` error (or HTTP 429) is retried after the time the bucket needs to refill (`requestedQueryCost −
currentlyAvailable) / restoreRate`, else exponential backoff), at most `max_retries` times. 401/403 and any
other failure become `OrderSourceUnavailable` (reason "auth", "throttled", "network", "bad_response"), raised
from the httpx error: the core never sees a vendor type.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import httpx

from bot.orders.carriers import CarrierBook, default_carriers
from bot.orders.contact import CustomerContact, is_valid_email
from bot.orders.errors import OrderSourceUnavailable
from bot.orders.order import Order, OrderItem, OrderStatus, clean_note, normalise_order_number
from bot.orders.source import DEFAULT_RECENT, newest_first, same_customer

log = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2026-01"
_SAFE_NUMBER = re.compile(r"^[A-Z0-9_-]{1,64}$")
_MAX_PAGES = 10
_MAX_BACKOFF_S = 30.0

_MONEY = "shopMoney { amount currencyCode }"
_LINE_ITEMS = (
    "edges { node { sku title quantity originalUnitPriceSet { " + _MONEY + " } } } "
    "pageInfo { hasNextPage endCursor }"
)
ORDER_FIELDS = (
    "id name createdAt processedAt cancelledAt displayFinancialStatus displayFulfillmentStatus "
    "email phone currencyCode note refunds(first: 5) { createdAt } "
    "totalPriceSet { " + _MONEY + " } totalShippingPriceSet { " + _MONEY + " } "
    "totalDiscountsSet { " + _MONEY + " } "
    "shippingAddress { city province phone } "
    "lineItems(first: 50) { " + _LINE_ITEMS + " } "
    "fulfillments(first: 10) { createdAt inTransitAt deliveredAt displayStatus status "
    "trackingInfo(first: 5) { company number url } }"
)
ORDERS_QUERY = (
    "query OrdersByQuery($query: String!, $first: Int!, $after: String) { "
    "orders(first: $first, after: $after, query: $query, sortKey: PROCESSED_AT, reverse: true) { "
    "edges { cursor node { " + ORDER_FIELDS + " } } pageInfo { hasNextPage endCursor } } }"
)
LINE_ITEMS_QUERY = (
    "query OrderLineItems($id: ID!, $after: String) { order(id: $id) { "
    "lineItems(first: 50, after: $after) { " + _LINE_ITEMS + " } } }"
)

Sleep = Callable[[float], Awaitable[None]]


@cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def shop_base_url(shop: str) -> str:
    """`my-shop` → `https://my-shop.myshopify.com`; a domain gets https://; a URL is kept (loopback tests)."""
    shop = shop.strip().rstrip("/")
    if shop.startswith(("http://", "https://")):
        return shop
    return f"https://{shop if '.' in shop else shop + '.myshopify.com'}"


class ShopifyOrderSource:
    """`OrderSource` over the Shopify GraphQL Admin API (read-only; `read_orders` scope)."""

    def __init__(
        self,
        shop: str,
        token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        carriers: CarrierBook | None = None,
        timeout_s: float = 10.0,
        max_retries: int = 4,
        page_size: int = 25,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not shop.strip() or not token.strip():
            raise ValueError("Shopify needs a shop and an access token")
        self.endpoint = f"{shop_base_url(shop)}/admin/api/{api_version}/graphql.json"
        self._headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        self.carriers = carriers or default_carriers()
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.page_size = page_size
        self._sleep = sleep
        self._transport = transport

    async def get(self, order_number: str) -> Order | None:
        key = normalise_order_number(order_number)
        if not _SAFE_NUMBER.match(key):  # nothing else may reach Shopify's search syntax
            return None
        async with self._client() as client:
            async for node in self._orders(client, f"name:#{key}"):
                if normalise_order_number(str(node.get("name") or "")) == key:
                    return await self._to_order(client, node)
        return None

    async def recent(self, contact: CustomerContact, limit: int = DEFAULT_RECENT) -> list[Order]:
        if limit <= 0:
            return []
        if contact.email and is_valid_email(contact.email) and '"' not in contact.email:
            search = f'email:"{contact.email}"'
        elif contact.phone_key:
            search = f"phone:{contact.phone_key}"
        else:
            return []
        found: list[Order] = []
        async with self._client() as client:
            async for node in self._orders(client, search):
                order = await self._to_order(client, node)
                if same_customer(order, contact):
                    found.append(order)
                    if len(found) >= limit:
                        break
        return newest_first(found, limit)

    # --- transport

    def _client(self) -> httpx.AsyncClient:
        # A client per look-up (nothing bound to one event loop outlives a call); the TLS context, which
        # costs ~70 ms to build, is shared.
        return httpx.AsyncClient(
            timeout=self.timeout_s, transport=self._transport, headers=self._headers, verify=_tls_context()
        )

    async def _orders(self, client: httpx.AsyncClient, search: str) -> Any:
        """Order nodes of a search, page after page (at most _MAX_PAGES pages)."""
        after: str | None = None
        for _ in range(_MAX_PAGES):
            data = await self._call(
                client, ORDERS_QUERY, {"query": search, "first": self.page_size, "after": after}
            )
            connection = _dig(data, "orders")
            for edge in connection.get("edges") or []:
                node = edge.get("node") if isinstance(edge, dict) else None
                if isinstance(node, dict):
                    yield node
            page = connection.get("pageInfo") or {}
            after = page.get("endCursor")
            if not page.get("hasNextPage") or not after:
                return

    async def _call(self, client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One GraphQL request with throttling retries; returns `data`."""
        operation = query.split("(", 1)[0].removeprefix("query ").strip()
        body = {"query": query, "variables": variables, "operationName": operation}
        for attempt in range(self.max_retries + 1):
            try:
                response = await client.post(self.endpoint, json=body)
            except httpx.HTTPError as exc:
                if attempt < self.max_retries:
                    await self._sleep(min(2.0**attempt, _MAX_BACKOFF_S))
                    continue
                raise OrderSourceUnavailable(
                    f"Shopify is unreachable ({type(exc).__name__})", "network"
                ) from exc
            if response.status_code in (401, 403):
                raise OrderSourceUnavailable(
                    f"Shopify refused the access token (HTTP {response.status_code}); check XIAOER_SHOPIFY_TOKEN "
                    "and the read_orders scope",
                    "auth",
                )
            payload = _json(response)
            throttled = response.status_code == 429 or _has_code(payload, "THROTTLED")
            if throttled or response.status_code >= 500:
                if attempt < self.max_retries:
                    wait = (
                        _throttle_wait(payload, attempt) if throttled else min(2.0**attempt, _MAX_BACKOFF_S)
                    )
                    log.info("Shopify %s; retrying in %.1fs", "throttled" if throttled else "error", wait)
                    await self._sleep(wait)
                    continue
                reason = "throttled" if throttled else "bad_response"
                raise OrderSourceUnavailable(f"Shopify kept answering {reason} after retries", reason)
            if response.status_code != 200 or payload.get("errors"):
                codes = sorted(_codes(payload)) or [str(response.status_code)]
                raise OrderSourceUnavailable(
                    f"Shopify answered an error ({', '.join(codes)})", "bad_response"
                )
            data = payload.get("data")
            if not isinstance(data, dict):
                raise OrderSourceUnavailable("Shopify's answer has no data", "bad_response")
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    # --- shapes → values

    async def _to_order(self, client: httpx.AsyncClient, node: dict[str, Any]) -> Order:
        try:
            items = list(_line_items(node.get("lineItems") or {}))
            page = (node.get("lineItems") or {}).get("pageInfo") or {}
            pages = 0
            while page.get("hasNextPage") and page.get("endCursor") and pages < _MAX_PAGES:
                pages += 1
                data = await self._call(
                    client, LINE_ITEMS_QUERY, {"id": node["id"], "after": page["endCursor"]}
                )
                connection = _dig(_dig(data, "order"), "lineItems")
                items += _line_items(connection)
                page = connection.get("pageInfo") or {}
            return self._order(node, tuple(items))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise OrderSourceUnavailable(
                f"Shopify order has an unexpected shape ({type(exc).__name__})", "bad_response"
            ) from exc

    def _order(self, node: dict[str, Any], items: tuple[OrderItem, ...]) -> Order:
        fulfillments = [f for f in node.get("fulfillments") or [] if isinstance(f, dict)]
        tracking = [t for f in fulfillments for t in f.get("trackingInfo") or [] if isinstance(t, dict)]
        first = tracking[0] if tracking else {}
        company = str(first.get("company") or "")
        carrier = self.carriers.resolve(company) if company else None
        shipped = [_time(f.get("inTransitAt") or f.get("createdAt")) for f in fulfillments]
        delivered = [_time(f.get("deliveredAt")) for f in fulfillments]
        shipped_at = min((t for t in shipped if t), default=None)
        all_delivered = bool(fulfillments) and all(delivered)
        delivered_at = max((t for t in delivered if t), default=None) if all_delivered else None
        address = node.get("shippingAddress") or {}
        total = _money(node.get("totalPriceSet"))
        refunds = [
            t for r in node.get("refunds") or [] if isinstance(r, dict) and (t := _time(r.get("createdAt")))
        ]
        return Order(
            order_id=str(node["name"]).lstrip("#"),
            status=_status(node, fulfillments, all_delivered),
            placed_at=_required_time(node.get("processedAt") or node.get("createdAt")),
            items=items,
            total=total[0],
            currency=total[1] or str(node.get("currencyCode") or ""),
            contact=CustomerContact(
                phone=str(node.get("phone") or address.get("phone") or ""), email=str(node.get("email") or "")
            ),
            carrier=carrier.code if carrier else "",
            carrier_name="" if carrier else company,
            tracking_number=str(first.get("number") or ""),
            tracking_url=str(first.get("url") or ""),
            shipped_at=shipped_at,
            delivered_at=delivered_at,
            city=str(address.get("city") or ""),
            province=str(address.get("province") or ""),
            shipping_fee=_money(node.get("totalShippingPriceSet"))[0],
            discount=_money(node.get("totalDiscountsSet"))[0],
            source="shopify",
            cancelled_at=_time(node.get("cancelledAt")),
            refunded_at=max(refunds, default=None),
            note=clean_note(str(node.get("note") or "")),
        )


def _status(node: dict[str, Any], fulfillments: list[dict[str, Any]], all_delivered: bool) -> OrderStatus:
    """Shopify's financial + fulfillment statuses folded into ours (refund and cancellation win)."""
    financial = str(node.get("displayFinancialStatus") or "").upper()
    fulfilment = str(node.get("displayFulfillmentStatus") or "").upper()
    if financial == "REFUNDED":
        return OrderStatus.REFUNDED
    if node.get("cancelledAt"):
        return OrderStatus.CANCELLED
    if all_delivered and fulfilment == "FULFILLED":
        return OrderStatus.DELIVERED
    if fulfillments or fulfilment in ("FULFILLED", "PARTIALLY_FULFILLED"):
        return OrderStatus.SHIPPED
    if financial in ("PAID", "PARTIALLY_REFUNDED", "PARTIALLY_PAID", "AUTHORIZED"):
        return OrderStatus.PAID
    return OrderStatus.PENDING


def _line_items(connection: dict[str, Any]) -> list[OrderItem]:
    items = []
    for edge in connection.get("edges") or []:
        node = edge["node"]
        price, _ = _money(node.get("originalUnitPriceSet"))
        items.append(
            OrderItem(
                sku=str(node.get("sku") or ""),
                quantity=int(node["quantity"]),
                unit_price=price,
                title=str(node.get("title") or ""),
            )
        )
    return items


def _money(money_set: Any) -> tuple[Decimal, str]:
    if not isinstance(money_set, dict):
        return Decimal("0"), ""
    money = money_set.get("shopMoney") or {}
    return Decimal(str(money.get("amount") or "0")), str(money.get("currencyCode") or "")


def _time(text: Any) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _required_time(text: Any) -> datetime:
    moment = _time(text)
    if moment is None:
        raise ValueError("order without processedAt/createdAt")
    return moment


def _dig(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise OrderSourceUnavailable(f"Shopify's answer has no {key}", "bad_response")
    return value


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _codes(payload: dict[str, Any]) -> set[str]:
    errors = payload.get("errors")
    if not isinstance(errors, list):
        return set()
    return {
        str((error.get("extensions") or {}).get("code") or error.get("message") or "error")
        for error in errors
        if isinstance(error, dict)
    }


def _has_code(payload: dict[str, Any], code: str) -> bool:
    return code in _codes(payload)


def _throttle_wait(payload: dict[str, Any], attempt: int) -> float:
    """Seconds until the bucket holds the requested cost, from `extensions.cost`; else exponential backoff."""
    cost = (payload.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        needed = float(cost.get("requestedQueryCost") or 0) - float(status.get("currentlyAvailable") or 0)
        rate = float(status.get("restoreRate") or 0)
    except (TypeError, ValueError):
        needed, rate = 0.0, 0.0
    if rate > 0 and needed > 0:
        return min(needed / rate, _MAX_BACKOFF_S)
    return min(2.0**attempt, _MAX_BACKOFF_S)
