"""A small, made-up orders file over the bundled demo catalog, loaded through the real importer.

Every order store test and the Shopify loopback server use these same orders, so one contract holds them all
to the same answers. People, phones and e-mails are invented (example.com).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from bot.orders.carriers import default_carriers
from bot.orders.order import Order
from bot.orders.order_row import RowContext
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.models import Product

HEADER = "order_id,placed_at,status,items,total,currency,carrier,tracking_number,shipped_at,delivered_at,phone,email,city"
ROWS = (
    # shipped by SF, not delivered yet
    "T1001,2026-11-27T10:12:08+08:00,shipped,EAR-003*1,1899.00,CNY,sf,SF1458827361904,"
    "2026-11-27T15:40:00+08:00,,13800001234,li.na@example.com,成都",
    # the same customer's older, delivered order (two items)
    "T1002,2026-11-20T09:00:00+08:00,delivered,RUN-001*1;TEE-001*2,1057.00,CNY,zto,78531206458891,"
    "2026-11-20T15:00:00+08:00,2026-11-22T11:00:00+08:00,13800001234,li.na@example.com,成都",
    # paid, no fulfillment yet
    "T1003,2026-11-30T09:26:41+08:00,paid,RUN-005*1;TEE-003*2,757.00,CNY,,,,,13912345678,wang.qiang@example.com,南京",
    # pending payment, e-mail only
    "T1004,2026-11-30T11:48:05+08:00,pending,YOG-001*2,198.00,CNY,,,,,,xu.ting@example.com,长沙",
    # cancelled, phone only
    "T1005,2026-11-20T22:40:12+08:00,cancelled,WAT-003*1,399.00,CNY,,,,,13811112222,,深圳",
    # delivered food (opened food is excluded from no-reason returns)
    "T1006,2026-11-25T21:05:09+08:00,delivered,NUT-001*1;TEA-001*1,697.00,CNY,ems,1170023456789,"
    "2026-11-26T10:10:00+08:00,2026-11-28T13:45:00+08:00,18600003579,sun.jing@example.com,北京",
    # refunded
    "T1007,2026-11-06T19:30:26+08:00,refunded,CRM-003*1,2600.00,CNY,sf,SF1409987761023,"
    "2026-11-09T10:00:00+08:00,2026-11-11T15:12:00+08:00,13755558888,lin.xue@example.com,厦门",
    # priced in USD
    "T1008,2026-11-18T08:55:40+08:00,delivered,EAR-017*2;SUN-008*1,52.97,USD,ups,1Z999AA10123456784,"
    "2026-11-18T14:30:00+08:00,2026-11-20T12:10:00+08:00,13900007766,emma.wu@example.com,上海",
)
ORDERS_CSV = HEADER + "\n" + "\n".join(ROWS) + "\n"
# "Now" for tests that need a clock: after every order above was placed.
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


@cache
def catalog() -> dict[str, Product]:
    return {product.sku: product for product in load_catalog(SAMPLE_CATALOG).products}


def row_context() -> RowContext:
    return RowContext(catalog=catalog().get, carriers=default_carriers())


def write_orders(folder: Path, body: str = ORDERS_CSV, name: str = "orders.csv") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@cache
def fixture_orders() -> tuple[Order, ...]:
    """The orders above, through the real importer (no rejected rows)."""
    import tempfile

    from bot.orders.importer import load_orders

    with tempfile.TemporaryDirectory() as folder:
        load = load_orders(write_orders(Path(folder)), row_context())
    assert not load.errors, load.errors
    return tuple(load.orders)


def order(order_id: str) -> Order:
    return next(o for o in fixture_orders() if o.order_id == order_id)
