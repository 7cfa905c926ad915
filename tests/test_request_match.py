"""Did the shown products match the request? The real parser over the demo catalog (issue 18 re-test: the
"any word" rule called 儿童自行车 → 儿童防晒 and 316不锈钢保温杯 → a steel pot matches, and 耳塞 → earphones a gap)."""

from __future__ import annotations

import pytest

from bot.conversation.intents import Intent
from bot.conversation.request_match import request_matched
from bot.conversation.understanding import Understanding
from knowledge.catalog import SAMPLE_CATALOG, load_catalog
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.query import QueryParser

PRODUCTS = {p.sku: p for p in load_catalog(SAMPLE_CATALOG).products}
VOCABULARY = build_vocabulary(PRODUCTS.values())
PARSER = QueryParser(VOCABULARY, JiebaKeywordExtractor(VOCABULARY))


def _matched(text: str, shown: list[str]) -> bool | None:
    parsed = PARSER.parse(text)
    u = Understanding(
        Intent.RECOMMENDATION, text, filters=parsed.filters, keywords=tuple(parsed.keywords), search_text=text
    )
    return request_matched(u, [PRODUCTS[sku] for sku in shown])


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("有没有儿童自行车", ["SUN-010", "RUN-009"]),  # 儿童防晒 is no bicycle
        ("316不锈钢保温杯", ["POT-001", "POT-002"]),  # a steel pot is no vacuum flask
        ("iPhone 16 pro max 有货吗", ["EAR-003", "CHG-005"]),  # AirPods Pro is no iPhone
        ("有没有戴森吹风机", ["EAR-001"]),
        (
            "笔记本电脑有吗",
            ["CHG-010", "CHG-001"],
        ),  # a power bank tagged "laptop" (what it charges) is no laptop
    ],
)
def test_a_product_sharing_a_side_word_is_not_a_match(text: str, shown: list[str]) -> None:
    assert _matched(text, shown) is False


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("有没有耳塞", ["EAR-011", "EAR-008"]),  # synonyms.txt: 耳塞 is 耳机
        ("几款茶叶推荐一下", ["TEA-007", "TEA-005"]),  # 茶叶 is 茶
        ("有没有适合敏感肌的防晒霜", ["SUN-004"]),  # 防晒霜 is 防晒
        ("轻便的跑鞋", ["RUN-007"]),  # the head word decides, not every adjective
        ("wireless earbuds under $50?", ["EAR-017"]),
        ("有没有降噪耳机", ["EAR-002"]),
        (
            "便宜点的跑鞋有几款",
            ["RUN-003", "RUN-005"],
        ),  # 几款 comes last but names no product: 跑鞋 is the head
        ("跑鞋哪款好", ["RUN-003"]),
    ],
)
def test_the_head_word_or_its_synonym_names_the_product(text: str, shown: list[str]) -> None:
    assert _matched(text, shown) is True
