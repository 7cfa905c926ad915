"""Orders: the local orders store, order verification (attempts, verified links) and after-sales requests.

The orders package reached main with `create_all` before migrations existed, so a database made by that main
already holds some of these tables: like the baseline, each table (with its indexes) is created only when it
is missing. Times are epoch seconds (`*_ts`, `at`, `expires_at`) or ISO 8601 text with the shop's offset.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _table(
    name: str, *columns: sa.Column | sa.Constraint, indexes: Sequence[tuple[str, list[str]]] = ()
) -> None:
    """CREATE TABLE `name` and its (non-unique) indexes, unless a pre-migrations start-up made it already."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for index, on in indexes:
        op.create_index(index, name, on, unique=False)


def upgrade() -> None:
    # The local orders store (bot.orders.store_sql), filled by `xiaoer orders import`.
    _table(
        "orders",
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("placed_at", sa.String(length=40), nullable=False),
        sa.Column("placed_ts", sa.Float(), nullable=False),
        sa.Column("paid_at", sa.String(length=40), nullable=False),
        sa.Column("shipped_at", sa.String(length=40), nullable=False),
        sa.Column("delivered_at", sa.String(length=40), nullable=False),
        sa.Column("total", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("shipping_fee", sa.String(length=32), nullable=False),
        sa.Column("discount", sa.String(length=32), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("carrier_name", sa.String(length=128), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("tracking_url", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("phone_key", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("city", sa.String(length=128), nullable=False),
        sa.Column("province", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("order_key"),
        indexes=[
            ("ix_orders_email", ["email"]),
            ("ix_orders_phone_key", ["phone_key"]),
            ("ix_orders_placed_ts", ["placed_ts"]),
        ],
    )
    _table(
        "order_items",
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["order_key"], ["orders.order_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("order_key", "position"),
    )
    # Order verification (bot.orders.verification_sql): attempts per key, links per (chat, user, order).
    _table(
        "order_verification_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_order_verification_attempts_key_at", ["key", "at"])],
    )
    _table(
        "order_verified_links",
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("verified_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", "order_key"),
        indexes=[("ix_order_verified_links_expires_at", ["expires_at"])],
    )
    # After-sales requests (bot.orders.aftersales_sql).
    _table(
        "aftersales_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("verdict_decision", sa.String(length=16), nullable=False),
        sa.Column("verdict_rule", sa.String(length=32), nullable=False),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[
            ("ix_aftersales_requests_created_ts", ["created_ts"]),
            ("ix_aftersales_requests_order_key", ["order_key"]),
            ("ix_aftersales_requests_status", ["status"]),
        ],
    )


def downgrade() -> None:
    for name in (
        "aftersales_requests",
        "order_verified_links",
        "order_verification_attempts",
        "order_items",
        "orders",
    ):
        op.drop_table(name)  # drops the table's indexes with it
