"""A real offline `SupportBot` for evaluation: a fresh data directory, the catalog ingested as `xiaoer ingest`
does it, the policies, SQLite memory and handoff — built by `bot.wiring`, the one composition root.

It sits beside the CLI (it composes; nothing in the core imports it). No LLM and no remote embedder are used
whatever the environment says: the figures are those of the offline core.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.conversation.core import SupportBot
from bot.evaluation.checks import Amount
from bot.ops.settings import load_settings
from bot.orders.importer import SAMPLE_ORDERS
from bot.wiring import Knowledge, build_support_bot
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.models import PolicyDoc, Product
from knowledge.policies import PolicyBook

log = logging.getLogger(__name__)


@dataclass
class EvalEnvironment:
    bot: SupportBot
    products: list[Product]
    policies: list[PolicyDoc]
    orders_ready: bool = False
    order_amounts: frozenset[Amount] = frozenset()  # every imported order's total and unit prices

    def close(self) -> None:
        self.bot.close()


def open_environment(
    data_dir: Path,
    *,
    clock: datetime,
    catalog: Path | None = None,
    policies: Path | None = None,
    orders: Path | None = None,
    knowledge: Knowledge | None = None,
) -> EvalEnvironment:
    """Ingest `catalog` (default: the bundled demo) into `data_dir` and build the bot over it.

    `knowledge` (tests) skips the ingest and uses an already opened catalog. `orders` (a canonical orders CSV
    or JSONL, default: the bundled demo orders) is imported into the local order store as `xiaoer orders
    import` does, so the order cases run against the real order flow (verification, status, after-sales).
    """
    from knowledge.embeddings import USEEmbedder
    from knowledge.factory import open_product_index
    from knowledge.ingest import ingest_path

    catalog = catalog or SAMPLE_CATALOG
    policy_dir = policies or SAMPLE_POLICIES_DIR
    settings = load_settings(
        XIAOER_DATA_DIR=str(data_dir),
        XIAOER_POLICIES_DIR=str(policy_dir),
        XIAOER_EMBEDDING_MODEL="",
        XIAOER_CHROMA_URL="",
        XIAOER_DATABASE_URL="",
    )
    if knowledge is None:
        index = open_product_index(data_dir, embedder=USEEmbedder())
        report = ingest_path(catalog, index=index, data_dir=data_dir)
        if report.errors:
            log.warning("%d catalog rows rejected: %s", len(report.errors), report.errors[:3])
        products = [p for sku in sorted(index.skus()) if (p := index.get(sku)) is not None]
    else:
        products = load_catalog(catalog).products
    bot = build_support_bot(settings, knowledge=knowledge, use_llm=False, clock=lambda: clock)
    amounts = _import_orders(bot, orders or SAMPLE_ORDERS)
    return EvalEnvironment(
        bot,
        products,
        PolicyBook.load(policy_dir).docs,
        orders_ready=amounts is not None,
        order_amounts=amounts or frozenset(),
    )


def _import_orders(bot: SupportBot, path: Path) -> frozenset[Amount] | None:
    """Load `path` into the bot's local order store (as `xiaoer orders import`); the orders' amounts, or None
    when the bot has no order flow to look them up."""
    from bot.orders.carriers import default_carriers
    from bot.orders.importer import load_orders
    from bot.orders.order_row import RowContext
    from bot.orders.store_sql import SqlOrderStore

    database = getattr(bot.runtime, "database", None)
    if database is None or bot.flow is None:
        return None
    load = load_orders(path, RowContext(catalog=bot.index.get, carriers=default_carriers()))
    if load.errors:
        log.warning("%d order rows rejected: %s", len(load.errors), load.errors[:3])
    SqlOrderStore(database).upsert(load.orders)
    return frozenset(
        Amount(value, order.currency)
        for order in load.orders
        for value in (order.total, *(item.unit_price for item in order.items))
    )
