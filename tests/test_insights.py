"""Insights on a generated traffic log with known trends: the report must find them."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.insights.analysis import build_report, parse_period
from bot.insights.charts import cjk_font_name, render_charts
from bot.insights.export import write_csvs
from bot.insights.pseudonym import Pseudonymizer
from bot.insights.recorder import TurnRecorder
from bot.insights.records import InMemoryInsightsStore, InsightsStore, TurnRecord
from bot.insights.store_sql import SqlInsightsStore
from bot.insights.suggestions import apply_dictionary, build_suggestions, candidate_words
from bot.insights.write_behind import WriteBehindInsights
from tests.support.databases import migrated_database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CATALOG_SKUS = ["RUN-001", "RUN-002", "EAR-001", "CRM-001", "TEA-001"]
CATALOG_TERMS = ["跑步鞋 运动鞋 Nike 缓震", "蓝牙耳机 降噪 Sony", "面霜 保湿", "绿茶 茶饮"]


def _stores(tmp_path: Path) -> dict[str, Callable[[], InsightsStore]]:
    return {
        "memory": InMemoryInsightsStore,
        "sql": lambda: SqlInsightsStore(migrated_database(f"sqlite:///{tmp_path / 'insights.db'}")),
        "write_behind_sql": lambda: WriteBehindInsights(
            SqlInsightsStore(migrated_database(f"sqlite:///{tmp_path / 'insights.db'}")), batch=7
        ),
    }


@pytest.fixture(params=["memory", "sql", "write_behind_sql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> InsightsStore:
    return _stores(tmp_path)[request.param]()


def _generate(store: InsightsStore) -> None:
    """Two weeks of traffic: 跑鞋 rises, 面霜 falls, 筋膜枪 is asked for but not sold."""
    rng = random.Random(7)
    clock = {"now": NOW}
    recorder = TurnRecorder(store, Pseudonymizer("test-key"), redact=lambda s: s, clock=lambda: clock["now"])

    def at(days_ago: float) -> None:
        clock["now"] = NOW - timedelta(days=days_ago)

    for i in range(40):  # current week: running shoes are hot
        at(rng.uniform(0.1, 6.9))
        recorder.turn(
            channel="telegram",
            user_id=str(100 + i % 9),
            chat_id=str(100 + i % 9),
            text="有没有500以内的跑鞋",
            language="zh",
            intent="recommendation",
            keywords=["跑鞋"],
            filters={"max_price": "500"},
            skus=["RUN-001", "RUN-002"],
        )
    for _ in range(5):
        at(rng.uniform(0.1, 6.9))
        recorder.turn(
            channel="telegram",
            user_id="200",
            chat_id="200",
            text="面霜推荐",
            language="zh",
            intent="recommendation",
            keywords=["面霜"],
            skus=["CRM-001"],
        )
    for text in ("有筋膜枪吗", "筋膜枪多少钱", "想买个筋膜枪放松肌肉", "你们卖筋膜枪吗"):
        at(rng.uniform(0.1, 6.9))
        recorder.turn(
            channel="telegram",
            user_id="300",
            chat_id="300",
            text=text,
            language="zh",
            intent="product_question",
            keywords=["筋膜枪"],
            skus=[],
            answered=False,
        )
    for _ in range(6):  # previous week
        at(rng.uniform(7.1, 13.9))
        recorder.turn(
            channel="terminal",
            user_id="400",
            chat_id="400",
            text="跑鞋",
            language="zh",
            intent="recommendation",
            keywords=["跑鞋"],
            skus=["RUN-001"],
        )
    for _ in range(30):
        at(rng.uniform(7.1, 13.9))
        recorder.turn(
            channel="telegram",
            user_id="500",
            chat_id="500",
            text="保湿面霜",
            language="zh",
            intent="recommendation",
            keywords=["面霜"],
            skus=["CRM-001"],
        )
    at(1)
    recorder.event(channel="telegram", chat_id="300", kind="handoff", value="unanswered")
    recorder.event(channel="telegram", chat_id="200", kind="handoff", value="requested")
    recorder.event(channel="telegram", chat_id="201", kind="handoff", value="requested")
    recorder.event(channel="telegram", chat_id="300", kind="rating", value="4")
    recorder.event(channel="telegram", chat_id="200", kind="rating", value="5")


def test_report_finds_the_known_trends(store: InsightsStore) -> None:
    _generate(store)
    report = build_report(
        store, period=timedelta(days=7), now=NOW, catalog_skus=CATALOG_SKUS, catalog_terms=CATALOG_TERMS
    )
    assert report.turns == 49
    assert report.rising[0].keyword == "跑鞋" and (report.rising[0].current, report.rising[0].previous) == (
        40,
        6,
    )
    assert report.falling[0].keyword == "面霜" and report.falling[0].change == 5 - 30
    assert [c.keyword for c in report.unanswered] == ["筋膜枪"] and report.unanswered[0].count == 4
    assert [c.keyword for c in report.gaps] == ["筋膜枪"]
    assert report.recommended[0] == ("RUN-001", 40)
    assert report.never_recommended == ["EAR-001", "TEA-001"]
    assert report.handoff_reasons[0] == ("requested", 2)
    assert report.average_rating == 4.5
    assert report.answered_share == pytest.approx(45 / 49)


def test_ids_are_pseudonymous(store: InsightsStore) -> None:
    _generate(store)
    turns = store.turns(NOW - timedelta(days=30), NOW + timedelta(days=1))
    assert all(t.user not in {"100", "200", "300", "400", "500"} and len(t.user) == 16 for t in turns)
    assert Pseudonymizer("k")("telegram", "1") != Pseudonymizer("other")("telegram", "1")


def test_recorder_redacts_before_storage() -> None:
    store = InMemoryInsightsStore()
    recorder = TurnRecorder(store, Pseudonymizer("k"), redact=lambda s: s.replace("13812345678", "[phone]"))
    recorder.turn(
        channel="terminal",
        user_id="u",
        chat_id="c",
        text="我的电话13812345678",
        language="zh",
        intent="other",
        keywords=["13812345678"],
    )
    turn = store.turns(datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))[0]
    assert "13812345678" not in turn.text and turn.keywords == ("[phone]",)


def _turn(n: int) -> TurnRecord:
    return TurnRecord(NOW + timedelta(seconds=n), "telegram", "u", "c", f"q{n}", "zh", "other")


def test_write_behind_batches_turns_and_loses_none_at_close(tmp_path: Path) -> None:
    sql = SqlInsightsStore(migrated_database(f"sqlite:///{tmp_path / 'wb.db'}"))
    writer = WriteBehindInsights(sql, interval_s=3600, batch=1000)  # no timer flush during the test
    for n in range(5):
        writer.record_turn(_turn(n))
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert sql.turns(*window) == [] and writer.pending() == 5  # nothing written on the reply's path
    writer.close()  # graceful shutdown writes the rest
    assert [t.text for t in sql.turns(*window)] == [f"q{n}" for n in range(5)]
    with pytest.raises(RuntimeError):
        writer.record_turn(_turn(9))


def test_write_behind_reads_see_every_recorded_turn_and_a_failed_write_is_retried() -> None:
    class Flaky(InMemoryInsightsStore):
        failures = 1

        def record_turns(self, turns):  # type: ignore[no-untyped-def]
            if self.failures:
                self.failures -= 1
                raise RuntimeError("database away")
            super().record_turns(turns)

    store = Flaky()
    writer = WriteBehindInsights(store, interval_s=3600, batch=1000)
    writer.record_turns([_turn(1), _turn(2)])
    with pytest.raises(RuntimeError):
        writer.flush()  # the batch stays queued
    assert writer.pending() == 2
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert [t.text for t in writer.turns(*window)] == ["q1", "q2"]  # reads flush first
    assert writer.pending() == 0
    writer.close()


def test_recorder_failure_never_raises() -> None:
    class Broken(InMemoryInsightsStore):
        def record_turn(self, turn):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk full")

    TurnRecorder(Broken(), Pseudonymizer("k"), redact=str).turn(
        channel="t", user_id="u", chat_id="c", text="x", language="zh", intent="other"
    )


def test_suggestions_find_new_words_and_faq(store: InsightsStore) -> None:
    _generate(store)
    turns = store.turns(NOW - timedelta(days=7), NOW)
    suggestions = build_suggestions(turns, known_words={"跑鞋", "面霜"})
    assert suggestions.dictionary_words[0][0] == "筋膜枪"
    assert suggestions.synonym_pairs == []  # nothing resolved 筋膜枪 to a product: no evidence, no pair
    assert candidate_words(["有筋膜枪吗", "筋膜枪多少钱"], known={"筋膜枪"}) == []


def test_apply_dictionary_appends_once(tmp_path: Path) -> None:
    path = tmp_path / "user_words.txt"
    assert apply_dictionary(["筋膜枪", "筋膜枪", "冲锋衣"], path) == ["筋膜枪", "冲锋衣"]
    assert apply_dictionary(["筋膜枪"], path) == []
    assert path.read_text(encoding="utf-8").split() == ["筋膜枪", "冲锋衣"]


def test_charts_and_csvs_are_written(tmp_path: Path) -> None:
    store = InMemoryInsightsStore()
    _generate(store)
    report = build_report(
        store, period=timedelta(days=7), now=NOW, catalog_skus=CATALOG_SKUS, catalog_terms=CATALOG_TERMS
    )
    charts = render_charts(report)
    assert set(charts) >= {"trending_keywords.png", "unanswered.png", "catalog_gaps.png"}
    assert all(png.startswith(b"\x89PNG") and len(png) > 5000 for png in charts.values())
    assert "CJK" in cjk_font_name()
    suggestions = build_suggestions(store.turns(NOW - timedelta(days=7), NOW), set())
    paths = write_csvs(report, suggestions, tmp_path / "out")
    keywords_csv = (tmp_path / "out" / "keywords.csv").read_text(encoding="utf-8-sig").splitlines()
    assert keywords_csv[0] == "keyword,current,previous,change" and keywords_csv[1].startswith("跑鞋,40,6,34")
    assert len(paths) == 7


def test_count_charts_have_whole_number_ticks() -> None:
    """Counts of 1 and 2 were drawn on an axis of 0.25, 0.50, 0.75 … (issue 18 re-test)."""
    import matplotlib.pyplot as plt

    from bot.insights.charts import _PLOT_LOCK, bar_figure

    with _PLOT_LOCK:
        fig = bar_figure("商品缺口 Catalog gaps", ["iphone", "保温杯", "茶叶"], {"n": [2, 2, 1]})
        ticks = [t for t in fig.axes[0].get_xticks() if 0 <= t <= 2]
        plt.close(fig)
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("24h", timedelta(hours=24)),
        ("2w", timedelta(weeks=2)),
        ("3", timedelta(days=3)),
    ],
)
def test_parse_period(text: str, expected: timedelta) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("bad", ["", "abc", "-1d", "0d"])
def test_parse_period_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)


def test_applied_dictionary_words_reach_the_tokenizer(tmp_path: Path) -> None:
    from knowledge.keywords import JiebaKeywordExtractor
    from knowledge.vocabulary import USER_WORDS_FILE, Vocabulary

    before = JiebaKeywordExtractor(Vocabulary.load(tmp_path / "vocabulary.json"))
    assert "筋膜枪" not in before.words("想买个筋膜枪放松肌肉")
    apply_dictionary(["筋膜枪"], tmp_path / USER_WORDS_FILE)
    after = JiebaKeywordExtractor(Vocabulary.load(tmp_path / "vocabulary.json"))
    assert "筋膜枪" in after.words("想买个筋膜枪放松肌肉")
    assert after.fingerprint != before.fingerprint  # cached BM25 tokens are rebuilt with the new word


@pytest.mark.slow
def test_sql_turn_batches_are_written_whole_or_not_at_all_on_postgresql(postgres_url: str) -> None:
    from dataclasses import replace

    from sqlalchemy.exc import DBAPIError, StatementError

    from bot.insights.store_sql import ONE_STATEMENT_ROWS

    database = migrated_database(postgres_url)
    sql = SqlInsightsStore(database)
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    bad = replace(_turn(2), channel="x" * 40)  # longer than the column: the server refuses the row
    with pytest.raises(DBAPIError):
        sql.record_turns([_turn(1), bad, _turn(3)])  # one statement: none of it is kept
    assert sql.turns(*window) == []
    naive = replace(_turn(4), at=NOW.replace(tzinfo=None))  # refused before anything is sent
    with pytest.raises(StatementError, match="naive"):
        sql.record_turns([_turn(1), naive])
    assert sql.turns(*window) == []
    big = [_turn(n) for n in range(ONE_STATEMENT_ROWS + 1)]  # past ONE_STATEMENT_ROWS: still one statement
    with pytest.raises(DBAPIError):
        sql.record_turns([*big, bad])
    assert sql.turns(*window) == []
    sql.record_turns(big[:2])
    sql.record_turns(big)
    assert len(sql.turns(*window)) == len(big) + 2
    # every column comes back as written (JSON, Chinese text, NULLs, an instant given in another zone)
    full = TurnRecord(
        (NOW + timedelta(days=2)).astimezone(timezone(timedelta(hours=8))),
        "telegram",
        "u9",
        "c9",
        '跑步鞋 \\ 推荐\t"x"',
        "zh",
        "recommendation",
        keywords=("跑步鞋", "推荐"),
        filters={"price_max": "1000"},
        skus=("RUN-001",),
        answered=False,
        top_score=0.25,
        matched=None,
    )
    # the rows as JSON: an empty text stays empty (not NULL), commas, new lines, quotes, tiny floats stay
    empty = replace(
        full,
        at=full.at + timedelta(minutes=1),
        text="",
        language="",
        keywords=(),
        filters={},
        skus=(),
        top_score=None,
        matched=True,
    )
    lines = replace(full, at=full.at + timedelta(minutes=2), text='a,b\n"c"\r\nd \\N', top_score=1e-07)
    sql.record_turns([full, empty, lines])
    assert sql.turns(NOW + timedelta(days=1), NOW + timedelta(days=3)) == [full, empty, lines]
    database.dispose()
