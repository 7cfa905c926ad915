"""The reader's per-catalog memos (words → category, words → kind) stay bounded however many distinct words
customers type: a shop that never changes its catalog must not grow them for ever."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bot.conversation.reader import MEMO_MAX, Reader
from tests.support.shops import keyword_shop

SAMPLE = Path(__file__).resolve().parents[1] / "knowledge" / "sample" / "catalog.csv"


def test_memos_keep_answers_and_stay_bounded() -> None:
    parser, index = keyword_shop(SAMPLE)
    reader = Reader(index, parser, None, None, SimpleNamespace())
    department = reader.names_category("数码产品")
    assert department == parser.parse("数码产品").filters.category and department
    kind = reader.kind_of("蓝牙耳机")
    assert kind and kind == reader.kind_of("蓝牙耳机")
    for i in range(MEMO_MAX + 100):
        word = f"随便说说{i}"
        assert reader.names_category(word) is None
        reader.kind_of(f"zzq{i}")
    assert len(reader._category_words) <= MEMO_MAX and len(reader._kinds) <= MEMO_MAX
    assert reader.names_category("数码产品") == department  # still answered the same after eviction
    assert reader.kind_of("蓝牙耳机") == kind
