"""'We don't sell X' about a whole kind reads as English does: the plural, or a mass noun as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation.plurals import plural, plural_phrase
from tests.support.core_fixtures import Chat, make_bot


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("jacket", "jackets"),
        ("tent", "tents"),
        ("dress", "dresses"),
        ("box", "boxes"),
        ("watch", "watches"),
        ("brush", "brushes"),
        ("battery", "batteries"),
        ("toy", "toys"),
        ("knife", "knives"),
        ("tomato", "tomatoes"),
        ("radio", "radios"),
        ("child", "children"),
        ("Bicycle", "Bicycles"),
        ("TV", "TVs"),
        ("shoes", "shoes"),  # already plural
        ("furniture", "furniture"),  # mass nouns stay
        ("jewelry", "jewelry"),
        ("jeans", "jeans"),
        ("bus", "buses"),
    ],
)
def test_plural(word: str, expected: str) -> None:
    assert plural(word) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("rain jacket", "rain jackets"),
        ("aircraft engine", "aircraft engines"),
        ("自行车", "自行车"),  # not English words: unchanged
        ("Pegasus 41", "Pegasus 41"),
        ("gaming laptop", "gaming laptops"),
    ],
)
def test_plural_phrase_changes_only_the_head_noun(phrase: str, expected: str) -> None:
    assert plural_phrase(phrase) == expected


async def test_the_not_sold_sentence_reads_naturally(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, dense=False)
    jacket = await Chat(bot, chat_id="a").say("do you sell jacket?")
    assert "we don't sell jackets" in jacket.text, jacket.text
    tent = await Chat(bot, chat_id="b").say("do you have a tent")
    assert "we don't sell tents" in tent.text, tent.text
    bike = await Chat(bot, chat_id="c").say("有卖自行车吗")
    assert "不卖自行车" in bike.text, bike.text
