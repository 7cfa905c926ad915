"""`SqlOrderStore`: the local orders store in the shared SQL database (SQLite by default, PostgreSQL to scale).

Filled by `xiaoer orders import`; read by the verifier and the staff `/order` command. Timestamps are kept as
ISO 8601 text with the shop's own UTC offset (SQLite has no timezone type, and the offset is what the
customer should read), plus a UTC epoch column for ordering. Money is exact decimal text. The contact columns
hold what the shop recorded; they leave this module only inside a `CustomerContact`, which renders masked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Integer, String, Text, delete, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.orders.contact import CustomerContact
from bot.orders.errors import OrderSourceUnavailable
from bot.orders.order import Order, OrderItem, OrderStatus, normalise_order_number
from bot.orders.source import DEFAULT_RECENT, UpsertCounts
from bot.storage.db import Base, Database


class OrderRow(Base):
    __tablename__ = "orders"

    order_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    placed_at: Mapped[str] = mapped_column(String(40))
    placed_ts: Mapped[float] = mapped_column(Float, index=True)
    paid_at: Mapped[str] = mapped_column(String(40), default="")
    shipped_at: Mapped[str] = mapped_column(String(40), default="")
    delivered_at: Mapped[str] = mapped_column(String(40), default="")
    total: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(8))
    shipping_fee: Mapped[str] = mapped_column(String(32), default="0")
    discount: Mapped[str] = mapped_column(String(32), default="0")
    carrier: Mapped[str] = mapped_column(String(32), default="")
    carrier_name: Mapped[str] = mapped_column(String(128), default="")
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    tracking_url: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    phone_key: Mapped[str] = mapped_column(String(32), default="", index=True)
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    city: Mapped[str] = mapped_column(String(128), default="")
    province: Mapped[str] = mapped_column(String(128), default="")
    source: Mapped[str] = mapped_column(String(32), default="local")
    cancelled_at: Mapped[str] = mapped_column(String(40), default="", server_default="")
    refunded_at: Mapped[str] = mapped_column(String(40), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    content_hash: Mapped[str] = mapped_column(String(32))
    items: Mapped[list[OrderItemRow]] = relationship(
        order_by="OrderItemRow.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderItemRow(Base):
    __tablename__ = "order_items"

    order_key: Mapped[str] = mapped_column(
        ForeignKey("orders.order_key", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(256), default="")


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _text(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _to_order(row: OrderRow) -> Order:
    return Order(
        order_id=row.order_id,
        status=OrderStatus(row.status),
        placed_at=datetime.fromisoformat(row.placed_at),
        items=tuple(
            OrderItem(
                sku=item.sku,
                quantity=item.quantity,
                unit_price=Decimal(item.unit_price),
                title=item.title,
                category=item.category,
            )
            for item in row.items
        ),
        total=Decimal(row.total),
        currency=row.currency,
        contact=CustomerContact(phone=row.phone, email=row.email),
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        paid_at=_time(row.paid_at),
        shipped_at=_time(row.shipped_at),
        delivered_at=_time(row.delivered_at),
        city=row.city,
        province=row.province,
        carrier_name=row.carrier_name,
        tracking_url=row.tracking_url,
        shipping_fee=Decimal(row.shipping_fee),
        discount=Decimal(row.discount),
        source=row.source,
        cancelled_at=_time(row.cancelled_at),
        refunded_at=_time(row.refunded_at),
        note=row.note,
    )


def _order_values(order: Order, digest: str) -> dict[str, object]:
    return {
        "order_key": order.key,
        "order_id": order.order_id,
        "status": order.status.value,
        "placed_at": _text(order.placed_at),
        "placed_ts": order.placed_at.timestamp(),
        "paid_at": _text(order.paid_at),
        "shipped_at": _text(order.shipped_at),
        "delivered_at": _text(order.delivered_at),
        "total": str(order.total),
        "currency": order.currency,
        "shipping_fee": str(order.shipping_fee),
        "discount": str(order.discount),
        "carrier": order.carrier,
        "carrier_name": order.carrier_name,
        "tracking_number": order.tracking_number,
        "tracking_url": order.tracking_url,
        "phone": order.contact.phone,
        "phone_key": order.contact.phone_key,
        "email": order.contact.email_key,
        "city": order.city,
        "province": order.province,
        "source": order.source,
        "cancelled_at": _text(order.cancelled_at),
        "refunded_at": _text(order.refunded_at),
        "note": order.note,
        "content_hash": digest,
    }


def _item_values(order: Order) -> list[dict[str, object]]:
    return [
        {
            "order_key": order.key,
            "position": position,
            "sku": item.sku,
            "quantity": item.quantity,
            "unit_price": str(item.unit_price),
            "title": item.title,
            "category": item.category,
        }
        for position, item in enumerate(order.items)
    ]


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices that stay under the databases' bound-parameter limits."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@contextmanager
def database_errors() -> Iterator[None]:
    """SQLAlchemy's errors become `OrderSourceUnavailable("database")`, so callers know only our type."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise OrderSourceUnavailable(
            f"the order database is unavailable ({type(exc).__name__})", "database"
        ) from exc


