"""The conversation evaluation harness: the case format, the checks on a reply, and a slice of the real set
run through the real offline bot (the whole set runs with `xiaoer eval conversations`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain.messages import Outbound, ProductCard
from bot.evaluation.cases import CaseFormatError, load_cases, parse_clock
from bot.evaluation.checks import (
    CatalogNames,
    PolicyQuotes,
    check,
    grounding_errors,
    money_in,
    observe,
    policy_amounts,
)
from bot.evaluation.environment import open_environment
from bot.evaluation.runner import PENDING_ORDERS, run_conversations
from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook
from tests.support.case_sets import assert_floor, run_case_file
from tests.support.core_fixtures import sample_knowledge, sample_products

CASES = Path(__file__).parent / "data" / "conversations.yaml"
OTHER = Path(__file__).parent / "data" / "other_conversations.yaml"
HELDOUT = Path(__file__).parent / "data" / "conversations_heldout.yaml"
HELDOUT_SEARCH = Path(__file__).parent / "data" / "conversations_heldout_search.yaml"
OTHER_HELDOUT_SEARCH = Path(__file__).parent / "data" / "other_heldout_search.yaml"
KINDS = Path(__file__).parent / "data" / "conversations_kinds.yaml"  # session 6: invented, every case runs
DEMO12C = (
    Path(__file__).parent / "data" / "conversations_demo12c.yaml"
)  # session 6 fix round: tester + invented
# The cases of conversations_demo12c.yaml the offline bot gets right (before the fixes: 2/21 tester turns, 18/37 invented; 3 change cases added later).
DEMO12C_FLOOR = 61
FIX12G = Path(__file__).parent / "data" / "conversations_fix12g.yaml"  # session 8: tester12d + invented
# The cases of conversations_fix12g.yaml the offline bot gets right (first run on 7e50d42, before the fixes:
# 26/65 — tester turns 1/19, invented 25/46 held out; after them 65/65, and 8 "g12p-" cases written after the
# fixes for the kinds found on the way: 73/73). Only ever raise.
FIX12G_FLOOR = 73
FIX12I = Path(__file__).parent / "data" / "conversations_fix12i.yaml"  # session 8: tester12e + invented
# The cases of conversations_fix12i.yaml the offline bot gets right (first run on f7a110b, before the fixes:
# 26/42 — tester turns 3/11, invented 23/31 held out; after them 39/42; then 8 "i12p-" cases written after the
# fixes and 3 more tester turns (browse picks, 瑜伽用品) added with their fix: 51/53). Only ever raise.
FIX12I_FLOOR = 51
# session 8: tester12e-demo kinds, invented. The cases the offline bot gets right (first run on f62b806, before
# the fixes: 6/25; milestone 1: 12/25; milestone 2: 20/25; final: 22/25).
FIX12K = Path(__file__).parent / "data" / "conversations_fix12k.yaml"
FIX12K_FLOOR = 22
PRODUCTS = sample_products()
NAMES = CatalogNames(PRODUCTS.values())
DOCS = PolicyBook.load(SAMPLE_POLICIES_DIR).docs
# One or two conversations of every kind (no order cases: they wait for issue 14).
SLICE = (
    "search-001",
    "topic-switch-201",
    "negation-202",
    "comparison-202",
    "follow-up-201",
    "follow-up-205",
    "topic-switch-002",
    "negation-001",
    "after-sales-003",
    "named-product-002",
    "named-product-005",
    "attribute-007",
    "attribute-011",
    "superlative-002",
    "superlative-008",
    "comparison-004",
    "comparison-006",
    "follow-up-002",
    "follow-up-014",
    "currency-003",
    "policy-001",
    "small-talk-001",
    "injection-001",
    "unknown-006",
    "language-variety-004",
    "attribute-101",
    "after-sales-102",
    "language-variety-101",
    "cross-language-101",
    "unknown-102",
    "language-variety-503",
    "after-sales-506",
)


def reply(text: str, skus: tuple[str, ...] = (), chat: str = "c") -> list[Outbound]:
    return [Outbound(chat_id=chat, text=text, cards=tuple(ProductCard(sku=s, title=s) for s in skus))]


def case_with(tmp_path: Path, expect: str, turns: str = "- 你好") -> object:
    path = tmp_path / "cases.yaml"
    path.write_text(
        f"# eval clock: 2026-11-30T12:00:00+08:00\n- id: t-1\n  category: search\n  turns:\n    {turns}\n"
        f"  expect:\n{expect}\n",
        encoding="utf-8",
    )
    return load_cases(path).cases[0]


def test_the_set_loads_with_its_clock() -> None:
    cases = load_cases(CASES)
    assert cases.clock.isoformat() == "2026-11-30T12:00:00+08:00"
    assert len(cases.cases) == 424 and len({c.id for c in cases.cases}) == 424
    assert sum(c.needs_orders for c in cases.cases) == 26
    other = load_cases(OTHER)
    assert len(other.cases) >= 40
    heldout = load_cases(HELDOUT)  # written before the session-4 fixes, never tuned on
    assert len(heldout.cases) >= 30 and not {c.id for c in heldout.cases} & {c.id for c in cases.cases}
    search = load_cases(HELDOUT_SEARCH)  # session 5: gifts, kinds, refinements, cheap-first, brands
    other_search = load_cases(OTHER_HELDOUT_SEARCH)
    assert len(search.cases) + len(other_search.cases) >= 40
    assert not {c.id for c in search.cases} & {c.id for c in cases.cases}


def test_bad_files_fail_with_the_case_named(tmp_path: Path) -> None:
    with pytest.raises(CaseFormatError, match="eval clock"):
        parse_clock("# no clock here")
    with pytest.raises(CaseFormatError, match=r"t-1.*unknown checks"):
        case_with(tmp_path, "    skus_anyy: [RUN-001]")


def test_products_shown_are_cards_then_titles_and_skus_named() -> None:
    seen = observe(
        reply("最便宜的是 倍思 WM02 真无线蓝牙耳机，也可以看看 EAR-011。", ("EAR-007",)), "c", NAMES
    )
    assert seen.shown == ("EAR-007", "EAR-019", "EAR-011") and seen.script == "zh"  # no script-only character


def test_script_ignores_quoted_titles_and_reads_traditional() -> None:
    english = observe(reply("The cheapest is 倍思 WM02 真无线蓝牙耳机 at ¥79.00."), "c", NAMES)
    traditional = observe(reply("退貨要在簽收後 7 天內申請。"), "c", NAMES)
    assert english.script == "en" and traditional.script == "hant"


def test_money_is_read_with_its_currency_and_titles_do_not_count() -> None:
    assert money_in("¥79.00 和 $19.99，还有 12.99 USD") == [
        *money_in("¥79.00"),
        *money_in("$19.99"),
        *money_in("12.99 USD"),
    ]
    assert [(a.value, a.currency) for a in money_in("$19.99")] == [(Decimal("19.99"), "USD")]
    assert money_in("瑜伽砖 2块装") == []


def test_checks_and_grounding_on_a_wrong_reply(tmp_path: Path) -> None:
    case = case_with(
        tmp_path,
        "    top_sku: EAR-004\n    max_price: {amount: 500, currency: CNY}\n    handoff: false\n"
        "    says_unknown: true",
        turns="- AirPods 4 多少钱",
    )
    wrong = observe(reply("Apple AirPods Pro 2 (USB-C) 的价格是 ¥999.00，有货。/human"), "c", NAMES)
    reasons = check(case, wrong, PRODUCTS, PolicyQuotes(DOCS))  # type: ignore[arg-type]
    assert any("top product EAR-003" in r for r in reasons)
    assert any("over 500" in r for r in reasons) and "a human offered/opened" in reasons
    assert "does not say it is not known/sold" in reasons
    errors = grounding_errors(case, wrong, PRODUCTS, policy_amounts(DOCS), "AirPods 4 多少钱")  # type: ignore[arg-type]
    assert any("999" in e for e in errors) and any("about EAR-003" in e for e in errors)


def test_a_usd_price_quoted_in_yuan_is_a_grounding_error(tmp_path: Path) -> None:
    case = case_with(tmp_path, "    top_sku: EAR-016", turns="- Momentum 4 多少钱")
    seen = observe(reply("Sennheiser Momentum 4 Wireless Headphones 的价格是 ¥299.99。"), "c", NAMES)
    assert grounding_errors(case, seen, PRODUCTS, set(), "Momentum 4 多少钱")  # type: ignore[arg-type]
    right = observe(reply("Sennheiser Momentum 4 Wireless Headphones 的价格是 $299.99。"), "c", NAMES)
    assert not grounding_errors(case, right, PRODUCTS, set(), "Momentum 4 多少钱")  # type: ignore[arg-type]


def test_policy_quotes_are_found_in_either_script() -> None:
    quotes = PolicyQuotes(DOCS)
    assert "returns" in quotes.quoted("签收之日起 7 天内，商品未使用、吊牌和包装完好")
    assert quotes.quoted("你好呀") == set()


async def test_a_slice_of_the_set_passes_on_the_offline_bot(tmp_path: Path) -> None:
    cases = load_cases(CASES)
    chosen = [c for c in cases.cases if c.id in SLICE]
    env = open_environment(tmp_path / "data", clock=cases.clock, knowledge=sample_knowledge())
    try:
        report = await run_conversations(env.bot, chosen, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    failures = {r.id: [*r.reasons, *r.grounding] for r in report.results if not r.passed}
    assert not failures, failures
    assert report.grounding_errors == 0 and report.overall == 1.0
    data = report.to_json()
    assert set(data) >= {"overall", "categories", "failures"} and PENDING_ORDERS in data["pending"]


async def test_the_session_6_kinds_set_passes_whole_on_the_offline_bot(tmp_path: Path) -> None:
    cases = load_cases(KINDS)
    assert len(cases.cases) >= 40 and not {c.id for c in cases.cases} & {
        c.id for c in load_cases(CASES).cases
    }
    _, report = await run_case_file(tmp_path / "data", KINDS, knowledge=sample_knowledge())
    assert not assert_floor(report, len(cases.cases))


async def test_the_tester12c_demo_kinds_pass_on_the_offline_bot(tmp_path: Path) -> None:
    cases = load_cases(DEMO12C)
    invented = [c for c in cases.cases if c.id.startswith("d12c-")]
    assert len(invented) >= 30 and not {c.id for c in cases.cases} & {
        c.id for f in (CASES, KINDS) for c in load_cases(f).cases
    }
    _, report = await run_case_file(tmp_path / "data", DEMO12C, knowledge=sample_knowledge())
    assert_floor(report, DEMO12C_FLOOR)


async def test_the_tester12d_demo_kinds_pass_on_the_offline_bot(tmp_path: Path) -> None:
    cases = load_cases(FIX12G)
    invented = [c for c in cases.cases if c.id.startswith("g12-")]
    assert len(invented) >= 30 and not {c.id for c in cases.cases} & {
        c.id for f in (CASES, KINDS, DEMO12C) for c in load_cases(f).cases
    }
    _, report = await run_case_file(tmp_path / "data", FIX12G, knowledge=sample_knowledge())
    assert_floor(report, FIX12G_FLOOR)


async def test_the_tester12e_demo_kinds_pass_on_the_offline_bot(tmp_path: Path) -> None:
    cases = load_cases(FIX12I)
    invented = [c for c in cases.cases if c.id.startswith("i12-")]
    assert len(invented) >= 25 and not {c.id for c in cases.cases} & {
        c.id for f in (CASES, KINDS, DEMO12C, FIX12G) for c in load_cases(f).cases
    }
    _, report = await run_case_file(tmp_path / "data", FIX12I, knowledge=sample_knowledge())
    assert_floor(report, FIX12I_FLOOR)


async def test_the_tester12e_demo_follow_up_kinds_pass_on_the_offline_bot(tmp_path: Path) -> None:
    cases = load_cases(FIX12K)
    assert len(cases.cases) >= 20 and not {c.id for c in cases.cases} & {
        c.id for f in (CASES, KINDS, DEMO12C, FIX12G, FIX12I) for c in load_cases(f).cases
    }
    _, report = await run_case_file(tmp_path / "data", FIX12K, knowledge=sample_knowledge())
    assert_floor(report, FIX12K_FLOOR)


async def test_the_whole_main_set_passes_on_the_offline_bot(tmp_path: Path) -> None:
    """Every case of conversations.yaml that needs no order source (those run with `--orders`), not a slice:
    a change anywhere in understanding or answers that breaks one of them fails here (~15 s)."""
    cases = load_cases(CASES)
    chosen = [c for c in cases.cases if not c.needs_orders]
    env = open_environment(tmp_path / "data", clock=cases.clock, knowledge=sample_knowledge())
    try:
        report = await run_conversations(env.bot, chosen, catalog=env.products, policies=env.policies)
    finally:
        env.close()
    assert len(report.results) == len(chosen) == 398
    failures = assert_floor(report, len(chosen) - len(KNOWN_MISSES))
    assert set(failures) <= KNOWN_MISSES, failures


# Cases of the main set allowed to fail (none since session 8: a superlative asked afresh over a kind no longer
# counts what is filed under its category but titled as another kind — the power bank under 充电器 for
# '功率最大的充电头', the arm sleeves under 防晒 for 'cheapest sunscreen'). Only ever fewer.
KNOWN_MISSES: set[str] = set()
