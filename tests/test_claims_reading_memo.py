"""The allow-list gate reads a reply's sentences several times per turn (sentence gate, agreement check,
evidence); `Lexicon.marked`, `read_text`, `surface` and `quotable` are memoised per text. A memoised reading must equal a fresh one,
the memo must stay bounded, and every labelled reply set must get the same verdicts with cold and warm memos."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.conversation.claims.lexicon import MARKED_MEMO, lexicon
from bot.conversation.claims.quote import quotable
from bot.conversation.claims.text import scanned, surface
from bot.conversation.claims.units import read_text
from bot.conversation.grounding import check_llm_reply
from bot.redteam import ALLOWLIST_SET, REPLY_SET, default_sets_dir
from bot.redteam.sets import facts_for, load

# Texts of our own, beyond the sets: repeats of one sentence, traditional script, denials through a list.
OWN = [
    "这款支持7天无理由退货。这款支持7天无理由退货。",
    "本店不支持貨到付款，也沒有會員價或者新人價。",
    "We don't offer price matching, coupons or cashback.",
    "满99包邮，偏远地区除外；退货运费由买家承担。",
    "",
]


def _verdicts(data: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    profiles = data.get("profiles", {})
    out = []
    for case in data["cases"]:
        profile = case.get("profile") or profiles[case["facts"]]
        allowed = tuple(Decimal(str(a)) for a in case.get("allowed_amounts", []))
        facts = facts_for(profile, allowed, str(case.get("quoted", "")))
        out.append((case["id"], tuple(sorted(str(v) for v in check_llm_reply(case["reply"], facts)))))
    return out


def test_memoised_reading_equals_a_fresh_one() -> None:
    lex = lexicon()
    texts = [*OWN, *(c["reply"] for c in load(default_sets_dir() / ALLOWLIST_SET)["cases"])]
    for text in texts:
        fresh = tuple(lex._mark(read_text(text)))
        assert lex.marked(read_text(text)) == fresh
        assert lex.marked(read_text(text)) == fresh  # from the memo
        assert read_text(text) == scanned(surface.__wrapped__(text)).lower()
        assert surface(text) == surface.__wrapped__(text)
        assert quotable(text) == quotable.__wrapped__(text)


def test_the_reading_memo_is_bounded() -> None:
    lex = lexicon()
    for n in range(MARKED_MEMO + 10):
        lex.marked(f"第{n}件满99包邮")
        assert len(lex._marked) <= MARKED_MEMO
    assert lex.marked("第3件满99包邮") == tuple(lex._mark("第3件满99包邮"))


def test_reply_sets_get_the_same_verdicts_with_cold_and_warm_memos() -> None:
    for name in (ALLOWLIST_SET, REPLY_SET):
        data = load(default_sets_dir() / name)
        lexicon()._marked.clear()
        for cached in (read_text, surface, quotable):
            cached.cache_clear()
        cold = _verdicts(data)
        assert _verdicts(data) == cold
