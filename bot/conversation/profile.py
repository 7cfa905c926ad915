"""Interest keywords mined from a user's own messages, decayed over time, used to nudge rankings.

Each product-related message adds 1 to the score of each of its keywords; older scores halve every
`half_life_days`, so what a user asked about this week outweighs last month. Only the top `keep`
keywords are stored. Re-ranking is deliberately slight: relevance first, interests break near-ties.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.conversation.store import ConversationStore, Interests
from bot.domain.clock import utcnow
from knowledge.models import SearchHit

_NOISE = re.compile(r"^(\d+(\.\d+)?|[\W_]+|.)$")


def decayed(score: float, since: datetime, now: datetime, half_life_days: float) -> float:
    age_days = max(0.0, (now - since).total_seconds() / 86400)
    return score * math.pow(0.5, age_days / half_life_days)


class InterestProfile:
    """Reads and updates one store's interest scores."""

    def __init__(self, store: ConversationStore, *, half_life_days: float = 14.0, keep: int = 30) -> None:
        self.store = store
        self.half_life_days = half_life_days
        self.keep = keep

    def record(self, user_id: str, keywords: Iterable[str], now: datetime | None = None) -> None:
        """Add this message's keywords (numbers, punctuation and single characters are ignored)."""
        scores = self.updated(self.store.interests(user_id), keywords, now)
        if scores is not None:
            self.store.save_interests(user_id, scores)

    def updated(
        self, scores: Interests, keywords: Iterable[str], now: datetime | None = None
    ) -> dict[str, tuple[float, datetime]] | None:
        """`scores` (as read from the store) with this message's keywords added and the weakest now dropped
        beyond `keep`; None when the message has no interest words (nothing to write).

        Only the message's keywords change: each gets its score decayed to `now` plus 1, stamped `now`. The
        other keywords keep their stored (score, time) as they are — decay is exponential, so
        `decayed(s, at)` later equals decaying the score re-stamped now (up to float rounding), and a store
        that skips unchanged rows writes only the message's keywords. Ranking for `keep` uses every score
        decayed to `now`, as before. Two keywords tie after the same history either way (same stored pair)."""
        words = {k.strip().lower() for k in keywords if k and not _NOISE.match(k.strip())}
        if not words:
            return None
        now = now or utcnow()
        current = {k: decayed(s, at, now, self.half_life_days) for k, (s, at) in scores.items()}
        for word in words:
            current[word] = current.get(word, 0.0) + 1.0
        kept = sorted(current.items(), key=lambda item: -item[1])[: self.keep]
        return {k: (score, now) if k in words else scores[k] for k, score in kept}

    def top(self, user_id: str, n: int = 10, now: datetime | None = None) -> list[tuple[str, float]]:
        """The user's strongest interests now, best first."""
        return self.ranked(self.store.interests(user_id), n, now)

    def ranked(self, scores: Interests, n: int = 10, now: datetime | None = None) -> list[tuple[str, float]]:
        """The strongest of `scores` (as read from the store) now, best first."""
        now = now or utcnow()
        decayed_now = [(k, decayed(s, at, now, self.half_life_days)) for k, (s, at) in scores.items()]
        return sorted((item for item in decayed_now if item[1] >= 0.05), key=lambda item: -item[1])[:n]


def rerank(
    hits: Sequence[SearchHit], interests: Sequence[tuple[str, float]], max_lift: float = 1.1
) -> list[SearchHit]:
    """Nudge hits that mention the user's interests up by at most about one place (scores of different
    indexes are not comparable, ranks are); otherwise relevance order is kept."""
    if not interests or len(hits) < 2:
        return list(hits)
    top = max(score for _, score in interests) or 1.0

    def boost(hit: SearchHit) -> float:
        text = hit.product.search_text().lower()
        return min(1.0, sum(score / top for word, score in interests if word in text))

    keyed = [(index - max_lift * boost(hit), index, hit) for index, hit in enumerate(hits)]
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [replace(hit, explain={**hit.explain, "interest_lift": round(i - k, 3)}) for k, i, hit in keyed]
