"""Run conversation cases through a conversation core and score them: task success per category, overall,
and grounding errors.

Each case is a fresh chat (its own chat id) of the same core; every turn is sent as the customer (or the
case's second group member) would send it, and only the LAST reply is checked (see `bot.evaluation.checks`).
Order cases (issue 14) form their own group, "orders (pending issue 14)", kept out of the overall figure
until the core can look orders up (`orders_ready`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.domain.messages import Inbound, Outbound, Role
from bot.domain.protocols import ConversationCore
from bot.evaluation.cases import Case
from bot.evaluation.checks import (
    Amount,
    CatalogNames,
    PolicyQuotes,
    check,
    grounding_errors,
    observe,
    policy_amounts,
)
from knowledge.models import PolicyDoc, Product

PENDING_ORDERS = "orders (pending issue 14)"


@dataclass(frozen=True)
class CaseResult:
    id: str
    category: str
    group: str  # the category, or PENDING_ORDERS
    passed: bool
    reasons: tuple[str, ...]
    grounding: tuple[str, ...]
    reply: str
    shown: tuple[str, ...]
    seconds: float
    turns: int


@dataclass(frozen=True)
class GroupScore:
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class EvalReport:
    """Task success per group and overall (pending groups excluded), grounding errors, timings."""

    results: tuple[CaseResult, ...]
    seconds: float
    pending: frozenset[str] = field(default_factory=frozenset)

    def groups(self) -> dict[str, GroupScore]:
        out: dict[str, list[CaseResult]] = {}
        for result in self.results:
            out.setdefault(result.group, []).append(result)
        return {name: GroupScore(sum(r.passed for r in rs), len(rs)) for name, rs in out.items()}

    @property
    def scored(self) -> list[CaseResult]:
        return [r for r in self.results if r.group not in self.pending]

    @property
    def overall(self) -> float:
        scored = self.scored
        return sum(r.passed for r in scored) / len(scored) if scored else 0.0

    @property
    def grounding_errors(self) -> int:
        return sum(len(r.grounding) for r in self.results)

    def turn_latencies(self) -> list[float]:
        return [r.seconds / r.turns for r in self.results if r.turns]

    def to_json(self) -> dict[str, object]:
        """The fixed JSON shape: {"overall", "categories": {name: {passed, total, rate}}, "failures": [...]}"""
        return {
            "overall": round(self.overall, 4),
            "categories": {
                name: {"passed": s.passed, "total": s.total, "rate": round(s.rate, 4)}
                for name, s in sorted(self.groups().items())
            },
            "failures": [
                {"id": r.id, "reasons": [*r.reasons, *(f"grounding: {g}" for g in r.grounding)]}
                for r in self.results
                if not r.passed or r.grounding
            ],
            "pending": sorted(self.pending),
            "grounding_errors": self.grounding_errors,
            "cases": len(self.results),
            "seconds": round(self.seconds, 2),
        }


async def run_case(
    core: ConversationCore, case: Case, *, channel: str = "terminal"
) -> tuple[list[Outbound], str]:
    """Send every turn of `case` in a fresh chat; the outbounds of the last turn and the chat id."""
    chat_id = f"eval:{case.id}"
    last: list[Outbound] = []
    for n, turn in enumerate(case.turns, 1):
        inbound = Inbound(
            chat_id=chat_id,
            user_id=f"{chat_id}:{turn.user}",
            text=turn.text,
            role=Role.CUSTOMER,
            channel=channel,
            user_name=turn.user,
            callback_data=turn.callback,
            is_group=case.is_group,
            update_id=n,
        )
        last = await core.handle(inbound)
    return last, chat_id


async def run_conversations(
    core: ConversationCore,
    cases: Iterable[Case],
    *,
    catalog: Iterable[Product],
    policies: Iterable[PolicyDoc],
    orders_ready: bool = False,
    order_amounts: Iterable[Amount] = (),
    channel: str = "terminal",
    on_result: Callable[[CaseResult], None] | None = None,
) -> EvalReport:
    """Run and score every case (sequentially: chats of one core share its caches as in production)."""
    products: Mapping[str, Product] = {p.sku: p for p in catalog}
    docs = list(policies)
    names, quotes, amounts = CatalogNames(products.values()), PolicyQuotes(docs), policy_amounts(docs)
    results: list[CaseResult] = []
    started = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        outbounds, chat_id = await run_case(core, case, channel=channel)
        seconds = time.perf_counter() - t0
        observed = observe(outbounds, chat_id, names)
        reasons = check(case, observed, products, quotes)
        customer = "\n".join(t.text for t in case.turns)
        # A verified order's own amounts (total, unit prices) are grounded on order cases (the core's truth
        # guard checks them against exactly the verified order).
        allowed = (
            amounts | set(order_amounts) if case.needs_orders or case.category == "after_sales" else amounts
        )
        grounding = grounding_errors(case, observed, products, allowed, customer)
        group = PENDING_ORDERS if case.needs_orders and not orders_ready else case.category
        result = CaseResult(
            case.id,
            case.category,
            group,
            not reasons and not grounding,
            tuple(reasons),
            tuple(grounding),
            observed.text,
            observed.shown,
            seconds,
            len(case.turns),
        )
        results.append(result)
        if on_result is not None:
            on_result(result)
    pending = frozenset() if orders_ready else frozenset({PENDING_ORDERS})
    return EvalReport(tuple(results), time.perf_counter() - started, pending)
