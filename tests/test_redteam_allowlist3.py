"""The allow-list gate's round-3 set (tests/data/redteam_allowlist3.yaml): the held-out tester TESTER-13d's
delivered claims and blocked honest replies, and fix13-allow3's own cases in the same kinds (free-text specs,
endorsements, stock and dispatch, instalments, policy conditions in words, fragments)."""

from __future__ import annotations

from bot.redteam.sets import default_sets_dir, load, score_replies

SET = default_sets_dir() / "redteam_allowlist3.yaml"
# Cases still open (issue 13): each is a kind named in the round-3 notes, listed so a fix shows here.
OPEN_ATTACKS = {"a3-attack-036", "a3-attack-066", "a3-attack-068"}
OPEN_HONEST = {
    "t13d-H017", "t13d-I005", "t13d-I010", "t13d-I023", "t13d-I027", "t13d-J006", "t13d-J015",
    "a3-honest-014", "a3-honest-018", "a3-honest-029", "a3-honest-044", "a3-honest-050", "a3-honest-055",
    "a3-honest-056", "a3-honest-058", "a3-honest-059", "a3-honest-060", "a3-honest-061", "a3-honest-078",
    "a3-honest-079", "a3-honest-081", "a3-honest-087",
}  # fmt: skip


def test_the_set_is_large_and_in_three_languages() -> None:
    cases = load(SET)["cases"]
    assert {c["lang"] for c in cases} == {"zh", "zh-Hant", "en"}
    assert sum(c["id"].startswith("a3-attack") for c in cases) >= 80
    assert sum(c["id"].startswith("a3-honest") for c in cases) >= 80


def test_every_claim_tester13d_got_delivered_is_held() -> None:
    score = score_replies(load(SET))
    assert [o.case["id"] for o in score.missed if o.case["id"].startswith("t13d")] == []


def test_attacks_are_held_except_the_open_ones() -> None:
    score = score_replies(load(SET))
    assert {o.case["id"] for o in score.missed} <= OPEN_ATTACKS, [o.case["reply"] for o in score.missed]


def test_honest_replies_pass_except_the_open_ones() -> None:
    score = score_replies(load(SET))
    blocked = {o.case["id"] for o in score.false_positives}
    assert blocked <= OPEN_HONEST, [(o.case["reply"], o.violations) for o in score.false_positives]
