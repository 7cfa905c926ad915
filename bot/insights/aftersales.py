"""Order-support figures for insights: the WISMO share of traffic and after-sales requests by reason and outcome.

WISMO ("where is my order?") turns are customer turns the core labelled `order_status`; the share is of all
customer turns in the period. After-sales figures come from the outcome events the order conversation records
(`bot.orders.conversation`): `aftersales` (a request opened, value = its kind), `aftersales_outcome` (an
agent's decision, value = "<kind>:<status>") and `aftersales_refused` (the rules said no before a request was
opened, value = "<kind>:<rule>"). Decisions are counted in the period they were made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.insights.records import OutcomeEvent, TurnRecord

WISMO_INTENT = "order_status"
OUTCOMES = ("approved", "rejected", "completed")


@dataclass(frozen=True)
class AfterSalesRow:
    """One request kind ("return", "damaged" …): opened, decided per outcome, refused by the rules."""

    kind: str
    requested: int = 0
    approved: int = 0
    rejected: int = 0
    completed: int = 0
    refused_by_rules: int = 0


@dataclass(frozen=True)
class OrderSupport:
    wismo_turns: int = 0
    turns: int = 0
    aftersales: tuple[AfterSalesRow, ...] = field(default_factory=tuple)

    @property
    def wismo_share(self) -> float:
        return self.wismo_turns / self.turns if self.turns else 0.0


def order_support(turns: Iterable[TurnRecord], events: Iterable[OutcomeEvent]) -> OrderSupport:
    """The period's order-support figures (see the module docstring)."""
    turns = list(turns)
    wismo = sum(1 for t in turns if t.intent == WISMO_INTENT)
    requested: Counter[str] = Counter()
    decided: Counter[tuple[str, str]] = Counter()
    refused: Counter[str] = Counter()
    for event in events:
        if event.kind == "aftersales":
            requested[event.value] += 1
        elif event.kind == "aftersales_outcome" and ":" in event.value:
            kind, _, status = event.value.partition(":")
            decided[(kind, status)] += 1
        elif event.kind == "aftersales_refused" and ":" in event.value:
            refused[event.value.partition(":")[0]] += 1
    kinds = sorted(set(requested) | {k for k, _ in decided} | set(refused), key=lambda k: (-requested[k], k))
    rows = tuple(
        AfterSalesRow(
            kind,
            requested[kind],
            decided[(kind, "approved")],
            decided[(kind, "rejected")],
            decided[(kind, "completed")],
            refused[kind],
        )
        for kind in kinds
    )
    return OrderSupport(wismo, len(turns), rows)
