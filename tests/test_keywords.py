"""jieba keywords: BM25 tokens (bigrams, synonyms, English normalisation, stop words), catalog IDF, vocabulary."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary, normalise_english
from knowledge.models import Product
from knowledge.protocols import KeywordExtractor
from knowledge.vocabulary import Vocabulary, model_names


def _product(sku: str, title: str, **fields: object) -> Product:
    return Product(sku=sku, title=title, price=Decimal("99.00"), **fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def extractor() -> JiebaKeywordExtractor:
    return JiebaKeywordExtractor()


def test_implements_the_keyword_extractor_protocol(extractor: JiebaKeywordExtractor) -> None:
    assert isinstance(extractor, KeywordExtractor)


def test_chinese_tokens_are_words_plus_character_bigrams(extractor: JiebaKeywordExtractor) -> None:
    tokens = extractor.tokenize("头戴式降噪耳机")
    assert "降噪" in tokens and "耳机" in tokens  # jieba words
    assert {"戴式", "噪耳"} <= set(tokens)  # bigrams across word boundaries
    assert {"噪", "耳"} <= set(tokens)  # and single characters


def test_synonyms_fold_to_one_canonical_form_across_languages(extractor: JiebaKeywordExtractor) -> None:
    for text in ("跑步鞋", "慢跑鞋", "跑鞋", "running shoes", "Running Shoe"):
        assert "跑鞋" in extractor.tokenize(text), text
    assert "跑步鞋" not in extractor.tokenize("跑步鞋")  # folded, not kept beside the canonical
    assert "耳机" in extractor.tokenize("earbuds") and "耳机" in extractor.tokenize("耳麦")
    assert "蓝牙耳机" in extractor.tokenize("wireless earbuds")  # the longest phrase wins
    assert "面霜" in extractor.tokenize("face cream")


def test_english_is_lower_cased_and_singular(extractor: JiebaKeywordExtractor) -> None:
    assert extractor.tokenize("Kids' Ladies BOXES glasses") == ["儿童", "lady", "box", "glass"]
    assert normalise_english("series") == "series"
    assert normalise_english("256GB") == "256g"


def test_hyphenated_models_give_parts_and_the_joined_form(extractor: JiebaKeywordExtractor) -> None:
    tokens = extractor.tokenize("Sony WH-1000XM5")
    assert {"索尼", "wh-1000xm5", "wh", "1000xm5", "wh1000xm5"} <= set(
        tokens
    )  # Sony folds to its alias group
    assert "pegasus41" in extractor.tokenize("Air Zoom Pegasus 41")


def test_brand_aliases_fold_across_scripts(extractor: JiebaKeywordExtractor) -> None:
    assert extractor.tokenize("Anker") == extractor.tokenize("安克") == [
        "安克"
    ] or "安克" in extractor.tokenize("Anker")
    words, ngrams = extractor.split_tokens("安克的充电宝")
    english, none = extractor.split_tokens("Anker Power Bank")
    assert set(english) <= set(words) and none == []
    assert ngrams and not set(ngrams) & {"安克", "充电宝"} - set(words)


def test_stop_words_are_removed(extractor: JiebaKeywordExtractor) -> None:
    tokens = extractor.tokenize("请问这个有没有什么好的推荐呢 please show me the best one")
    assert not {"请问", "这个", "有没有", "什么", "呢", "please", "the", "me"} & set(tokens)
    assert "best" in tokens


def test_tokens_are_cached_but_callers_get_their_own_list(extractor: JiebaKeywordExtractor) -> None:
    first = extractor.tokenize("蓝牙耳机")
    first.append("mutated")
    assert extractor.tokenize("蓝牙耳机") == [t for t in first if t != "mutated"]
    long_text = "保湿面霜" * 100
    assert extractor.tokenize(long_text) == extractor.tokenize(long_text)


def test_catalog_user_dictionary_keeps_brand_names_whole() -> None:
    vocab = build_vocabulary([_product("a", "蕉内凉皮短袖", brand="蕉内")])
    with_catalog = JiebaKeywordExtractor(vocab)
    assert "蕉内" in with_catalog.words("蕉内凉皮短袖T恤")


def test_keywords_weigh_words_by_the_catalogs_own_idf() -> None:
    products = [_product(f"s{i}", f"跑鞋 第{i}款 缓震") for i in range(6)] + [_product("x", "碳板 跑鞋")]
    vocab = build_vocabulary(products)
    extractor = JiebaKeywordExtractor(vocab)
    assert vocab.doc_freq["跑鞋"] == 7 and vocab.doc_freq["碳板"] == 1
    assert extractor.keywords("跑鞋 碳板 跑鞋", top_k=2) == ["碳板", "跑鞋"]  # rare beats frequent
    assert extractor.idf("碳板") > extractor.idf("跑鞋")
    # words the catalog never saw fall back to jieba's IDF, mapped onto the catalog's scale
    assert 0 < extractor.idf("量子力学") <= vocab.max_idf() + 1e-9
    assert extractor.keywords("", top_k=3) == []


def test_keywords_without_catalog_use_jiebas_idf(extractor: JiebaKeywordExtractor) -> None:
    keywords = extractor.keywords("我想买一双轻便透气的跑步鞋，适合夏天跑步", top_k=4)
    assert "跑步鞋" in keywords and len(keywords) == 4
    assert not {"我", "想", "一双", "的"} & set(keywords)


def test_textrank_returns_words_of_the_text(extractor: JiebaKeywordExtractor) -> None:
    text = "这款降噪耳机音质出色，降噪效果很好，耳机佩戴舒适，续航长达三十小时，降噪耳机适合通勤"
    ranked = extractor.textrank(text, top_k=3)
    assert 0 < len(ranked) <= 3 and "耳机" in ranked
    assert all(word in text for word in ranked)


def test_lazy_initialisation_is_thread_safe() -> None:
    fresh = JiebaKeywordExtractor()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fresh.tokenize, ["降噪耳机", "跑步鞋", "保湿面霜", "降噪耳机"] * 5))
    assert results[0] == results[3] == fresh.tokenize("降噪耳机")


def test_model_names_are_found_in_titles() -> None:
    assert model_names("Sony WH-1000XM5 头戴式耳机") == ["WH-1000XM5", "1000XM5"]
    assert "Nike Air Zoom Pegasus 41" in model_names("Nike Air Zoom Pegasus 41 男子跑步鞋")
    assert "256G" in model_names("iPhone 15 256G 黑色")


def test_vocabulary_collects_names_and_round_trips(tmp_path: Path) -> None:
    products = [
        _product(
            "a",
            "Nike Air Zoom Pegasus 41 跑步鞋",
            brand="Nike",
            category="运动鞋/跑步鞋",
            attributes={"color": "黑色;白色", "size": "41;42"},
        ),
        _product(
            "b",
            "Sony WH-1000XM5 降噪耳机",
            brand="Sony",
            category="数码/耳机",
            attributes={"color": "黑色", "capacity": "256G"},
        ),
    ]
    vocab = build_vocabulary(products)
    assert vocab.brands == ["Nike", "Sony"]
    assert vocab.categories == ["数码/耳机", "运动鞋/跑步鞋"]
    assert vocab.category_parts == ["数码", "耳机", "跑步鞋", "运动鞋"]
    assert vocab.colors == ["白色", "黑色"] and vocab.sizes == ["256G", "41", "42"]
    assert "WH-1000XM5" in vocab.models and vocab.doc_count == 2 and vocab.doc_freq["黑色"] == 2
    path = tmp_path / "nested" / "vocabulary.json"
    vocab.save(path)
    assert Vocabulary.load(path) == vocab
    assert json.loads(path.read_text(encoding="utf-8"))["brands"] == ["Nike", "Sony"]
    # deterministic: the order of the products does not matter
    assert build_vocabulary(list(reversed(products))).to_dict() == vocab.to_dict()


def test_missing_vocabulary_file_is_an_empty_vocabulary(tmp_path: Path) -> None:
    vocab = Vocabulary.load(tmp_path / "absent.json")
    assert vocab == Vocabulary.empty() and vocab.doc_count == 0 and vocab.idf("跑鞋") is None


def test_fingerprint_changes_with_the_user_dictionary() -> None:
    plain, again = JiebaKeywordExtractor(), JiebaKeywordExtractor()
    with_brand = JiebaKeywordExtractor(build_vocabulary([_product("a", "蕉内凉皮短袖", brand="蕉内")]))
    assert plain.fingerprint == again.fingerprint != with_brand.fingerprint


def test_keywords_for_people_are_whole_words_as_written() -> None:
    """SEO keywords showed "asic", "brook", "bud" and jieba's HMM fragments "附开" / "加无" (issue 18 re-test)."""
    products = [
        _product("a", "ASICS NOVABLAST 5 回弹跑鞋", brand="ASICS"),
        _product("b", "Brooks Ghost 16 Women's Running Shoe", brand="Brooks"),
        _product("c", "百草味 夏威夷果", description="奶香夏威夷果，附开果器，果仁香脆。"),
    ]
    extractor = JiebaKeywordExtractor(build_vocabulary(products))
    for product in products:
        matching = extractor.keywords(product.search_text(), top_k=12)
        shown = extractor.keywords(product.search_text(), top_k=12, surface=True)
        assert all(word in product.search_text().lower() for word in shown), shown
        assert not {"附开", "asic", "brook"} & set(shown)
        assert len(shown) <= len(matching)
    assert "asics" in extractor.keywords("ASICS NOVABLAST 5", surface=True)
    assert "asic" in extractor.keywords("ASICS NOVABLAST 5")  # matching keeps its singular form
