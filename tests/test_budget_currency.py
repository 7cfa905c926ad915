"""A budget in another currency than the shop's: compared through a configured rate, else only against prices
in that currency, and the reply says which (issue 12: never a bare "$100" against "¥99")."""

from __future__ import annotations

from pathlib import Path

from bot.evaluation.cases import load_cases
from bot.evaluation.environment import open_environment
from bot.evaluation.runner import run_conversations
from bot.wiring import Knowledge
from knowledge.catalog import SAMPLE_CATALOG, SAMPLE_POLICIES_DIR, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.policies import PolicyBook
from knowledge.query import QueryParser

CASES = """# eval clock: 2026-11-30T12:00:00+08:00
- id: currency-t1
  category: currency
  lang: en
  turns: [running shoes under 100 dollars]
  expect: {expect_shoes}
- id: currency-t2
  category: currency
  lang: zh
  turns: [$100以内的耳机]
  expect: {expect_earbuds}
"""


def _knowledge(rates: ExchangeRates) -> Knowledge:
    products = load_catalog(SAMPLE_CATALOG).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor, rates=rates)
    index.upsert(products)
    policies = PolicyBook.load(SAMPLE_POLICIES_DIR, extractor=extractor)
    return Knowledge(index, extractor, vocabulary, QueryParser(vocabulary, extractor), policies, rates)


async def _run(tmp_path: Path, rates: ExchangeRates, shoes: str, earbuds: str) -> dict[str, list[str]]:
    path = tmp_path / "cases.yaml"
    path.write_text(CASES.format(expect_shoes=shoes, expect_earbuds=earbuds), encoding="utf-8")
    cases = load_cases(path)
    env = open_environment(tmp_path / "data", clock=cases.clock, knowledge=_knowledge(rates))
    try:
        report = await run_conversations(env.bot, cases.cases, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    assert report.grounding_errors == 0, [r.grounding for r in report.results]
    return {r.id: [*r.reasons, *r.grounding] for r in report.results if not r.passed}


async def test_without_a_rate_only_prices_in_the_budget_currency_are_compared(tmp_path: Path) -> None:
    failures = await _run(
        tmp_path,
        NO_RATES,
        '{max_price: {amount: 100, currency: USD}, contains_all: ["no exchange rate", "yuan"], script: en}',
        '{skus_any: [EAR-017], max_price: {amount: 100, currency: USD}, contains_all: ["人民币", "没有设置汇率"]}',
    )
    assert not failures, failures


async def test_a_configured_rate_converts_the_budget_and_says_so(tmp_path: Path) -> None:
    # 100 USD = 710 CNY: yuan-priced shoes up to ¥710 qualify; the rate is named in the reply
    failures = await _run(
        tmp_path,
        ExchangeRates.parse("USD:CNY=7.1"),
        "{skus_any: [RUN-011, RUN-005, RUN-008], max_price: {amount: 710, currency: CNY}, "
        'contains_all: ["USD→CNY exchange rate of 7.10"], script: en}',
        '{skus_any: [EAR-007, EAR-011, EAR-017], skus_none: [EAR-004, EAR-016], contains_all: ["7.10"]}',
    )
    assert not failures, failures
