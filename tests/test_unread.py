"""A price or stock question naming a thing the keyword reader left out is not about the product in focus."""

from __future__ import annotations

from bot.conversation.unread import names_other_thing, unread_words
from tests.support.core_fixtures import sample_products

P = sample_products()


def test_unread_words_leave_out_asks_references_and_grammar() -> None:
    assert unread_words("钛杯多少钱") == ["钛杯"]
    assert (
        unread_words("这个多少钱") == [] and unread_words("那双有货吗") == [] and unread_words("它贵吗") == []
    )


def test_a_word_the_focus_carries_keeps_the_question_on_it() -> None:
    wok = P["POT-001"]  # 苏泊尔 火红点 不粘炒锅 30cm
    assert names_other_thing("炒锅多少钱", wok) == [] and names_other_thing("苏泊尔的多少钱", wok) == []
    assert names_other_thing("钛杯多少钱", wok) == ["钛杯"]
