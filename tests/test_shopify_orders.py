"""The Shopify adapter against the loopback Admin API: pagination, throttling, auth, fulfillment shapes.

Backoff sleeps are recorded instead of slept (the adapter takes its `sleep`), so nothing here waits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.orders.contact import CustomerContact
from bot.orders.errors import OrderSourceUnavailable
from bot.orders.order import OrderStatus
from bot.orders.shopify import ShopifyOrderSource, shop_base_url
from tests.support.order_fixtures import fixture_orders, order
from tests.support.shopify_server import ShopifyServer, shopify_node


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def shop() -> Iterator[ShopifyServer]:
    with ShopifyServer() as server:
        server.add(*(shopify_node(o, 7000 + n) for n, o in enumerate(fixture_orders())))
        yield server


def source_for(server: ShopifyServer, sleeps: Sleeps | None = None, **options: Any) -> ShopifyOrderSource:
    return ShopifyOrderSource(
        server.base_url, server.token, sleep=sleeps if sleeps is not None else Sleeps(), **options
    )


def test_shop_setting_forms() -> None:
    assert shop_base_url("my-shop") == "https://my-shop.myshopify.com"
    assert shop_base_url("my-shop.myshopify.com/") == "https://my-shop.myshopify.com"
    assert shop_base_url("http://127.0.0.1:9999") == "http://127.0.0.1:9999"
    source = ShopifyOrderSource("my-shop", "t", api_version="2026-01")
    assert source.endpoint == "https://my-shop.myshopify.com/admin/api/2026-01/graphql.json"
    with pytest.raises(ValueError):
        ShopifyOrderSource("", "token")


async def test_lookup_asks_by_name_and_follows_pages_to_the_exact_order(shop: ShopifyServer) -> None:
    # Three newer orders whose names start with T1008: Shopify's fuzzy search lists them first.
    base = order("T1008")
    for n, suffix in enumerate(("0", "1", "2")):
        newer = dataclasses.replace(
            base, order_id=f"T1008{suffix}", placed_at=base.placed_at + timedelta(days=n + 1)
        )
        shop.add(shopify_node(newer, 9000 + n))
    found = await source_for(shop, page_size=2).get("t1008")
    assert found is not None and found.order_id == "T1008"
    searches = [r for r in shop.requests if r["operationName"] == "OrdersByQuery"]
    assert [r["variables"]["query"] for r in searches] == ["name:#T1008", "name:#T1008"]
    assert searches[0]["variables"]["after"] is None and searches[1]["variables"]["after"]


async def test_line_items_beyond_the_first_page_are_fetched() -> None:
    with ShopifyServer(line_items_page=1) as server:
        server.add(shopify_node(order("T1008"), 1))
        found = await source_for(server).get("T1008")
        assert found is not None and [i.sku for i in found.items] == ["EAR-017", "SUN-008"]
        assert [i.quantity for i in found.items] == [2, 1]
        assert [r["operationName"] for r in server.requests] == ["OrdersByQuery", "OrderLineItems"]


async def test_recent_orders_page_through_the_customers_orders(shop: ShopifyServer) -> None:
    base = order("T1002")
    for n in range(5):
        older = dataclasses.replace(
            base, order_id=f"T2{n:03d}", placed_at=base.placed_at - timedelta(days=n + 1)
        )
        shop.add(shopify_node(older, 8000 + n))
    found = await source_for(shop, page_size=2).recent(order("T1001").contact, limit=4)
    assert [o.order_id for o in found] == ["T1001", "T1002", "T2000", "T2001"]
    assert shop.requests[0]["variables"]["query"] == 'email:"li.na@example.com"'
    assert len(shop.requests) == 2  # stopped once it had enough


async def test_throttled_requests_wait_for_the_bucket_then_succeed(shop: ShopifyServer) -> None:
    sleeps = Sleeps()
    shop.throttle(2, currently_available=10.0, restore_rate=50.0)
    found = await source_for(shop, sleeps).get("T1001")
    assert found is not None and found.order_id == "T1001"
    # (requestedQueryCost 252 - currentlyAvailable 10) / restoreRate 50 = 4.84 s each time
    assert sleeps == [pytest.approx(4.84), pytest.approx(4.84)]
    assert len(shop.requests) == 3


async def test_throttling_that_does_not_end_becomes_unavailable(shop: ShopifyServer) -> None:
    sleeps = Sleeps()
    shop.throttle(10)
    with pytest.raises(OrderSourceUnavailable) as caught:
        await source_for(shop, sleeps, max_retries=2).get("T1001")
    assert caught.value.reason == "throttled" and len(sleeps) == 2


async def test_a_wrong_token_is_an_auth_failure_without_the_token_in_the_message(shop: ShopifyServer) -> None:
    source = ShopifyOrderSource(shop.base_url, "shpat_wrong_secret_value", sleep=Sleeps())
    with pytest.raises(OrderSourceUnavailable) as caught:
        await source.get("T1001")
    assert caught.value.reason == "auth" and "401" in str(caught.value)
    assert "shpat_wrong_secret_value" not in str(caught.value)


async def test_server_errors_are_retried_and_a_dead_server_is_unavailable(shop: ShopifyServer) -> None:
    sleeps = Sleeps()
    shop.fail_next(500)
    assert await source_for(shop, sleeps).get("T1001") is not None
    assert sleeps == [1.0]
    dead = ShopifyOrderSource("http://127.0.0.1:9", "token", sleep=(sleeps := Sleeps()), max_retries=1)
    with pytest.raises(OrderSourceUnavailable) as caught:
        await dead.get("T1001")
    assert caught.value.reason == "network" and sleeps == [1.0]


async def test_orders_without_fulfillment_have_no_carrier_and_no_dates(shop: ShopifyServer) -> None:
    paid = await source_for(shop).get("T1003")
    assert paid is not None
    assert (paid.status, paid.carrier, paid.tracking_number, paid.shipped_at) == (
        OrderStatus.PAID,
        "",
        "",
        None,
    )
    pending = await source_for(shop).get("T1004")
    assert pending is not None and pending.status is OrderStatus.PENDING


async def test_platform_shapes_map_to_our_values() -> None:
    node = shopify_node(order("T1001"), 1, phone="+8613800001234")
    node["fulfillments"][0]["trackingInfo"][0].update(
        company="Aramex", number="AX123456", url="https://www.aramex.com/track/AX123456"
    )
    node["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED"
    node["shippingAddress"] = {"city": "Chengdu", "province": "Sichuan", "phone": "+86 999"}
    with ShopifyServer() as server:
        server.add(node)
        found = await source_for(server).get("T1001")
        assert found is not None
        assert found.status is OrderStatus.SHIPPED
        assert (found.carrier, found.carrier_name) == ("", "Aramex")
        assert found.tracking_url == "https://www.aramex.com/track/AX123456"
        assert found.contact.matches_last_digits("1234") and found.contact.phone_key == "13800001234"
        recent = await source_for(server).recent(CustomerContact(email="LI.NA@example.com"))
        assert [o.order_id for o in recent] == ["T1001"]
