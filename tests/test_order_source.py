"""One contract for every OrderSource: in-memory, SQLite, PostgreSQL and Shopify (on a loopback server).

To add a platform, append a factory to SOURCE_FACTORIES: it gets pytest's `request` and a tmp path and returns
a source holding exactly `fixture_orders()`. The local stores are also held to the import contract
(incremental upserts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.orders.contact import CustomerContact
from bot.orders.order import Order, OrderStatus
from bot.orders.shopify import ShopifyOrderSource
from bot.orders.source import InMemoryOrderStore, OrderSource, OrderStore
from bot.orders.store_sql import SqlOrderStore
from tests.support.databases import migrated_database
from tests.support.order_fixtures import fixture_orders, order
from tests.support.shopify_server import ShopifyServer, shopify_node

SourceFactory = Callable[[pytest.FixtureRequest, Path], OrderSource]


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> OrderSource:
    return InMemoryOrderStore(fixture_orders())


def _sql(request: pytest.FixtureRequest, url: str) -> OrderSource:
    database = migrated_database(url)
    request.addfinalizer(database.dispose)
    store = SqlOrderStore(database)
    store.upsert(fixture_orders())
    return store


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> OrderSource:
    return _sql(request, f"sqlite:///{tmp_path / 'orders.db'}")


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> OrderSource:
    return _sql(request, request.getfixturevalue("postgres_url"))


def _shopify(request: pytest.FixtureRequest, tmp_path: Path) -> OrderSource:
    server = ShopifyServer(line_items_page=1).__enter__()  # one line item per page: pagination is exercised
    request.addfinalizer(lambda: server.__exit__(None, None, None))
    server.add(*(shopify_node(o, 5000 + n) for n, o in enumerate(fixture_orders())))
    return ShopifyOrderSource(server.base_url, server.token, page_size=2)


SOURCE_FACTORIES = [
    pytest.param(_memory, id="memory"),
    pytest.param(_sqlite, id="sqlite"),
    pytest.param(_postgres, id="postgres", marks=pytest.mark.slow),
    pytest.param(_shopify, id="shopify"),
]


@pytest.fixture(params=SOURCE_FACTORIES)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> OrderSource:
    factory: SourceFactory = request.param
    return factory(request, tmp_path)


def essentials(found: Order) -> Order:
    """What every source must agree on (platforms don't know catalog categories or our source label, and
    may give their own tracking URL; Shopify always has a cancellation time)."""
    items = tuple(dataclasses.replace(item, category="") for item in found.items)
    return dataclasses.replace(found, items=items, source="", tracking_url="", cancelled_at=None)


async def test_every_order_reads_back_the_same(source: OrderSource) -> None:
    assert isinstance(source, OrderSource)
    for expected in fixture_orders():
        got = await source.get(expected.order_id)
        assert got is not None, expected.order_id
        assert essentials(got) == essentials(expected)
    shipped = await source.get("T1001")
    assert shipped is not None and shipped.status is OrderStatus.SHIPPED
    assert shipped.carrier == "sf" and shipped.tracking_number == "SF1458827361904"
    assert shipped.placed_at.utcoffset() is not None and shipped.delivered_at is None
    paid = await source.get("T1003")
    assert paid is not None and paid.status is OrderStatus.PAID and paid.tracking_number == ""
    assert [item.sku for item in paid.items] == ["RUN-005", "TEE-003"]


async def test_any_spelling_of_the_number_finds_the_order(source: OrderSource) -> None:
    for spelling in ("T1001", "#t1001", "＃Ｔ１００１", " t 1001 ", "t1001"):
        found = await source.get(spelling)
        assert found is not None and found.order_id == "T1001", spelling


async def test_unknown_near_or_crafted_numbers_find_nothing(source: OrderSource) -> None:
    # "T100" is a prefix of T1001..T1008: Shopify's fuzzy search returns them, the source must not.
    for number in ("T9999", "T100", "T10011", "", "#", "T1001 OR email:*", "T1001'--"):
        assert await source.get(number) is None, number


async def test_recent_orders_of_one_customer_newest_first(source: OrderSource) -> None:
    li_na = order("T1001").contact
    assert [o.order_id for o in await source.recent(li_na)] == ["T1001", "T1002"]
    assert [o.order_id for o in await source.recent(li_na, limit=1)] == ["T1001"]
    by_phone_only = CustomerContact(phone="+86 138 1111 2222")
    assert [o.order_id for o in await source.recent(by_phone_only)] == ["T1005"]
    by_email_only = CustomerContact(email="XU.TING＠example.com")
    assert [o.order_id for o in await source.recent(by_email_only)] == ["T1004"]
    assert await source.recent(CustomerContact(email="nobody@example.com")) == []
    assert await source.recent(CustomerContact()) == []


LOCAL_STORES = [p for p in SOURCE_FACTORIES if p.id != "shopify"]


@pytest.fixture(params=LOCAL_STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> OrderStore:
    factory: SourceFactory = request.param
    built = factory(request, tmp_path)
    assert isinstance(built, OrderStore)
    return built


async def test_upserts_are_incremental_by_order_number(store: OrderStore) -> None:
    orders = list(fixture_orders())
    counts = store.upsert(orders)
    assert (counts.added, counts.updated, counts.unchanged) == (0, 0, len(orders))
    delivered = dataclasses.replace(
        order("T1001"), status=OrderStatus.DELIVERED, delivered_at=order("T1002").delivered_at
    )
    fewer_items = dataclasses.replace(
        order("T1002"), items=order("T1002").items[:1], total=order("T1002").items[0].unit_price
    )
    counts = store.upsert([delivered, fewer_items, order("T1003")])
    assert (counts.added, counts.updated, counts.unchanged) == (0, 2, 1)
    assert await store.get("T1001") == delivered
    assert essentials(await store.get("T1002")) == essentials(fewer_items)  # type: ignore[arg-type]
    assert store.count() == len(orders)
