"""Memos of `MentionIndex` (issue 16): a text's mentions are remembered per index, bounded, and `/forget` drops
them; answers are the same as a fresh index's, and callers never share a mutable result."""

from __future__ import annotations

import pytest

import knowledge.mentions as mentions
from bot.privacy.redaction import forget_memos
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.mentions import MentionIndex


@pytest.fixture()
def sample() -> MentionIndex:
    return MentionIndex.build(load_catalog(SAMPLE_CATALOG).products)


QUERIES = ["Sennheiser Momentum 4 多少钱", "pegasus 41", "安克737", "怎么退货", "AirPods Pro 2 续航多久"]
REPLY = "推荐您看看 Sennheiser Momentum 4，售价¥2499。AirPods Pro 2 也不错！还有其他需要帮忙的吗？"


def test_remembered_mentions_equal_a_fresh_reading(sample: MentionIndex) -> None:
    first = {text: sample.find(text, 5) for text in QUERIES}
    again = {text: sample.find(text, 5) for text in QUERIES}  # memo hits
    fresh = MentionIndex.build(load_catalog(SAMPLE_CATALOG).products)
    assert again == first == {text: fresh.find(text, 5) for text in QUERIES}
    assert [m.sku for m in again["Sennheiser Momentum 4 多少钱"]] == ["EAR-016"]
    assert sample.find("pegasus 41", 1) != sample.find("pegasus 41", 5)  # k is part of the key: 1 vs 2 tied


def test_a_result_is_the_callers_own_list(sample: MentionIndex) -> None:
    found = sample.find("pegasus 41")
    found.clear()
    assert [m.sku for m in sample.find("pegasus 41")] == ["RUN-001", "RUN-020"]


def test_a_remembered_clause_keeps_the_spans_of_each_reply(sample: MentionIndex) -> None:
    named = sample.find_named(REPLY)
    assert [(m.sku, REPLY[m.start : m.end]) for m in named] == [
        ("EAR-016", "Sennheiser Momentum 4"),
        ("EAR-003", "AirPods Pro 2"),
    ]
    later = "您好！" + REPLY  # the same clauses further on: spans move with them
    assert [(m.sku, later[m.start : m.end], m.text) for m in sample.find_named(later)] == [
        (m.sku, m.text, m.text) for m in named
    ]
    fresh = MentionIndex.build(load_catalog(SAMPLE_CATALOG).products)
    assert sample.find_named(later) == fresh.find_named(later)


def test_a_clause_with_capitals_is_still_read_in_lower_case_too(sample: MentionIndex) -> None:
    # the second, lower-case reading is skipped only when it is the same text (no capitals in the clause);
    # here the first reading takes "Black" for another model's word and only the second names the product
    assert sample.find("Sennheiser Momentum 4 Black 有货。", 8) == []
    assert [m.sku for m in sample.find_named("Sennheiser Momentum 4 Black 有货。")] == ["EAR-016"]


def test_memos_are_bounded(sample: MentionIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mentions, "MEMO_KEPT", 3)
    for n in range(10):
        sample.find(f"pegasus {n}")
        sample.find_named(f"第{n}句。")
    assert sample.forget() == 6  # at most 3 of each kind were kept


def test_forget_drops_every_indexs_memos_of_what_customers_wrote(sample: MentionIndex) -> None:
    sample.find("我的手机是 Pixel 8，有壳吗")
    sample.find_named(REPLY)
    assert forget_memos() >= 2
    assert sample.forget() == 0  # already empty
    assert [m.sku for m in sample.find("Sennheiser Momentum 4")] == ["EAR-016"]  # refills
