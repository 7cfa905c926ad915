"""A loopback Shopify GraphQL Admin API for the order tests: the documented response shapes, nothing more.

It answers `POST /admin/api/<version>/graphql.json` with the `X-Shopify-Access-Token` header:

- `orders(first, after, query)` as a connection (`edges { cursor node }`, `pageInfo { hasNextPage endCursor }`),
  newest first; the search is fuzzy like Shopify's (`name:#100` also finds `#1001`), `email:"…"` exact
  (case-insensitive), `phone:…` by digits;
- `order(id) { lineItems(after) }` pages of line items (`line_items_page` per page, also inside orders);
- `extensions.cost.throttleStatus` on every answer; `throttle(n)` makes the next n answers
  `{"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}` (HTTP 200, as Shopify does);
- a wrong token gets HTTP 401 with Shopify's `{"errors": "[API] Invalid API key or access token …"}`;
  `fail_next(status)` scripts other HTTP failures.

`shopify_node(order)` turns an `Order` into the node shape the real API returns, so one fixture set feeds the
local stores and this server alike.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.orders.carriers import default_carriers
from bot.orders.order import Order, OrderStatus, normalise_order_number

_PATH = re.compile(r"^/admin/api/[0-9]{4}-[0-9]{2}/graphql\.json$")
_UNAUTHORISED = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def _money(amount: object, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": f"{amount}", "currencyCode": currency}}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def shopify_node(
    order: Order, gid: int, *, email: str | None = None, phone: str | None = None
) -> dict[str, Any]:
    """The GraphQL `Order` node Shopify would return for `order` (gid = its numeric id)."""
    financial = {
        OrderStatus.PENDING: "PENDING",
        OrderStatus.REFUNDED: "REFUNDED",
    }.get(order.status, "PAID")
    shipped = order.shipped_at is not None
    fulfillments = []
    if shipped:
        carrier = default_carriers().get(order.carrier) if order.carrier else None
        fulfillments.append(
            {
                "createdAt": _iso(order.shipped_at),
                "inTransitAt": _iso(order.shipped_at),
                "deliveredAt": _iso(order.delivered_at),
                "displayStatus": "DELIVERED" if order.delivered_at else "IN_TRANSIT",
                "status": "SUCCESS",
                "trackingInfo": [
                    {
                        "company": carrier.name_en if carrier else order.carrier_name or None,
                        "number": order.tracking_number or None,
                        "url": carrier.tracking_link(order.tracking_number) if carrier else None,
                    }
                ]
                if order.tracking_number
                else [],
            }
        )
    return {
        "id": f"gid://shopify/Order/{gid}",
        "name": f"#{order.order_id}",
        "createdAt": _iso(order.placed_at),
        "processedAt": _iso(order.placed_at),
        "cancelledAt": _iso(order.cancelled_at or order.placed_at)
        if order.status is OrderStatus.CANCELLED
        else None,
        "note": order.note or None,
        "refunds": [{"createdAt": _iso(order.refunded_at)}] if order.refunded_at else [],
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": "FULFILLED" if shipped else "UNFULFILLED",
        "email": email if email is not None else (order.contact.email or None),
        "phone": phone if phone is not None else (order.contact.phone or None),
        "currencyCode": order.currency,
        "totalPriceSet": _money(order.total, order.currency),
        "totalShippingPriceSet": _money(order.shipping_fee, order.currency),
        "totalDiscountsSet": _money(order.discount, order.currency),
        "shippingAddress": {"city": order.city or None, "province": order.province or None, "phone": None},
        "lineItems": {
            "edges": [
                {
                    "node": {
                        "sku": item.sku,
                        "title": item.title,
                        "quantity": item.quantity,
                        "originalUnitPriceSet": _money(item.unit_price, order.currency),
                    }
                }
                for item in order.items
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
        "fulfillments": fulfillments,
    }


def _cursor(position: int) -> str:
    return base64.b64encode(f"cursor:{position}".encode()).decode()


def _position(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(base64.b64decode(cursor).decode().split(":", 1)[1]) + 1


def _matches(node: dict[str, Any], search: str) -> bool:
    for clause in (part.strip() for part in search.split(" OR ")):
        field, _, value = clause.partition(":")
        value = value.strip().strip('"')
        if field == "name" and normalise_order_number(str(node["name"])).startswith(
            normalise_order_number(value)
        ):
            return True
        if field == "email" and (node.get("email") or "").lower() == value.lower():
            return True
        digits = re.sub(r"\D", "", value)
        if field == "phone" and digits and digits in re.sub(r"\D", "", node.get("phone") or ""):
            return True
    return False


class ShopifyServer:
    """`with ShopifyServer(token) as shop: ShopifyOrderSource(shop.base_url, token)`."""

    def __init__(self, token: str = "shpat_test_token", *, line_items_page: int = 50) -> None:
        self.token = token
        self.line_items_page = line_items_page
        self.orders: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._throttles: deque[tuple[float, float]] = deque()
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, *nodes: dict[str, Any]) -> None:
        with self._lock:
            self.orders.extend(nodes)

    def throttle(
        self, times: int = 1, *, currently_available: float = 10.0, restore_rate: float = 50.0
    ) -> None:
        """The next `times` answers are THROTTLED with this bucket state."""
        with self._lock:
            self._throttles.extend([(currently_available, restore_rate)] * times)

    def fail_next(self, *statuses: int) -> None:
        with self._lock:
            self._failures.extend(statuses)

    def __enter__(self) -> ShopifyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- answers

    def answer(self, headers: dict[str, str], path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not _PATH.match(path):
            return 404, {"errors": "Not Found"}
        if headers.get("x-shopify-access-token") != self.token:
            return 401, {"errors": _UNAUTHORISED}
        with self._lock:
            self.requests.append(body)
            if self._failures:
                status = self._failures.popleft()
                return status, {"errors": "Internal Server Error" if status >= 500 else "Too Many Requests"}
            throttled = self._throttles.popleft() if self._throttles else None
        if throttled is not None:
            available, rate = throttled
            return 200, {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": self._cost(actual=None, available=available, rate=rate),
            }
        operation = body.get("operationName") or ""
        variables = body.get("variables") or {}
        if operation == "OrdersByQuery":
            data = self._orders(variables)
        elif operation == "OrderLineItems":
            data = self._line_items(variables)
        else:
            return 200, {"errors": [{"message": f"unknown operation {operation!r}"}]}
        return 200, {"data": data, "extensions": self._cost(actual=12, available=988.0, rate=50.0)}

    @staticmethod
    def _cost(actual: int | None, available: float, rate: float) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": 252,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": available,
                    "restoreRate": rate,
                },
            }
        }

    def _orders(self, variables: dict[str, Any]) -> dict[str, Any]:
        first = min(int(variables.get("first") or 10), 250)
        start = _position(variables.get("after"))
        with self._lock:
            found = [node for node in self.orders if _matches(node, str(variables.get("query") or ""))]
        found.sort(key=lambda node: node["processedAt"], reverse=True)
        page = found[start : start + first]
        edges = [
            {"cursor": _cursor(start + offset), "node": self._trim(node)} for offset, node in enumerate(page)
        ]
        has_next = start + first < len(found)
        return {
            "orders": {
                "edges": edges,
                "pageInfo": {"hasNextPage": has_next, "endCursor": edges[-1]["cursor"] if edges else None},
            }
        }

    def _trim(self, node: dict[str, Any]) -> dict[str, Any]:
        """The node with only the first page of line items, as Shopify returns `lineItems(first: …)`."""
        trimmed = dict(node)
        trimmed["lineItems"] = self._item_page(node, 0)
        return trimmed

    def _item_page(self, node: dict[str, Any], start: int) -> dict[str, Any]:
        edges = node["lineItems"]["edges"]
        page = edges[start : start + self.line_items_page]
        cursors = [_cursor(start + offset) for offset in range(len(page))]
        return {
            "edges": [dict(edge, cursor=cursor) for edge, cursor in zip(page, cursors, strict=True)],
            "pageInfo": {
                "hasNextPage": start + self.line_items_page < len(edges),
                "endCursor": cursors[-1] if cursors else None,
            },
        }

    def _line_items(self, variables: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            node = next((n for n in self.orders if n["id"] == variables.get("id")), None)
        if node is None:
            return {"order": None}
        return {"order": {"lineItems": self._item_page(node, _position(variables.get("after")))}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    body = {}
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, payload = server.answer(headers, self.path, body)
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

        return Handler
