"""Policy bullets found by meaning, in zh / en / zh-Hant, returned in the asked language; silent otherwise.

The questions are our own phrasings (not the conversation evaluation set); they also calibrate
`knowledge.policy_search.BulletParams`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.keywords import JiebaKeywordExtractor
from knowledge.normalize import TextNormalizer
from knowledge.policies import PolicyBook, bullets_of
from knowledge.vocabulary import Vocabulary
from tests.support.core_fixtures import sample_knowledge


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    embedder = sample_knowledge().index.embedder  # type: ignore[attr-defined]
    return PolicyBook.load(SAMPLE_POLICIES_DIR, extractor=JiebaKeywordExtractor(), embedder=embedder)


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer(Vocabulary.empty())


ANSWERED = [
    ("客服几点上班", "zh", "contact", 0),
    ("怎么给你们打电话", "zh", "contact", 1),
    ("你们的邮箱是多少", "zh", "contact", 2),
    ("可以加你们客服微信吗", "zh", "contact", 0),
    ("满多少免运费", "zh", "shipping", 0),
    ("西藏包邮吗", "zh", "shipping", 1),
    ("下午五点付款今天能发货吗", "zh", "shipping", 2),
    ("能发顺丰吗", "zh", "shipping", 3),
    ("快递单号在哪里看", "zh", "shipping", 5),
    ("护肤品拆封了还能退吗", "zh", "returns", 1),
    ("坚果开了袋能退吗", "zh", "returns", 1),
    ("退货运费谁承担", "zh", "returns", 4),
    ("退款几天到账", "zh", "returns", 5),
    ("花呗分期可以吗", "zh", "payment", 1),
    ("能不能货到付款", "zh", "payment", 2),
    ("下单多久不付钱会取消", "zh", "payment", 3),
    ("耳机保修多久", "zh", "warranty", 0),
    ("锅的涂层掉了能换吗", "zh", "warranty", 2),
    ("鞋子开胶了怎么办", "zh", "warranty", 3),
    ("Do you have a phone number?", "en", "contact", 1),
    ("How long does delivery take to Shanghai?", "en", "shipping", 4),
    ("Do you ship to Taiwan?", "en", "shipping", 6),
    ("When will I get my refund?", "en", "returns", 5),
    ("Can I get an invoice?", "en", "payment", 4),
    ("My non-stick pan coating is peeling", "en", "warranty", 2),
    ("運費怎麼算", "zh", "shipping", 0),
    ("可以貨到付款嗎", "zh", "payment", 2),
    ("退款多久到帳", "zh", "returns", 5),
]

NOT_POLICY = [
    "推荐一双42码的跑鞋",
    "wireless earbuds under $50",
    "这款面霜适合敏感肌吗",
    "你好",
    "hi there, how are you?",
    "Sennheiser Momentum 4 多少钱",
    "有没有女款跑鞋",
    "谢谢",
    "哪个最便宜",
    "给我讲个笑话",
    "有没有防晒霜",
]


@pytest.mark.parametrize(("question", "language", "topic", "index"), ANSWERED)
def test_the_answering_bullet_is_found(
    book: PolicyBook, normalizer: TextNormalizer, question: str, language: str, topic: str, index: int
) -> None:
    hits = book.find_bullets(normalizer.normalize(question).text, language, k=3)
    assert (topic, index) in [(h.topic, h.index) for h in hits]
    assert hits[0].topic == topic
    assert all(h.language == language and h.text and h.score for h in hits)


@pytest.mark.parametrize("message", NOT_POLICY)
def test_messages_about_no_policy_find_nothing(book: PolicyBook, message: str) -> None:
    assert book.find_bullets(message, "en" if message.isascii() else "zh") == []


def test_a_chinese_question_is_answered_in_english_and_back(book: PolicyBook) -> None:
    [zh] = book.find_bullets("能发顺丰吗", "zh", k=1)
    [en] = book.find_bullets("能发顺丰吗", "en", k=1)
    assert (zh.topic, zh.index) == (en.topic, en.index) and "顺丰" in zh.text and "SF Express" in en.text
    assert zh.label == "快递公司" and en.label == "Carriers"


def test_a_caller_that_knows_it_is_a_policy_question_gets_the_best_bullets(book: PolicyBook) -> None:
    question = "上海多久能收到"
    assert book.find_bullets(question, "zh") == []  # too little evidence to say it is about policies
    ranked = book.find_bullets(question, "zh", k=3, min_relevance=0)
    assert ("shipping", 4) in [(h.topic, h.index) for h in ranked]  # delivery times


def test_bullets_are_parsed_with_labels_and_paired_by_position(book: PolicyBook) -> None:
    zh, en = book.get("contact", "zh"), book.get("contact", "en")
    assert zh is not None and en is not None
    zh_bullets, en_bullets = bullets_of(zh), bullets_of(en)
    assert len(zh_bullets) == len(en_bullets) == 4
    assert zh_bullets[1].label == "客服电话" and zh_bullets[1].text.startswith("客服电话：400-820-0000")
    assert en_bullets[1].label == "Phone" and "**" not in en_bullets[1].text


def test_vectors_are_cached_by_content_hash(tmp_path: Path, book: PolicyBook) -> None:
    embedder = sample_knowledge().index.embedder  # type: ignore[attr-defined]
    first = PolicyBook.load(
        SAMPLE_POLICIES_DIR, extractor=JiebaKeywordExtractor(), embedder=embedder, cache_dir=tmp_path
    )
    assert first.bullet_index().encoded == len(first.bullet_index().bullets) > 0
    again = PolicyBook.load(
        SAMPLE_POLICIES_DIR, extractor=JiebaKeywordExtractor(), embedder=embedder, cache_dir=tmp_path
    )
    assert again.bullet_index().encoded == 0  # nothing re-encoded for unchanged policies
    assert again.find_bullets("能发顺丰吗")[0].index == first.find_bullets("能发顺丰吗")[0].index


def test_without_an_embedder_keywords_still_find_bullets() -> None:
    book = PolicyBook.load(SAMPLE_POLICIES_DIR)
    hits = book.find_bullets("可以用花呗分期吗")
    assert hits and hits[0].topic == "payment" and "花呗" in hits[0].text
    assert book.find_bullets("推荐一双跑鞋") == []


def test_bullets_can_be_limited_to_the_topics_a_route_allows(book: PolicyBook) -> None:
    found = book.find_bullets("收到的锅是破损的怎么办", k=3, min_relevance=0, topics=("warranty", "returns"))
    assert found and {hit.topic for hit in found} <= {"warranty", "returns"}
    assert book.find_bullets("收到的锅是破损的怎么办", topics=("no-such-topic",)) == []


class _CountingEmbedder:
    """The real offline encoder, counting the texts it is asked to encode."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[attr-defined]
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> object:
        self.texts.extend(texts)
        return self.inner.embed(texts)  # type: ignore[attr-defined]


