"""A model number is not a budget nor a size ("Pegasus 41 多少钱", "赤兔7 多少钱", "How much is the Pegasus 41?"),
and the insights store keeps whole demand words of the redacted text only — no stub ("少钱", "pega"), no function
word ("much", "本人"), no word of a redacted name (issue 13 §2 side notes)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.insights.recorder import derived_keywords
from bot.privacy.redaction import redact
from tests.support.core_fixtures import sample_knowledge

PARSER = sample_knowledge(False).parser


@pytest.mark.parametrize(
    "text",
    [
        "Nike Pegasus 41 多少钱",
        "Pegasus 41 多少钱？",
        "赤兔7 多少钱",
        "iPhone 15 多少钱一台",
        "Mate 60 多大内存",
        "AirPods 4 多久能到",
        "How much is the Nike Pegasus 41?",
        "is the pegasus 41 in stock",
        "Galaxy S24 多重",
    ],
)
def test_a_model_number_is_no_budget_and_no_size(text: str) -> None:
    filters = PARSER.parse(text).filters
    assert filters.min_price is None and filters.max_price is None, filters
    assert "size" not in filters.attributes, filters


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("100多块的耳机", Decimal(100), Decimal(200)), ("300多元的充电宝", Decimal(300), Decimal(400))],
)
def test_an_amount_and_more_is_still_a_budget(text: str, low: Decimal, high: Decimal) -> None:
    filters = PARSER.parse(text).filters
    assert (filters.min_price, filters.max_price) == (low, high)


@pytest.mark.parametrize(("text", "size"), [("how much for size 42", "42"), ("US 9 running shoes", "9")])
def test_a_size_after_its_cue_is_still_a_size(text: str, size: str) -> None:
    assert PARSER.parse(text).filters.attributes.get("size") == size


@pytest.mark.parametrize(
    ("text", "keywords", "kept"),
    [
        ("Nike Pegasus 41 多少钱", ["nike", "pegasus", "少钱"], ("nike", "pegasus")),
        ("How much is the Nike Pegasus 41?", ["much", "nike", "pega"], ("nike",)),
        ("大家好，本人欧阳修远，想买双跑鞋", ["本人", "欧阳修", "跑鞋"], ("跑鞋",)),
        (
            "Hello, Priya Raman here — looking for wireless earbuds",
            ["raman", "wireless", "earbud"],
            ("wireless", "earbud"),
        ),
        ("My name's Tom O'Brien, any running shoes?", ["brien", "running", "shoe"], ("running", "shoe")),
        ("insta lena.k.88 — any trail shoes?", ["lena.k.88", "trail", "shoe"], ("trail", "shoe")),
        ("any phone accessories?", ["phone", "accessory"], ("phone", "accessory")),
    ],
)
def test_insights_keep_whole_demand_words_of_the_redacted_text(
    text: str, keywords: list[str], kept: tuple[str, ...]
) -> None:
    assert derived_keywords(keywords, redact(text), redact) == kept


@pytest.mark.parametrize(
    "text",
    ["Priya, do you have wireless earbuds?", "Thanks Priya! any earbuds under 300?", "Hi Priya, 耳机有吗"],
)
def test_a_name_is_never_corrected_into_a_brand_of_another_script(text: str) -> None:
    """ "Priya" is one letter off "Proya", the Latin alias of 珀莱雅: an alias the catalog never spells in Latin is
    no typo's target, so a customer's name does not become a skincare brand filter on an earbuds request."""
    parsed = PARSER.parse(text)
    assert parsed.filters.brand is None and not parsed.corrections, parsed


@pytest.mark.parametrize("text", ["proya 面霜", "Proya cream"])
def test_the_brands_own_alias_still_names_it(text: str) -> None:
    assert PARSER.parse(text).filters.brand == "珀莱雅"
