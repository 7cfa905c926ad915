"""Run one conversation case file over a shop's catalog (and policies) offline, as the eval CLI does, and check
its floor: the shared body of the other-shop eval tests (tests/test_other_shops.py, test_pets_cycling*.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.evaluation.cases import CaseFile, load_cases
from bot.evaluation.environment import open_environment
from bot.evaluation.runner import EvalReport, run_conversations
from bot.wiring import Knowledge


async def run_case_file(
    data_dir: Path,
    cases: Path,
    *,
    catalog: Path | None = None,
    policies: Path | None = None,
    knowledge: Knowledge | None = None,
    only: tuple[str, ...] = (),
) -> tuple[CaseFile, EvalReport]:
    """The loaded cases and their report on a fresh offline bot built in `data_dir` from `catalog`/`policies`
    (default: the bundled demo), or over an already opened `knowledge`; `only`: the cases whose id starts with
    one of these prefixes (a slice of a file that spans several shops)."""
    loaded = load_cases(cases)
    if only:
        loaded = replace(loaded, cases=tuple(c for c in loaded.cases if c.id.startswith(only)))
    env = open_environment(
        data_dir, clock=loaded.clock, catalog=catalog, policies=policies, knowledge=knowledge
    )
    try:
        report = await run_conversations(env.bot, loaded.cases, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    return loaded, report


def assert_floor(report: EvalReport, floor: int) -> dict[str, list[str]]:
    """Asserts 0 grounding errors and at least `floor` passing cases; returns the failures (id → reasons)."""
    failures = {r.id: [*r.reasons, *r.grounding] for r in report.results if not r.passed}
    assert report.grounding_errors == 0, failures
    assert sum(r.passed for r in report.results) >= floor, failures
    return failures
