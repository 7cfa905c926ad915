"""Orders benchmark: import rate vs plain CSV parsing, and verification cost vs a bare order look-up.

In one run, over a synthetic orders file of N rows on the bundled catalog:
(1) baseline: `csv.DictReader` over the file (the floor any importer pays);
(2) `load_orders` (every row validated, priced from the catalog);
(3) `import_orders` into a fresh SQLite store, then (4) the same file again (everything unchanged);
then M verifications on SQLite (`OrderVerifier.verify`, a reserved attempt + look-up + link) against
(5) the baseline of M bare `SqlOrderStore.get_now` look-ups on the same database. Prints a table; no assertions.

    .venv/bin/python bench/orders_bench.py [--orders 10000] [--verifications 500]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.orders.carriers import default_carriers
from bot.orders.importer import import_orders, load_orders
from bot.orders.order_row import CANONICAL_COLUMNS, RowContext
from bot.orders.store_sql import SqlOrderStore
from bot.orders.verification import OrderVerifier, VerificationPolicy
from bot.orders.verification_sql import SqlVerificationStore
from bot.storage.db import Database
from bot.storage.migrate import upgrade_schema
from knowledge.catalog import SAMPLE_CATALOG, load_catalog


def write_orders(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    products = [
        p for p in load_catalog(SAMPLE_CATALOG).products if p.price is not None and p.currency == "CNY"
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CANONICAL_COLUMNS)
        for n in range(count):
            picked = rng.sample(products, rng.randint(1, 3))
            quantities = [rng.randint(1, 3) for _ in picked]
            total = sum(p.price * q for p, q in zip(picked, quantities, strict=True))  # type: ignore[misc]
            placed = start + timedelta(minutes=n * 7)
            shipped = placed + timedelta(hours=20)
            writer.writerow(
                [
                    f"BX{n:08d}",
                    placed.isoformat(),
                    "shipped",
                    ";".join(f"{p.sku}*{q}" for p, q in zip(picked, quantities, strict=True)),
                    f"{total:.2f}",
                    "CNY",
                    rng.choice(["sf", "zto", "yto", "jd"]),
                    f"T{n:012d}",
                    shipped.isoformat(),
                    "",
                    f"139{n:08d}",
                    f"buyer{n}@example.com",
                    "上海",
                ]
            )


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


async def verify_many(verifier: OrderVerifier, count: int, orders: int) -> None:
    for n in range(count):
        number = n % orders
        await verifier.verify(f"chat-{n}", f"user-{n}", f"BX{number:08d}", f"{number:08d}"[-4:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--verifications", type=int, default=500)
    args = parser.parse_args()
    catalog = {p.sku: p for p in load_catalog(SAMPLE_CATALOG).products}
    context = RowContext(catalog=catalog.get, carriers=default_carriers())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        write_orders(path, args.orders)
        with path.open(encoding="utf-8") as handle:
            rows, parse_s = timed(lambda: sum(1 for _ in csv.DictReader(handle)))
        load, load_s = timed(load_orders, path, context)
        assert not load.errors, load.errors[:3]
        database = Database.open(f"sqlite:///{Path(folder) / 'orders.db'}")
        upgrade_schema(database)
        store = SqlOrderStore(database)
        first, import_s = timed(import_orders, path, store=store, context=context)
        again, reimport_s = timed(import_orders, path, store=store, context=context)
        _, lookup_s = timed(
            lambda: [store.get_now(f"BX{n % args.orders:08d}") for n in range(args.verifications)]
        )
        verifier = OrderVerifier(store, SqlVerificationStore(database), VerificationPolicy(max_failures=5))
        _, verify_s = timed(asyncio.run, verify_many(verifier, args.verifications, args.orders))
        database.dispose()
    n, m = args.orders, args.verifications
    print(f"{'step':<44}{'seconds':>10}{'per row/op':>14}{'vs baseline':>13}")
    print(f"{'csv.DictReader (baseline)':<44}{parse_s:>10.3f}{parse_s / n * 1e6:>12.1f}µs{1:>12.1f}x")
    print(
        f"{'load_orders (validate + price)':<44}{load_s:>10.3f}{load_s / n * 1e6:>12.1f}µs{load_s / parse_s:>12.1f}x"
    )
    print(
        f"{'import into SQLite (first)':<44}{import_s:>10.3f}{import_s / n * 1e6:>12.1f}µs{import_s / parse_s:>12.1f}x"
    )
    print(
        f"{'import again (all unchanged)':<44}{reimport_s:>10.3f}{reimport_s / n * 1e6:>12.1f}µs{reimport_s / parse_s:>12.1f}x"
    )
    print(
        f"{'SqlOrderStore.get_now (baseline)':<44}{lookup_s:>10.3f}{lookup_s / m * 1e3:>12.2f}ms{1:>12.1f}x"
    )
    print(
        f"{'OrderVerifier.verify (SQLite)':<44}{verify_s:>10.3f}{verify_s / m * 1e3:>12.2f}ms{verify_s / lookup_s:>12.1f}x"
    )
    print(f"rows {rows}; first import {first.summary()}; again {again.summary()}")


if __name__ == "__main__":
    main()
