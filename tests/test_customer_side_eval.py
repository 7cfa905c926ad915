"""The customer-side evaluation set (tests/data/customer_side.yaml): every conversation passes on the offline bot
with no grounding error — bargain/offer questions beside a price question, contact channels, authenticity,
term questions on a named product, an item's own return bullet, other languages, noise bullets."""

from __future__ import annotations

from pathlib import Path

from tests.support.case_sets import assert_floor, run_case_file
from tests.support.core_fixtures import sample_knowledge

CASES = Path(__file__).parent / "data" / "customer_side.yaml"


async def test_every_customer_side_conversation_passes_offline(tmp_path: Path) -> None:
    cases, report = await run_case_file(tmp_path / "data", CASES, knowledge=sample_knowledge())
    assert len(cases.cases) >= 30
    assert not assert_floor(report, len(cases.cases))
    assert report.grounding_errors == 0 and report.overall == 1.0
