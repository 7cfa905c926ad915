"""Store policies: parsed per topic and language, found for zh and en questions, silent otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.catalog import SAMPLE_POLICIES_DIR
from knowledge.policies import PolicyBook, PolicyError


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return PolicyBook.load(SAMPLE_POLICIES_DIR)


def test_sample_policies_load_in_both_languages(book: PolicyBook) -> None:
    assert set(book.topics()) >= {"shipping", "returns", "payment", "warranty"}
    for topic in ("shipping", "returns", "payment", "warranty"):
        zh, en = book.get(topic, "zh"), book.get(topic, "en")
        assert zh is not None and zh.language == "zh" and zh.text
        assert en is not None and en.language == "en" and en.text
        assert "English" not in zh.text and "---" not in zh.text
    assert len(book.docs) == 2 * len(book.topics())


def test_sample_policies_state_the_concrete_facts(book: PolicyBook) -> None:
    assert "¥99" in book.get("shipping").text
    assert "七天无理由" in book.get("returns").text or "7 天内" in book.get("returns").text
    payment = book.get("payment").text
    assert "支付宝" in payment and "微信支付" in payment and "银行卡" in payment
    assert "1 年保修" in book.get("warranty").text
    assert "1-year warranty" in book.get("warranty", "en").text


@pytest.mark.parametrize(
    ("question", "language", "topic"),
    [
        ("满多少包邮？", "zh", "shipping"),
        ("今天下单什么时候发货", "zh", "shipping"),
        ("鞋子尺码不合适可以退换吗", "zh", "returns"),
        ("退款多久到账", "zh", "returns"),
        ("可以用花呗分期吗", "zh", "payment"),
        ("支持微信支付吗", "zh", "payment"),
        ("耳机坏了怎么保修", "zh", "warranty"),
        ("How long does delivery take to Beijing?", "en", "shipping"),
        ("Is shipping free?", "en", "shipping"),
        ("Can I return these shoes and get a refund?", "en", "returns"),
        ("Do you accept Alipay or credit cards?", "en", "payment"),
        ("What is the warranty on headphones?", "en", "warranty"),
        ("My charger stopped working", "en", "warranty"),
    ],
)
def test_policy_questions_find_their_topic_in_the_asked_language(
    book: PolicyBook, question: str, language: str, topic: str
) -> None:
    found = book.find(question, language)
    assert found and found[0].topic == topic
    assert found[0].language == language


@pytest.mark.parametrize(
    "question",
    [
        "推荐一双42码的跑鞋",
        "wireless earbuds under $50",
        "这款面霜适合敏感肌吗",
        "battery lasts 30 hours?",
        "iPhone charger 20W",
        "你好",
    ],
)
def test_product_questions_find_no_policy(book: PolicyBook, question: str) -> None:
    assert book.find(question) == []


def test_find_limits_to_k_and_ranks_by_matches(book: PolicyBook) -> None:
    question = "退货的运费谁出？退款怎么退？快递怎么寄回？"
    found = book.find(question, "zh", k=1)
    assert [doc.topic for doc in found] == ["returns"]
    assert {doc.topic for doc in book.find(question, "zh", k=3)} >= {"returns", "shipping"}


def test_own_policies_bring_their_own_keywords(tmp_path: Path) -> None:
    (tmp_path / "gift.md").write_text(
        "---\ntopic: gift_wrap\ntitle: 礼品包装\nkeywords_zh: 礼品包装, 贺卡\nkeywords_en: [gift wrap]\n---\n"
        "# 礼品包装\n\n免费礼品包装。\n",
        encoding="utf-8",
    )
    (tmp_path / "plain.md").write_text("# 门店自提\n\n暂不支持自提。\n", encoding="utf-8")
    book = PolicyBook.load(tmp_path)
    assert book.topics() == ["gift_wrap", "plain"]
    assert book.find("可以加贺卡吗")[0].title == "礼品包装"
    assert book.find("Do you offer gift wrap?", "en")[0].language == "zh"  # falls back to the text there is
    assert book.get("plain").title == "门店自提" and book.get("plain").text == "暂不支持自提。"


def test_missing_directory_is_an_empty_book_and_bad_header_is_an_error(tmp_path: Path) -> None:
    assert PolicyBook.load(tmp_path / "absent").docs == []
    (tmp_path / "bad.md").write_text("---\ntopic: [unclosed\n---\n# x\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.md"):
        PolicyBook.load(tmp_path)
