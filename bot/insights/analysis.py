"""Turn raw turn records into decisions: trends, unanswered clusters, catalog gaps, SKU exposure.

Pure functions over records, so the same report can be printed, charted, exported or sent to staff.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean

from bot.conversation.intents import Intent
from bot.insights.records import InsightsStore, OutcomeEvent, TurnRecord

# Intents whose unanswered turns mean "we don't sell that" rather than a policy or small-talk miss.
PRODUCT_INTENTS = frozenset(
    {Intent.PRODUCT_QUESTION.value, Intent.RECOMMENDATION.value, Intent.COMPARISON.value}
)


@dataclass(frozen=True)
class KeywordTrend:
    keyword: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def ratio(self) -> float:
        """Growth with add-one smoothing, so new words rank by how often they appear."""
        return (self.current + 1) / (self.previous + 1)


@dataclass(frozen=True)
class QueryCluster:
    """Queries grouped by their leading keyword, with a few examples for the shop to read."""

    keyword: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class InsightsReport:
    since: datetime
    until: datetime
    turns: int
    users: int
    answered_share: float
    rising: list[KeywordTrend]
    falling: list[KeywordTrend]
    top_keywords: list[KeywordTrend]
    unanswered: list[QueryCluster]
    gaps: list[QueryCluster]
    recommended: list[tuple[str, int]]
    never_recommended: list[str]
    handoff_reasons: list[tuple[str, int]]
    ratings: list[int] = field(default_factory=list)

    @property
    def average_rating(self) -> float | None:
        return round(mean(self.ratings), 2) if self.ratings else None


def parse_period(text: str) -> timedelta:
    """'7d', '24h', '2w', '30m' → timedelta (a bare number means days)."""
    text = text.strip().lower()
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if text and text[-1] in units:
        number, unit = text[:-1], units[text[-1]]
    else:
        number, unit = text, "days"
    try:
        value = float(number)
    except ValueError as exc:
        raise ValueError(f"not a period: {text!r} (use e.g. 7d, 24h, 2w)") from exc
    if value <= 0:
        raise ValueError(f"period must be positive: {text!r}")
    return timedelta(**{unit: value})


def _keyword_counts(turns: Iterable[TurnRecord]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for turn in turns:
        counts.update(set(turn.keywords))
    return counts


def _clusters(turns: Iterable[TurnRecord], limit: int) -> list[QueryCluster]:
    groups: dict[str, list[str]] = defaultdict(list)
    for turn in turns:
        key = turn.keywords[0] if turn.keywords else turn.text[:12]
        groups[key].append(turn.text)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        QueryCluster(keyword, len(texts), tuple(dict.fromkeys(texts))[:3])
        for keyword, texts in ranked[:limit]
    ]


def _trends(current: list[TurnRecord], previous: list[TurnRecord]) -> list[KeywordTrend]:
    now, before = _keyword_counts(current), _keyword_counts(previous)
    return [KeywordTrend(k, now.get(k, 0), before.get(k, 0)) for k in set(now) | set(before)]


@dataclass(frozen=True)
class Window:
    """The records of one report: this period, the one before it, and this period's outcome events."""

    since: datetime
    until: datetime
    current: list[TurnRecord]
    previous: list[TurnRecord]
    events: list[OutcomeEvent]

    @classmethod
    def read(cls, store: InsightsStore, period: timedelta, now: datetime) -> Window:
        since = now - period
        return cls(
            since, now, store.turns(since, now), store.turns(since - period, since), store.events(since, now)
        )


def build_report(
    store: InsightsStore,
    *,
    period: timedelta,
    now: datetime,
    catalog_skus: Iterable[str] = (),
    catalog_terms: Iterable[str] = (),
    limit: int = 10,
) -> InsightsReport:
    """The report for [now - period, now), compared with the period before it."""
    return report_for(
        Window.read(store, period, now), catalog_skus=catalog_skus, catalog_terms=catalog_terms, limit=limit
    )


def report_for(
    window: Window, *, catalog_skus: Iterable[str] = (), catalog_terms: Iterable[str] = (), limit: int = 10
) -> InsightsReport:
    """`catalog_terms` (titles, brands, categories, attribute values) decide whether an unanswered keyword
    is a catalog gap (nothing like it is sold) or a retrieval miss (it is sold but was not found)."""
    since, now, current, previous, events = (
        window.since,
        window.until,
        window.current,
        window.previous,
        window.events,
    )

    trends = _trends(current, previous)
    rising = sorted((t for t in trends if t.change > 0), key=lambda t: (-t.change, -t.ratio, t.keyword))
    falling = sorted((t for t in trends if t.change < 0), key=lambda t: (t.change, t.keyword))
    top = sorted((t for t in trends if t.current), key=lambda t: (-t.current, t.keyword))

    unanswered = [t for t in current if not t.answered]
    terms = " ".join(catalog_terms).lower()
    gap_turns = [
        t
        for t in unanswered
        if t.intent in PRODUCT_INTENTS and t.keywords and not any(k.lower() in terms for k in t.keywords)
    ]
    shown = Counter(sku for t in current for sku in dict.fromkeys(t.skus))
    never = sorted(set(catalog_skus) - set(shown))
    handoffs = Counter(e.value for e in events if e.kind == "handoff")
    ratings = [int(e.value) for e in events if e.kind == "rating" and e.value.isdigit()]

    return InsightsReport(
        since=since,
        until=now,
        turns=len(current),
        users=len({t.user for t in current}),
        answered_share=(1 - len(unanswered) / len(current)) if current else 1.0,
        rising=rising[:limit],
        falling=falling[:limit],
        top_keywords=top[:limit],
        unanswered=_clusters(unanswered, limit),
        gaps=_clusters(gap_turns, limit),
        recommended=shown.most_common(limit),
        never_recommended=never,
        handoff_reasons=handoffs.most_common(),
        ratings=ratings,
    )
