"""A ninth shop no code had seen (apparel, phone accessories, jewellery; tests/data/apparel_*): the kinds its
held-out conversations failed, each checked on its own — words of another language joined by a stop word,
size advice answered from a shop's size guide, garment and accessory defects, pick-up and try-on in store."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.conversation.intents import Intent, classify
from knowledge.catalog import load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.memory_index import InMemoryProductIndex
from knowledge.query import QueryParser

APPAREL = Path(__file__).parent / "data" / "apparel_catalog.csv"


@cache
def _shop() -> tuple[QueryParser, InMemoryProductIndex]:
    products = load_catalog(APPAREL).products
    vocabulary = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocabulary)
    index = InMemoryProductIndex(extractor)
    index.upsert(products)
    return QueryParser(vocabulary, extractor), index


def _skus(text: str) -> list[str]:
    parser, index = _shop()
    parsed = parser.parse(text)
    return [h.sku for h in index.search(" ".join(parsed.keywords), k=20, filters=parsed.filters)]


def test_a_synonym_phrase_with_a_stop_word_stays_one_keyword() -> None:
    # "down" is an English stop word: dropped alone it left "jacket", which only an English title has
    parser, _ = _shop()
    assert parser.parse("down jacket for women").keywords == ["down jacket"]
    found = _skus("down jacket for women")
    assert {"DN-BSD-01", "DN-UNI-01"} <= set(found) and "DN-BSD-02" not in found


@pytest.mark.parametrize(
    ("text", "first", "never"),
    [
        ("silk shirt", "SH-JN-01", {"SH-BB-01"}),  # 真丝衬衫 by its English kind and material
        ("wool beanie", "HT-MUJI-01", {"SC-ACNE-01"}),
        ("gold necklace", "NK-CTF-01", {"RG-TIF-01"}),  # a necklace, not a gold ring
        ("dresses but not black", None, {"SH-BB-01"}),  # a dress shirt is no dress
        ("连帽衫有吗", None, {"DN-BSD-01", "DN-BSD-02", "DN-XZF-01"}),  # a hoodie, not a hooded down jacket
        ("screen protector for iPhone 15", None, {"PC-SPG-15", "CB-UG-L1"}),
    ],
)
def test_clothing_and_accessory_kinds_cross_languages(text: str, first: str | None, never: set[str]) -> None:
    found = _skus(text)
    assert found and not never & set(found)
    if first is not None:
        assert found[0] == first


@pytest.mark.parametrize(
    "text",
    [
        "我175cm 70kg穿什么码",
        "165/88A是什么码",
        "腰围2尺3穿多大的牛仔裤",
        "这件卫衣偏大还是偏小",
        "孩子身高130选多大码",
        "I'm 160cm and 50kg, which size should I get?",
        "do these jeans run small?",
    ],
)
def test_asking_which_size_to_choose_is_a_policy_question(text: str) -> None:
    assert classify(text).intent is Intent.POLICY


@pytest.mark.parametrize("text", ["有XL码的吗", "最小是几码", "有没有3XL的卫衣"])
def test_asking_for_a_size_is_still_shopping(text: str) -> None:
    assert classify(text).intent is not Intent.POLICY


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("羽绒服跑绒了怎么办", Intent.AFTER_SALES),
        ("用了一个月磁吸失效了", Intent.AFTER_SALES),
        ("项链掉钻了", Intent.AFTER_SALES),
        ("my down jacket is leaking down", Intent.AFTER_SALES),
        ("有不跑绒的羽绒服吗", Intent.RECOMMENDATION),  # a wish, not a complaint
        ("可以到店试穿吗", Intent.CONTACT),
        ("可以到店自提吗", Intent.CONTACT),  # tester12d-other c40: refused as out of scope
        ("能自提吗", Intent.CONTACT),
        ("can I try it on in the store?", Intent.CONTACT),
    ],
)
def test_garment_defects_and_store_visits_are_read(text: str, intent: Intent) -> None:
    assert classify(text).intent is intent


def test_a_number_with_hao_among_products_sized_in_numbers_is_a_size() -> None:
    from bot.conversation.understanding import ordinal_indices, resolve_references

    _, index = _shop()
    ring = index.get("RG-CTF-01")  # 圈号 10;12;14;16;18
    assert ring is not None
    assert resolve_references("有16号的吗", [ring]) == ([], 0)  # was read as "the 6th one"
    assert resolve_references("有8号的吗", [ring]) == ([], 0)
    assert ordinal_indices("3号多少钱") == [3]  # nothing shown sized in numbers: still a position
    assert ordinal_indices("有16号的吗") == [] or ordinal_indices("有16号的吗") == [16]


def test_a_length_in_cm_is_a_size_the_catalog_writes_with_its_unit() -> None:
    parser, _ = _shop()
    assert parser.parse("有130cm的腰带吗").filters.attributes.get("size") in ("130", "130cm")
    assert _skus("有130cm的腰带吗") == ["BT-GL-01"] and _skus("有95cm的腰带吗") == ["BT-ZA-01"]
    assert "130cm" not in parser.parse("有130cm的腰带吗").keywords