def test_a_question_asked_again_without_a_vector_is_not_encoded_again() -> None:
    """Side questions, regional look-ups and multi-question parts come without the message's vector: the
    second time the same text is asked it ranks from the remembered vector — the same hits, no encoder call."""
    counting = _CountingEmbedder(sample_knowledge().index.embedder)  # type: ignore[attr-defined]
    index = PolicyBook.load(SAMPLE_POLICIES_DIR, extractor=JiebaKeywordExtractor(), embedder=counting)  # type: ignore[arg-type]
    bullets = index.bullet_index()
    counting.texts.clear()
    first = index.find_bullets("能开发票吗", "zh", 3, min_relevance=0)
    second = index.find_bullets("能开发票吗", "zh", 3, min_relevance=0)
    other = index.find_bullets("运费怎么算", "zh", 3, min_relevance=0)
    assert counting.texts == ["能开发票吗", "运费怎么算"]
    assert [(h.topic, h.text, h.score) for h in first] == [(h.topic, h.text, h.score) for h in second]
    assert first and other and bullets is index.bullet_index()


def test_remembered_rankings_equal_fresh_ones(book: PolicyBook) -> None:
    """`BulletIndex.find` remembers each question's ranking: asked again (with or without the message's
    vector, other languages, topics, k and gates) it returns what a fresh ranking returns."""
    index = book.bullet_index()
    embedder = sample_knowledge().index.embedder  # type: ignore[attr-defined]
    questions = [
        "怎么退货",
        "运费怎么算",
        "能开发票吗",
        "How do returns work?",
        "保修多久",
        "寄到香港吗",
        "你好",
    ]
    for _ in range(2):
        for text in questions:
            vector = embedder.embed([text])[0]
            variants: list[dict[str, Any]] = [
                {"language": "zh", "k": 3},
                {"language": "en", "k": 8, "min_relevance": 0.0},
                {"language": "zh", "k": 2, "topics": ("shipping",), "vector": vector, "min_relevance": 0.0},
                {"language": "zh", "k": 3, "vector": vector},
            ]
            for args in variants:
                fresh = index._find(
                    text,
                    args["language"],
                    args["k"],
                    vector=args.get("vector"),
                    min_relevance=args.get("min_relevance"),
                    topics=args.get("topics", ()),
                )
                assert index.find(text, **args) == fresh
