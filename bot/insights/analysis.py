"""Turn raw turn records into decisions: trends, catalog gaps, how well requests were answered, SKU exposure.

Pure functions over records, so the same report can be printed, charted, exported or sent to staff. Only
content counts as demand (`bot/insights/lexicon.py`): catalog words and whole unknown words, never 便宜 / 几款 /
第二个 / pro or a stub like "adida". A product request the bot answered with products that do not match it
(`TurnRecord.matched` False: 有iPhone 16吗 → chargers) is reported as a catalog gap and counted as "answered
with the closest", apart from "answered with a match"; old records without `matched` count by `answered`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean

from bot.conversation.intents import Intent, classify
from bot.insights.aftersales import OrderSupport, order_support
from bot.insights.lexicon import CatalogWords, Lexicon, content_words, default_lexicon
from bot.insights.records import InsightsStore, OutcomeEvent, TurnRecord

# Intents whose turns ask for products (an unknown intent with product words is one too).
PRODUCT_INTENTS = frozenset(
    {
        Intent.PRODUCT_QUESTION.value,
        Intent.RECOMMENDATION.value,
        Intent.COMPARISON.value,
        Intent.UNKNOWN.value,
    }
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
    """Queries grouped by what they asked for, with a few examples for the shop to read."""

    keyword: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Answering:
    """How product requests and policy questions were answered in the period (counts of turns)."""

    requests: int = 0
    with_match: int = 0  # a shown product matched what was asked
    with_closest: int = 0  # products were shown, none matched: the customer got the nearest thing
    not_found: int = 0  # the bot said it had nothing
    policy_questions: int = 0
    policy_answered: int = 0  # answered from the shop's policies

    def share(self, part: int) -> float:
        return part / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class InsightsReport:
    since: datetime
    until: datetime
    turns: int
    users: int
    answered_share: float  # any reply that was not a refusal (kept for comparison with earlier reports)
    rising: list[KeywordTrend]
    falling: list[KeywordTrend]
    top_keywords: list[KeywordTrend]
    unanswered: list[QueryCluster]
    gaps: list[QueryCluster]
    recommended: list[tuple[str, int]]
    never_recommended: list[str]
    handoff_reasons: list[tuple[str, int]]
    ratings: list[int] = field(default_factory=list)
    answering: Answering = field(default_factory=Answering)
    chats: int = 0
    handoff_chats: int = 0
    orders: OrderSupport = field(default_factory=OrderSupport)  # WISMO share, after-sales by reason/outcome

    @property
    def average_rating(self) -> float | None:
        return round(mean(self.ratings), 2) if self.ratings else None

    @property
    def handoff_rate(self) -> float:
        """Share of conversations (chats with turns) that went to a person."""
        return self.handoff_chats / self.chats if self.chats else 0.0

    @property
    def rating_rate(self) -> float:
        """Ratings given per handoff (customers are asked to rate after an agent closes the chat)."""
        handoffs = sum(n for _, n in self.handoff_reasons)
        return len(self.ratings) / handoffs if handoffs else 0.0


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


def requested(turn: TurnRecord, catalog: CatalogWords, lexicon: Lexicon | None = None) -> list[str]:
    """What a turn asked for: filter values (brand, category leaf, attribute values) and content words."""
    filters = turn.filters
    named = [filters.get("brand", ""), filters.get("category", "").split("/")[-1]]
    named += [v for k, v in filters.items() if k.startswith("attr:")]
    words = content_words((*named, *turn.keywords), f"{turn.text} {' '.join(named)}", catalog, lexicon)
    return words


def is_policy_question(turn: TurnRecord, lexicon: Lexicon | None = None) -> bool:
    """A question about the shop's service: the intent rules say so, or it names a service topic."""
    lexicon = lexicon or default_lexicon()
    return (
        turn.intent == Intent.POLICY.value
        or classify(turn.text).intent is Intent.POLICY
        or lexicon.topic_of(turn.text) is not None
    )


def _is_request(turn: TurnRecord, words: list[str], lexicon: Lexicon) -> bool:
    """A product request: matched products, or asked for products and is no service question (优惠券 …)."""
    if turn.matched is True:
        return True
    if is_policy_question(turn, lexicon):
        return False  # a policy question the policies missed falls through to search: still a policy question
    return turn.matched is False or (turn.intent in PRODUCT_INTENTS and bool(words))


