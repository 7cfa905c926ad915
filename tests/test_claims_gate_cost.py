"""Cost cuts of the truth guard (issue 16): the claims of a text are extracted once per text (memoised,
bounded, cleared by /forget), and the concessions patterns fold case simply (V1's full folding made them ~3x
slower) with `_ASSURED` run only on sentences that hold an assurance word. Each must give what the slow
path gives: same claims, same grants and assured uses, on the red-team reply sets and our own texts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import regex

from bot.conversation.claims import concessions, extract_claims, forget_claim_memos
from bot.conversation.claims.extract import CLAIMS_MEMO, ClaimKind, _extracted
from bot.conversation.claims.support import split_sentences
from bot.conversation.claims.units import read_text
from bot.redteam import ALLOWLIST_SET, REPLY_SET, default_sets_dir
from bot.redteam.sets import load

OWN = [
    "这款 ¥399，满99包邮，7天无理由退货。",
    "现价 899 元，送一副耳塞；保修一年。",
    "做蛋糕也没问题，两只猫一起装也没问题。",
    "不在保修范围；但我们还是给你换新的。",
    "Swimming with them is no problem. It isn't covered, but we'll replace it regardless.",
    "The straße bag is no ißue; we'll replace it regardleß, mißing item or not.",
    "",
]


def _texts() -> list[str]:
    texts = list(OWN)
    for name in (ALLOWLIST_SET, REPLY_SET):
        data: dict[str, Any] = load(default_sets_dir() / name)
        texts += [c["reply"] for c in data["cases"]] + [str(c.get("quoted", "")) for c in data["cases"]]
    return texts + [s for t in texts for s in split_sentences(t)]


def test_memoised_claims_equal_fresh_ones_and_are_a_fresh_list() -> None:
    for text in _texts():
        fresh = list(_extracted.__wrapped__(text))
        assert extract_claims(text) == fresh
        got = extract_claims(text)  # from the memo
        assert got == fresh
        got.clear()  # a caller's list is its own
        assert extract_claims(text) == fresh


def test_the_claims_memo_holds_the_right_claims() -> None:
    for _ in range(2):  # fresh, then from the memo
        claims = extract_claims("现价 899 元，买就送赠品，保修一年。")
        assert [c.value for c in claims if c.kind is ClaimKind.MONEY] == [(Decimal("899"), "CNY")]
        assert [c.value for c in claims if c.kind is ClaimKind.WARRANTY] == [("month", Decimal("12"))]
        assert any(c.kind is ClaimKind.GIFT for c in claims)


def test_the_claims_memo_is_bounded_and_forgotten() -> None:
    forget_claim_memos()
    for n in range(CLAIMS_MEMO + 10):
        extract_claims(f"第{n}件 ¥99")
    assert _extracted.cache_info().currsize == CLAIMS_MEMO
    assert forget_claim_memos() >= CLAIMS_MEMO  # every text memo of the ledger is cleared with it
    assert _extracted.cache_info().currsize == 0


def _full_folding(pattern: regex.Pattern[str]) -> regex.Pattern[str]:
    return regex.compile(pattern.pattern.removeprefix("(?-f)"), regex.I | regex.V1)


def test_simple_case_folding_finds_what_full_folding_finds() -> None:
    assert concessions._ALWAYS.flags & regex.FULLCASE == 0
    slow = {name: _full_folding(getattr(concessions, name)) for name in ("_ALWAYS", "_RESTRICTS", "_GRANT_AFTER", "_ASSURED", "_POLICY_CONDITION", "_NEGATED", "_COUNT")}  # fmt: skip
    for text in _texts():
        read = read_text(text)
        for name, pattern in slow.items():
            fast = getattr(concessions, name)
            assert [m.span() for m in fast.finditer(read)] == [m.span() for m in pattern.finditer(read)], (
                name,
                text,
            )


def test_assurances_and_grants_are_still_found() -> None:
    assert concessions.assured_uses("可以的，美的电压力锅做蛋糕也没问题") == ["美的电压力锅做蛋糕"]
    assert concessions.assured_uses("Swimming with them is no problem.") == ["swimming with them"]
    assert concessions.assured_uses("这款支持7天无理由退货。") == []
    assert concessions.grants("不在保修范围；但我们还是给你换新的。") is not None
    assert concessions.grants("It isn't covered, but we'll replace it regardleß.") is not None
    assert concessions.grants("这款支持7天无理由退货。") is None
