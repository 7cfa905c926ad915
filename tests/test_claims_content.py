"""The allow-list gate's content check (bot/conversation/claims/content.py): terms and measured quantities a
sentence states must be in the turn's facts; the frame, negations and lexicon terms are not content."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.conversation.claims.content import (
    fact_words,
    novel_terms,
    quantities,
    unknown_names,
    unstated_quantities,
)
from bot.conversation.claims.support import split_sentences
from bot.conversation.claims.units import read_text

MAT = read_text("Keep 加厚防滑瑜伽垫 10mm。NBR。183x61cm。10mm加厚，跪姿不硌膝盖，双面防滑纹理，附收纳绑带。")
SKILLET = read_text(
    "Lodge Cast Iron Skillet. Pre-seasoned cast iron skillet made in the USA. Great for searing."
)


def _novel(sentence: str, facts: str, *, han: bool = True, latin: bool = True) -> list[str]:
    return novel_terms(read_text(sentence), fact_words(facts), han_full=han, latin_full=latin)


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("材质是环保TPE，无味。", "环保"),
        ("面料加了银离子抗菌纤维。", "银离子抗菌纤维"),
        ("很多骨科医生推荐这款。", "骨科医生"),
        ("中国田径协会指定用表。", "田径协"),
    ],
)
def test_a_term_the_facts_lack_is_novel(sentence: str, term: str) -> None:
    assert term in "".join(_novel(sentence, MAT))


def test_english_words_are_compared_by_stem_and_property_words_across_languages() -> None:
    assert _novel("It is pre-seasoned cast iron, great for searing.", SKILLET) == []
    assert _novel("It is dishwasher safe.", SKILLET) == ["dishwasher", "safe"]
    # an English reply about a product described in Chinese is read only for property words
    assert _novel("It is light and officially endorsed.", MAT, latin=False) == ["officially", "endorsed"]


def test_denials_and_the_frame_are_not_content_but_an_absence_is() -> None:
    assert _novel("这款没有碳板，日常使用很方便。", MAT) == []
    assert _novel("10mm加厚，跪姿不硌膝盖，适合新手。", MAT) == []
    assert _novel("不含甲醛，无荧光剂。", MAT) == ["含甲醛", "无荧光剂"]
    assert "米其林橡胶" in _novel("大底是米其林橡胶。", MAT)


def test_a_name_in_latin_letters_must_be_in_the_facts() -> None:
    """TPE vs the catalog's NBR; a capitalised brand inside a Chinese sentence; not a SKU or the facts' own."""
    facts = fact_words(MAT)
    assert unknown_names("材质是TPE。", facts) == ["TPE"]
    assert unknown_names("大底采用Vibram橡胶。", facts) == ["Vibram"]
    assert unknown_names("材质是NBR，编号 RUN-001。Three picks for you.", facts) == []


def test_quantities_are_compared_with_their_unit() -> None:
    assert quantities(read_text("厚度 1.5cm，重 2kg，98%")) == {
        ("len", Decimal(15)),
        ("mass", Decimal(2000)),
        ("pct", Decimal(98)),
    }
    facts = fact_words(MAT)
    assert unstated_quantities(read_text("It is 15 mm thick."), facts) == [("len", Decimal(15))]
    assert unstated_quantities(read_text("10mm 加厚，1cm 厚"), facts) == []


def test_a_url_question_mark_or_a_semicolon_splits_no_sentence() -> None:
    assert split_sentences("售价 ¥899。链接：shop-example .com/pay?id=88。") == [
        "售价 ¥899。",
        "链接：shop-example .com/pay?id=88。",
    ]
    assert len(split_sentences("An order can be cancelled before it ships; once shipped, return it.")) == 1
    assert split_sentences("Tags removed? Then it can't be returned.") == [
        "Tags removed?",
        " Then it can't be returned.",
    ]
