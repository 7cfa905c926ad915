"""Insights that tell the truth (issue 18), on a generated traffic log with known gaps, synonyms and FAQ
questions: the report must find them, and must never report a function word (便宜, 几款, 第二个, pro) or a
stub (adida) as demand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.insights.analysis import Window, report_for
from bot.insights.lexicon import CatalogWords, default_lexicon
from bot.insights.pseudonym import Pseudonymizer
from bot.insights.recorder import TurnRecorder
from bot.insights.records import InMemoryInsightsStore
from bot.insights.suggestions import apply_dictionary, build_suggestions
from knowledge.catalog import SAMPLE_CATALOG, load_catalog

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PRODUCTS = {p.sku: p for p in load_catalog(SAMPLE_CATALOG).products}
CATALOG = CatalogWords.from_products(PRODUCTS.values())
FUNCTION_WORDS = {"便宜", "几款", "第二个", "pro", "哪个好", "客服", "推荐", "多少钱"}

# (text, intent, keywords, filters, skus, answered, matched) — as the core records them.
TRAFFIC = [
    # known gaps: answered with the closest products, or nothing found
    *[("有iPhone 16吗", "unknown", ["iphone"], {}, ["CHG-005", "EAR-003"], True, False)] * 3,
    *[("推荐一款笔记本电脑", "recommendation", ["笔记本电脑"], {}, ["CHG-001"], True, False)] * 2,
    *[("儿童自行车有吗", "unknown", ["儿童", "自行车"], {}, [], False, False)] * 2,
    *[
        (
            "红色的耳机",
            "unknown",
            ["红色", "耳机"],
            {"attr:color": "红色", "category": "数码/耳机"},
            [],
            False,
            False,
        )
    ]
    * 2,
    ("有保温杯吗", "unknown", ["保温杯"], {}, [], False, False),
    # matched requests, wrapped in function words and a stub
    *[
        (
            "便宜点的跑鞋有几款",
            "recommendation",
            ["几款", "跑鞋", "便宜"],
            {"category": "运动鞋/跑步鞋"},
            ["RUN-005", "RUN-011"],
            True,
            True,
        )
    ]
    * 4,
    *[
        (
            "Adidas跑鞋",
            "unknown",
            ["adida", "跑鞋"],
            {"category": "运动鞋/跑步鞋", "brand": "Adidas"},
            ["RUN-003"],
            True,
            True,
        )
    ]
    * 2,
    ("AirPods pro有吗", "unknown", ["airpods", "pro"], {}, ["EAR-003"], True, True),
    ("第二个呢", "product_question", ["第二个"], {}, [], True, None),
    *[("哪个好", "comparison", ["哪个好"], {}, ["RUN-001"], True, True)] * 3,
    # synonyms with evidence: customers' words resolved to the same products as catalog words
    *[("球鞋推荐", "recommendation", ["球鞋"], {}, ["BSK-001"], True, True)] * 2,
    *[("篮球鞋推荐", "recommendation", ["篮球鞋"], {}, ["BSK-001"], True, True)] * 2,
    *[("耳麦推荐一下", "recommendation", ["耳麦"], {}, ["EAR-005"], True, True)] * 2,
    ("降噪耳机", "recommendation", ["降噪", "耳机"], {}, ["EAR-005"], True, True),
    # an unknown word with no resolved product: a dictionary word, never a synonym
    *[
        (text, "product_question", ["筋膜枪"], {}, [], False, False)
        for text in ("有筋膜枪吗", "筋膜枪多少钱")
    ],
    # policy questions the policies could not answer (the core searched products: matched False) and one they did
    *[
        (text, "unknown", ["优惠券"], {}, [], False, False)
        for text in ("可以用优惠券吗", "有优惠券吗", "优惠券怎么领")
    ],
    *[(text, "unknown", ["安装"], {}, [], False, False) for text in ("送货上门安装吗", "能上门安装吗")],
    *[(text, "unknown", ["积分"], {}, [], False, False) for text in ("会员有积分吗", "积分怎么用")],
    *[("怎么退货", "policy", [], {}, [], True, None)] * 3,
    ("客服在吗", "human", ["客服"], {}, [], True, None),
]


def _report():  # type: ignore[no-untyped-def]
    store = InMemoryInsightsStore()
    recorder = TurnRecorder(
        store, Pseudonymizer("k"), redact=lambda s: s, clock=lambda: NOW - timedelta(hours=2)
    )
    for n, (text, intent, keywords, filters, skus, answered, matched) in enumerate(TRAFFIC):
        recorder.turn(
            channel="telegram",
            user_id=f"u{n}",
            chat_id=f"c{n % 20}",
            text=text,
            language="zh",
            intent=intent,
            keywords=keywords,
            filters=filters,
            skus=skus,
            answered=answered,
            matched=matched,
        )
    for chat, kind, value in (
        ("c1", "handoff", "unanswered"),
        ("c2", "handoff", "requested"),
        ("c1", "rating", "4"),
    ):
        recorder.event(channel="telegram", chat_id=chat, kind=kind, value=value)
    window = Window.read(store, timedelta(days=7), NOW)
    report = report_for(window, catalog_skus=sorted(PRODUCTS), catalog=CATALOG)
    category_of = lambda sku: PRODUCTS[sku].category_path[-1]  # noqa: E731
    suggestions = build_suggestions(
        window.current, set(CATALOG.words), catalog=CATALOG, category_of=category_of
    )
    return report, suggestions


def test_gaps_are_the_requests_no_shown_product_matched() -> None:
    report, _ = _report()
    gaps = {c.keyword: c.count for c in report.gaps}
    assert gaps == {"iphone": 3, "笔记本电脑": 2, "儿童 自行车": 2, "耳机 红色": 2, "保温杯": 1, "筋膜枪": 2}


def test_answered_with_a_match_is_reported_apart_from_the_closest() -> None:
    report, _ = _report()
    a = report.answering
    assert (a.with_match, a.with_closest, a.not_found) == (17, 5, 7)
    assert a.requests == 29 and (a.policy_questions, a.policy_answered) == (10, 3)
    assert report.chats == 20 and report.handoff_chats == 2 and report.handoff_rate == 0.1
    assert report.ratings == [4] and report.rating_rate == 0.5


def test_no_function_word_or_stub_is_reported_as_demand() -> None:
    report, suggestions = _report()
    lexicon = default_lexicon()
    reported = [t.keyword for t in report.top_keywords + report.rising]
    reported += [w for c in report.gaps + report.unanswered for w in c.keyword.split()]
    reported += [w for w, _ in suggestions.dictionary_words] + [
        w for p in suggestions.synonym_pairs for w in p
    ]
    assert not [w for w in reported if w in FUNCTION_WORDS or lexicon.is_function(w)], reported
    assert "adida" not in reported and "adidas" in reported and "跑鞋" in reported


def test_synonyms_need_evidence() -> None:
    _, suggestions = _report()
    assert set(suggestions.synonym_pairs) == {("球鞋", "篮球鞋"), ("耳麦", "耳机")}
    assert suggestions.synonym_evidence == {("球鞋", "篮球鞋"): 2, ("耳麦", "耳机"): 2}
    assert [w for w, _ in suggestions.dictionary_words] == ["筋膜枪"]


def test_faq_candidates_are_the_policy_questions_the_policies_could_not_answer() -> None:
    _, suggestions = _report()
    counts = dict(suggestions.faq_candidates)
    assert sorted(counts.values(), reverse=True) == [3, 2, 2]
    assert set(counts) <= {t for t, *_ in TRAFFIC} and "怎么退货" not in counts
    assert any("优惠券" in q and n == 3 for q, n in suggestions.faq_candidates)
    assert any("安装" in q for q in counts) and any("积分" in q for q in counts)


def test_apply_dictionary_never_adds_function_words(tmp_path: Path) -> None:
    path = tmp_path / "user_words.txt"
    assert apply_dictionary(["哪个好", "便宜", "客服", "几款", "筋膜枪"], path) == ["筋膜枪"]


def test_dictionary_words_are_whole_never_overlapping_pieces() -> None:
    """A five-character word came back as 儿童自行 and 童自行车 (4-gram limit; issue 18 re-test)."""
    from bot.insights.suggestions import candidate_words

    found = dict(
        candidate_words(["儿童自行车有吗", "有没有儿童自行车", "筋膜枪多少钱", "想买筋膜枪"], known=set())
    )
    assert found == {"儿童自行车": 2, "筋膜枪": 2}


def test_an_unanswered_request_is_reported_whole_not_by_its_first_word() -> None:
    report, _ = _report()
    unanswered = {c.keyword: c.count for c in report.unanswered}
    assert unanswered.get("儿童 自行车") == 2 and "儿童" not in unanswered, unanswered