class SqlOrderStore:
    """`OrderStore` on SQLAlchemy (its tables come from the migrations: `bot.storage.migrate`).

    Raises `OrderSourceUnavailable` (reason "database") when the database cannot be reached."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sessions = database.sessions

    async def get(self, order_number: str) -> Order | None:
        return await asyncio.to_thread(self.get_now, order_number)

    async def recent(self, contact: CustomerContact, limit: int = DEFAULT_RECENT) -> list[Order]:
        return await asyncio.to_thread(self.recent_now, contact, limit)

    def get_now(self, order_number: str) -> Order | None:
        key = normalise_order_number(order_number)
        if not key:
            return None
        with database_errors(), self._sessions() as session:
            row = session.get(OrderRow, key)
            return _to_order(row) if row is not None else None

    def recent_now(self, contact: CustomerContact, limit: int = DEFAULT_RECENT) -> list[Order]:
        conditions = []
        if contact.phone_key:
            conditions.append(OrderRow.phone_key == contact.phone_key)
        if contact.email_key:
            conditions.append(OrderRow.email == contact.email_key)
        if not conditions or limit <= 0:
            return []
        with database_errors(), self._sessions() as session:
            rows = session.scalars(
                select(OrderRow)
                .where(or_(*conditions))
                .order_by(OrderRow.placed_ts.desc(), OrderRow.order_key.desc())
                .limit(limit)
            ).all()
            return [_to_order(row) for row in rows]

    def upsert(self, orders: Sequence[Order]) -> UpsertCounts:
        """One transaction for the whole batch: an import either lands completely or not at all. Changed orders
        are replaced (their items are re-numbered); new and changed rows go in as bulk inserts."""
        added = updated = unchanged = 0
        fresh: dict[str, tuple[Order, str]] = {}
        replaced: list[str] = []
        with database_errors(), self._sessions.begin() as session:
            existing = self._hashes(session, [order.key for order in orders])
            for order in orders:
                digest = order.content_hash()
                previous = existing.get(order.key)
                if previous == digest:
                    unchanged += 1
                    continue
                if previous is None:
                    added += 1
                else:
                    updated += 1
                    replaced.append(order.key)
                existing[order.key] = digest
                fresh[order.key] = (order, digest)
            for chunk in _chunks(replaced):
                session.execute(delete(OrderItemRow).where(OrderItemRow.order_key.in_(chunk)))
                session.execute(delete(OrderRow).where(OrderRow.order_key.in_(chunk)))
            if fresh:
                session.execute(insert(OrderRow), [_order_values(o, d) for o, d in fresh.values()])
                items = [values for order, _ in fresh.values() for values in _item_values(order)]
                if items:
                    session.execute(insert(OrderItemRow), items)
        return UpsertCounts(added, updated, unchanged)

    @staticmethod
    def _hashes(session: Session, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            rows = session.execute(
                select(OrderRow.order_key, OrderRow.content_hash).where(OrderRow.order_key.in_(chunk))
            )
            found.update({key: digest for key, digest in rows})
        return found

    def count(self) -> int:
        with database_errors(), self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(OrderRow)) or 0)
