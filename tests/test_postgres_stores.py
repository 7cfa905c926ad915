"""The insights store's tests on the real PostgreSQL too — including a server in China's time zone.

(The conversation and handoff store contract tests carry their own PostgreSQL parameter.) A shop's
database often runs with `timezone = 'Asia/Shanghai'`; timestamps must still round-trip as the same instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.insights.records import InsightsStore, OutcomeEvent, TurnRecord
from bot.insights.store_sql import SqlInsightsStore
from tests.support.databases import migrated_database
from tests.support.postgres import PostgresInstance
from tests.test_insights import (  # the store-parametrised tests, re-run here against PostgreSQL
    test_ids_are_pseudonymous,
    test_report_finds_the_known_trends,
    test_suggestions_find_new_words_and_faq,
)

pytestmark = pytest.mark.slow
__all__ = [
    "test_ids_are_pseudonymous",
    "test_report_finds_the_known_trends",
    "test_suggestions_find_new_words_and_faq",
]


def _database(server: PostgresInstance, timezone: str) -> str:
    url = server.create_database()
    name = url.split("?")[0].rsplit("/", 1)[1]
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO '{timezone}'"))
    admin.dispose()
    return url


@pytest.fixture(params=["UTC", "Asia/Shanghai"])
def store(request: pytest.FixtureRequest, postgres_server: PostgresInstance) -> InsightsStore:
    return SqlInsightsStore(migrated_database(_database(postgres_server, request.param)))


def test_instants_round_trip(store: InsightsStore) -> None:
    at = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already "tomorrow" in Shanghai
    store.record_turn(
        TurnRecord(
            at=at,
            channel="telegram",
            user="u",
            chat="c",
            text="跑鞋",
            language="zh",
            intent="recommendation",
            keywords=("跑鞋",),
            filters={"max_price": "500"},
            skus=("RUN-001",),
            answered=True,
            top_score=0.5,
        )
    )
    store.record_event(OutcomeEvent(at=at, chat="c", kind="rating", value="5"))
    window = (at - timedelta(minutes=1), at + timedelta(minutes=1))
    turns = store.turns(*window)
    assert [t.at for t in turns] == [at] and turns[0].skus == ("RUN-001",)
    assert turns[0].at.tzinfo is UTC  # not the server's +08:00: one UTC type on every backend
    assert [e.at for e in store.events(*window)] == [at]
    assert store.turns(at + timedelta(seconds=1), at + timedelta(hours=9)) == []
