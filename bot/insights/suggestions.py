"""Suggestions mined from the traffic: new dictionary words, synonym pairs with evidence, FAQ candidates.

- Dictionary words: unknown product words are often split apart by the tokenizer ("筋膜枪" → "筋膜" + "枪"), so
  they are found as Chinese character n-grams that recur across different unanswered queries — never a
  function word or a gram holding one (哪个好, 便宜, 客服).
- Synonyms: a customer word the catalog does not use, paired with a catalog word only on evidence: turns
  with the customer word resolved (matched) to the same product as turns with the catalog word, or — with a
  product index — to products of one category (that category's name). Function words are never paired.
  Clicks are not recorded, so "co-clicked" evidence is the same resolved product.
- FAQ candidates: policy questions (service topics such as 优惠券, 发票, 送货上门) the policies could not answer,
  clustered by topic (then by shared characters) and proposed with how often they were asked.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import regex

from bot.conversation.intents import Intent
from bot.insights.analysis import is_policy_question, requested
from bot.insights.lexicon import CatalogWords, Lexicon, default_lexicon
from bot.insights.records import TurnRecord

CJK_RUN = regex.compile(r"\p{Han}{2,}")
EN_WORD = re.compile(r"[a-z][a-z0-9\-]{2,}")
# Characters that never start or end a product term.
GLUE = set("的了吗呢吧啊有没是么什怎这那个款些要想买卖给我你他她它们和与或也都很太多少钱能可以请问一下")
_PUNCT = re.compile(r"[\s?？!！。.,，~～]+")


@dataclass(frozen=True)
class Suggestions:
    dictionary_words: list[tuple[str, int]]  # (word, distinct queries)
    synonym_pairs: list[tuple[str, str]]  # (customer word, catalog word)
    faq_candidates: list[tuple[str, int]]  # (question, times asked)
    synonym_evidence: dict[tuple[str, str], int] | None = None  # pair → supporting turns


MAX_WORD = 8  # characters: long enough that a whole product word (儿童自行车, 电动牙刷头) is one gram


def _ngrams(run: str, low: int = 2, high: int = MAX_WORD) -> set[str]:
    return {run[i : i + n] for n in range(low, high + 1) for i in range(len(run) - n + 1)}


def candidate_words(
    texts: Iterable[str], known: set[str], min_queries: int = 2, lexicon: Lexicon | None = None
) -> list[tuple[str, int]]:
    """Maximal n-grams shared by ≥ `min_queries` distinct queries that the dictionary lacks (no function words).

    Grams run up to `MAX_WORD` characters, so a five-character word is suggested whole, never as the two
    overlapping four-character pieces 儿童自行 / 童自行车.
    """
    lexicon = lexicon or default_lexicon()
    counts: Counter[str] = Counter()
    for text in dict.fromkeys(t.strip() for t in texts):
        grams: set[str] = set()
        for run in CJK_RUN.findall(text):
            grams |= {g for g in _ngrams(run) if g[0] not in GLUE and g[-1] not in GLUE}
        grams |= set(EN_WORD.findall(text.lower()))
        counts.update(g for g in grams if not lexicon.contains_function(g))
    covered = set(known) | {g for word in known for run in CJK_RUN.findall(word) for g in _ngrams(run)}
    frequent = {g: c for g, c in counts.items() if c >= min_queries and g.lower() not in covered}
    # Keep a gram only if no longer gram with the same count contains it (prefer "筋膜枪" to "筋膜").
    maximal = [
        (g, c)
        for g, c in frequent.items()
        if not any(g != other and g in other and frequent[other] >= c for other in frequent)
    ]
    return sorted(maximal, key=lambda item: (-item[1], -len(item[0]), item[0]))


def synonym_pairs(
    turns: Iterable[TurnRecord],
    catalog: CatalogWords,
    category_of: Callable[[str], str | None] | None = None,
    min_evidence: int = 2,
    lexicon: Lexicon | None = None,
) -> dict[tuple[str, str], int]:
    """(customer word, catalog word) → supporting turns, for pairs with at least `min_evidence` turns."""
    lexicon = lexicon or default_lexicon()
    by_sku_catalog: dict[str, set[str]] = defaultdict(set)
    customer: list[tuple[str, str, bool, bool]] = []  # (word, resolved sku, turn names a category / a brand)
    for turn in turns:
        if turn.matched is not True or not turn.skus:
            continue
        words = requested(turn, catalog, lexicon)
        top = turn.skus[0]
        named = [w for w in words if w in catalog]
        by_sku_catalog[top] |= {w for w in named if w in catalog.categories or w in catalog.brands}
        has_category = any(w in catalog.categories for w in named) or any(
            w in catalog.words and w not in catalog.brands for w in named
        )
        has_brand = any(w in catalog.brands for w in named) or bool(turn.filters.get("brand"))
        customer += [
            (w, top, has_category, has_brand)
            for w in words
            if w not in catalog and not lexicon.contains_function(w)
        ]
    evidence: Counter[tuple[str, str]] = Counter()
    for word, sku, has_category, has_brand in customer:
        targets = set(by_sku_catalog.get(sku, ()))
        if category_of is not None and (leaf := category_of(sku)):
            targets.add(leaf.lower())
        # a word next to a category word is not that category's synonym (耐克 in 耐克跑鞋 is no 跑步鞋)
        targets = {
            t
            for t in targets
            if not (has_category and t in catalog.categories) and not (has_brand and t in catalog.brands)
        }
        for target in targets:
            if target != word and not lexicon.is_function(target):
                evidence[(word, target)] += 1
    return {pair: n for pair, n in evidence.most_common() if n >= min_evidence}


def _similar(a: str, b: str) -> bool:
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    return bool(grams_a and grams_b) and len(grams_a & grams_b) / len(grams_a | grams_b) >= 0.3


def faq_candidates(
    turns: Iterable[TurnRecord], min_count: int = 2, lexicon: Lexicon | None = None
) -> list[tuple[str, int]]:
    """Policy questions the policies did not answer, clustered by service topic (then shared characters).

    Each cluster is proposed as its most common wording with the number of times it was asked.
    """
    lexicon = lexicon or default_lexicon()
    clusters: dict[str, list[str]] = defaultdict(list)
    loose: list[list[str]] = []
    for turn in turns:
        text = turn.text.strip()
        if not text or not is_policy_question(turn, lexicon):
            continue
        if turn.intent == Intent.POLICY.value and turn.answered:
            continue  # the policies answered it
        topic = lexicon.topic_of(text)
        if topic is not None:
            clusters[topic].append(text)
            continue
        key = _PUNCT.sub("", text.lower())
        group = next((g for g in loose if _similar(_PUNCT.sub("", g[0].lower()), key)), None)
        if group is None:
            loose.append([text])
        else:
            group.append(text)
    groups = [*clusters.values(), *loose]
    found = [(Counter(g).most_common(1)[0][0], len(g)) for g in groups if len(g) >= min_count]
    return sorted(found, key=lambda item: (-item[1], item[0]))


def build_suggestions(
    turns: list[TurnRecord],
    known_words: set[str],
    limit: int = 15,
    catalog: CatalogWords | None = None,
    category_of: Callable[[str], str | None] | None = None,
) -> Suggestions:
    """Dictionary words from unanswered product queries, evidenced synonyms and FAQ candidates.

    (A nearest search hit is no evidence that two words mean the same: 便宜 → 床品 was the result.)
    """
    lexicon = default_lexicon()
    catalog = catalog or CatalogWords(known_words)
    unanswered = [t for t in turns if not t.answered and not is_policy_question(t, lexicon)]
    words = candidate_words((t.text for t in unanswered), {w.lower() for w in known_words}, lexicon=lexicon)
    evidence = synonym_pairs(turns, catalog, category_of, lexicon=lexicon)
    return Suggestions(words[:limit], list(evidence)[:limit], faq_candidates(turns)[:limit], evidence)


def apply_dictionary(words: Iterable[str], path: Path, lexicon: Lexicon | None = None) -> list[str]:
    """Append accepted words to the shop's user-dictionary file (one per line); returns those added.

    Function words (哪个好, 便宜, 客服) are never added, whoever suggested them."""
    lexicon = lexicon or default_lexicon()
    existing = set(path.read_text(encoding="utf-8").split()) if path.exists() else set()
    added = [w for w in dict.fromkeys(words) if w and w not in existing and not lexicon.contains_function(w)]
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{word}\n" for word in added)
    return added
