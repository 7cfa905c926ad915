"""`OrderDesk`: the one object the conversation (and the handoff card) calls for order support.

Every method takes plain values (chat, user, order number, proof, request kind) and returns plain values
(`VerificationResult`, `OrderView`, `Verdict`, `OrderFacts`, after-sales requests and notifications). Each
customer-facing read goes through the verifier first: without a live verified link for exactly this
(chat, user) the answer is None, whatever the order number.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.orders.aftersales import AfterSalesRequest, Notification
from bot.orders.aftersales_service import AfterSalesService
from bot.orders.carriers import CarrierBook, default_carriers
from bot.orders.clock import Clock, system_clock
from bot.orders.eligibility import CategoryLookup, RequestKind, Verdict, eligibility
from bot.orders.notes import agent_note
from bot.orders.order import Order
from bot.orders.source import DEFAULT_RECENT, OrderSource
from bot.orders.verification import OrderVerifier, VerificationResult
from bot.orders.view import OrderFacts, OrderView, TitleLookup, order_facts, status_view
from knowledge.policy_terms import PolicyTerms


@dataclass
class OrderDesk:
    """Order status, eligibility and after-sales for verified customers (see the module docstring)."""

    source: OrderSource
    verifier: OrderVerifier
    aftersales: AfterSalesService
    terms: PolicyTerms = field(default_factory=PolicyTerms)
    carriers: CarrierBook = field(default_factory=default_carriers)
    titles: TitleLookup | None = None
    categories: CategoryLookup | None = None
    clock: Clock = system_clock
    # how many orders a local store holds (None: a remote source, assumed to hold the shop's orders)
    stored: Callable[[], int] | None = None

    async def has_orders(self) -> bool:
        """False when the order source is a local store with no orders imported: nothing can be looked up,
        so the conversation answers from the shipping policy and offers a person instead of asking for an
        order number it can never match."""
        if self.stored is None:
            return True
        return await asyncio.to_thread(self.stored) > 0

    async def verify(self, chat_id: str, user_id: str, order_number: str, proof: str) -> VerificationResult:
        return await self.verifier.verify(chat_id, user_id, order_number, proof)

    async def view(self, chat_id: str, user_id: str, order_number: str) -> OrderView | None:
        """The order as the customer may see it, or None when (chat, user) has not verified it."""
        order = await self.verifier.verified_order(chat_id, user_id, order_number)
        return self._view(order) if order is not None else None

    async def recent(self, chat_id: str, user_id: str, limit: int = DEFAULT_RECENT) -> list[OrderView]:
        """The verified customer's recent orders, newest first: those recorded with exactly the same phone and
        e-mail as the order they verified last. They become verified for (chat, user) too (the same proof holds
        for them), so `view` and `facts` cover what this lists."""
        keys = await self.verifier.verified_keys(chat_id, user_id)
        if not keys:
            return []
        anchor = await self.source.get(keys[0])
        if anchor is None:
            return []
        others = await self.source.recent(anchor.contact, limit)
        linked = await self.verifier.link_same_contact(chat_id, user_id, anchor, others)
        return [self._view(order) for order in linked]

    async def eligibility(
        self,
        chat_id: str,
        user_id: str,
        order_number: str,
        kind: RequestKind,
        *,
        opened: bool | None = None,
        opened_words: str = "",
    ) -> Verdict | None:
        """Whether the verified order qualifies for `kind` now; None when not verified (`opened`: see
        `eligibility`, like `opened_words`)."""
        order = await self.verifier.verified_order(chat_id, user_id, order_number)
        if order is None:
            return None
        used = await self.aftersales.exchanges_used(order.key) if kind is RequestKind.EXCHANGE else 0
        return self._eligibility(order, kind, used, opened, opened_words)

    async def request(
        self,
        chat_id: str,
        user_id: str,
        order_number: str,
        kind: RequestKind,
        *,
        reason: str = "",
        photos: Sequence[str] = (),
        opened: bool | None = None,
        opened_words: str = "",
    ) -> tuple[AfterSalesRequest, Notification, Verdict] | None:
        """Open an after-sales request on a verified order, with the rules' verdict attached; None when not
        verified. Requests are opened whatever the verdict: a person decides (the verdict explains why)."""
        order = await self.verifier.verified_order(chat_id, user_id, order_number)
        if order is None:
            return None
        used = await self.aftersales.exchanges_used(order.key) if kind is RequestKind.EXCHANGE else 0
        verdict = self._eligibility(order, kind, used, opened, opened_words)
        request, notice = await self.aftersales.open(
            order, kind, chat_id=chat_id, user_id=user_id, reason=reason, verdict=verdict, photos=photos
        )
        return request, notice, verdict

    async def open_requests(self, chat_id: str, user_id: str, order_number: str) -> list[AfterSalesRequest]:
        """The requests still open (requested, approved) on the verified order, oldest first; [] when
        (chat, user) has not verified it."""
        order = await self.verifier.verified_order(chat_id, user_id, order_number)
        if order is None:
            return []
        return [r for r in await self.aftersales.for_order(order.key) if r.is_open]

    async def requests(self, chat_id: str, user_id: str, order_number: str) -> list[AfterSalesRequest]:
        """Every after-sales request on the verified order (any state), oldest first; [] when (chat, user) has
        not verified it."""
        order = await self.verifier.verified_order(chat_id, user_id, order_number)
        return [] if order is None else list(await self.aftersales.for_order(order.key))

    async def agent_note(self, chat_id: str, user_id: str, order_number: str) -> tuple[str, bool]:
        """The verified order's note as agents may read it (`bot.orders.notes.agent_note`); ("", False) when
        there is none or (chat, user) has not verified the order. Never for the customer's eyes."""
        order = await self.verifier.verified_order(chat_id, user_id, order_number)
        return agent_note(order.note) if order is not None else ("", False)

    async def facts(self, chat_id: str, user_id: str, verdicts: Sequence[Verdict] = ()) -> OrderFacts:
        """Every fact a reply to (chat, user) may state about orders: those of the orders they verified."""
        facts = OrderFacts()
        for key in await self.verifier.verified_keys(chat_id, user_id):
            order = await self.source.get(key)
            if order is not None:
                facts = facts | order_facts(self._view(order), verdicts)
        return facts

    def _view(self, order: Order) -> OrderView:
        return status_view(
            order, self.terms.shipping, self.clock(), carriers=self.carriers, titles=self.titles
        )

    def _eligibility(
        self,
        order: Order,
        kind: RequestKind,
        exchanges_used: int,
        opened: bool | None = None,
        opened_words: str = "",
    ) -> Verdict:
        return eligibility(
            order,
            kind,
            self.terms.returns,
            self.clock(),
            categories=self.categories,
            exchanges_used=exchanges_used,
            opened=opened,
            opened_words=opened_words,
        )
