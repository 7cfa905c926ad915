"""The customer-side evaluation set (tests/data/customer_side.yaml): every conversation passes on the offline bot
with no grounding error — bargain/offer questions beside a price question, contact channels, authenticity,
term questions on a named product, an item's own return bullet, other languages, noise bullets."""

from __future__ import annotations

from pathlib import Path

from bot.evaluation.cases import load_cases
from bot.evaluation.environment import open_environment
from bot.evaluation.runner import run_conversations
from tests.support.core_fixtures import sample_knowledge

CASES = Path(__file__).parent / "data" / "customer_side.yaml"


async def test_every_customer_side_conversation_passes_offline(tmp_path: Path) -> None:
    cases = load_cases(CASES)
    assert len(cases.cases) >= 30
    env = open_environment(tmp_path / "data", clock=cases.clock, knowledge=sample_knowledge())
    try:
        report = await run_conversations(env.bot, cases.cases, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    failures = {r.id: [*r.reasons, *r.grounding] for r in report.results if not r.passed}
    assert not failures, failures
    assert report.grounding_errors == 0 and report.overall == 1.0