def _unmet(turn: TurnRecord) -> bool:
    """Nothing shown matched: the bot said it had nothing, or showed only the closest products."""
    return turn.matched is False or not turn.answered


def _trends(
    current: list[TurnRecord], previous: list[TurnRecord], catalog: CatalogWords, lexicon: Lexicon
) -> list[KeywordTrend]:
    def counts(turns: list[TurnRecord]) -> Counter[str]:
        found: Counter[str] = Counter()
        for turn in turns:
            if not is_policy_question(turn, lexicon):
                found.update(set(requested(turn, catalog, lexicon)))
        return found

    now, before = counts(current), counts(previous)
    return [KeywordTrend(k, now.get(k, 0), before.get(k, 0)) for k in set(now) | set(before)]


def _clusters(groups: dict[str, list[str]], limit: int) -> list[QueryCluster]:
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        QueryCluster(keyword, len(texts), tuple(dict.fromkeys(texts))[:3])
        for keyword, texts in ranked[:limit]
    ]


def _answering(turns: list[TurnRecord], catalog: CatalogWords, lexicon: Lexicon) -> Answering:
    requests = with_match = closest = not_found = questions = policy_answered = 0
    for turn in turns:
        if is_policy_question(turn, lexicon) and turn.matched is not True:
            questions += 1
            policy_answered += turn.intent == Intent.POLICY.value and turn.answered
            continue
        if not _is_request(turn, requested(turn, catalog, lexicon), lexicon):
            continue
        requests += 1
        if not turn.answered:
            not_found += 1
        elif turn.matched is False:
            closest += 1
        else:
            with_match += 1
    return Answering(requests, with_match, closest, not_found, questions, policy_answered)


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
    catalog: CatalogWords | None = None,
    limit: int = 10,
) -> InsightsReport:
    """The report for [now - period, now), compared with the period before it."""
    return report_for(
        Window.read(store, period, now),
        catalog_skus=catalog_skus,
        catalog=catalog or CatalogWords.from_terms(catalog_terms),
        limit=limit,
    )


def report_for(
    window: Window,
    *,
    catalog_skus: Iterable[str] = (),
    catalog: CatalogWords | None = None,
    lexicon: Lexicon | None = None,
    limit: int = 10,
) -> InsightsReport:
    """`catalog` (the catalog's whole words) tells content from noise; gaps come from unmatched requests."""
    catalog = catalog or CatalogWords(())
    lexicon = lexicon or default_lexicon()
    current = window.current
    trends = _trends(current, window.previous, catalog, lexicon)
    rising = sorted((t for t in trends if t.change > 0), key=lambda t: (-t.change, -t.ratio, t.keyword))
    falling = sorted((t for t in trends if t.change < 0), key=lambda t: (t.change, t.keyword))
    top = sorted((t for t in trends if t.current), key=lambda t: (-t.current, t.keyword))

    gaps: dict[str, list[str]] = defaultdict(list)
    unanswered: dict[str, list[str]] = defaultdict(list)
    for turn in current:
        words = requested(turn, catalog, lexicon)
        if not turn.answered:
            # the whole request (儿童 自行车), as for gaps: its first word alone (儿童) is not what was asked
            unanswered[" ".join(words[:3]) if words else turn.text[:12]].append(turn.text)
        if _unmet(turn) and _is_request(turn, words, lexicon) and words:
            gaps[" ".join(words[:3])].append(turn.text)
    shown = Counter(sku for t in current for sku in dict.fromkeys(t.skus))
    events = window.events
    handoffs = Counter(e.value for e in events if e.kind == "handoff")
    ratings = [int(e.value) for e in events if e.kind == "rating" and e.value.isdigit()]
    refused = sum(1 for t in current if not t.answered)
    return InsightsReport(
        since=window.since,
        until=window.until,
        turns=len(current),
        users=len({t.user for t in current}),
        answered_share=(1 - refused / len(current)) if current else 1.0,
        rising=rising[:limit],
        falling=falling[:limit],
        top_keywords=top[:limit],
        unanswered=_clusters(unanswered, limit),
        gaps=_clusters(gaps, limit),
        recommended=shown.most_common(limit),
        never_recommended=sorted(set(catalog_skus) - set(shown)),
        handoff_reasons=handoffs.most_common(),
        ratings=ratings,
        answering=_answering(current, catalog, lexicon),
        chats=len({t.chat for t in current}),
        handoff_chats=len({e.chat for e in events if e.kind == "handoff"}),
        orders=order_support(current, events),
    )
