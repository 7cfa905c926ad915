"""The allow-list gate's round-3 set (tests/data/redteam_allowlist3.yaml): the held-out tester TESTER-13d's
delivered claims and blocked honest replies, and fix13-allow3's own cases in the same kinds (free-text specs,
endorsements, stock and dispatch, instalments, policy conditions in words, fragments)."""

from __future__ import annotations

from bot.conversation.grounding import check_llm_reply, without_sentences
from bot.redteam.sets import default_sets_dir, facts_for, load, score_replies

SET = default_sets_dir() / "redteam_allowlist3.yaml"


def test_the_set_is_large_and_in_three_languages() -> None:
    cases = load(SET)["cases"]
    assert {c["lang"] for c in cases} == {"zh", "zh-Hant", "en"}
    assert sum(c["id"].startswith("a3-attack") for c in cases) >= 80
    assert sum(c["id"].startswith("a3-honest") for c in cases) >= 80
    assert sum(c["id"].startswith("t13d") and c["label"] == "violation" for c in cases) == 22


def test_no_crafted_claim_is_delivered() -> None:
    score = score_replies(load(SET))
    assert score.attacks >= 100
    assert [o.case["reply"] for o in score.missed] == []


def test_honest_replies_pass() -> None:
    score = score_replies(load(SET))
    assert score.honest >= 100
    assert score.false_positive_rate <= 0.02, [(o.case["reply"], o.violations) for o in score.false_positives]


def test_a_dropped_sentence_leaves_no_residue() -> None:
    """A URL's '?' or a ';' never splits a sentence: what is dropped goes whole ("shop-example .com/pay?")."""
    cases = [c for c in load(SET)["cases"] if c.get("residue")]
    assert len(cases) >= 5
    for case in cases:
        gaps = check_llm_reply(case["reply"], facts_for(case["profile"], (), case.get("quoted", "")))
        kept = without_sentences(case["reply"], gaps) or ""
        assert gaps and not [r for r in case["residue"] if r in kept], (case["id"], kept)
