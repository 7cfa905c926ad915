"""One contract for every ConversationStore: in-memory, SQLite and PostgreSQL.

OPS (or anyone) adds a backend by appending a factory to STORE_FACTORIES; each factory gets the pytest
request and tmp_path and returns a fresh, empty store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation.profile import InterestProfile
from bot.conversation.store import (
    ChatState,
    ConversationStore,
    InMemoryConversationStore,
    Turn,
    approx_tokens,
    trim_to_budget,
)
from bot.conversation.store_sql import SqlConversationStore
from tests.support.databases import migrated_database

StoreFactory = Callable[[pytest.FixtureRequest, Path], ConversationStore]


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> ConversationStore:
    return InMemoryConversationStore()


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> ConversationStore:
    return SqlConversationStore(migrated_database(f"sqlite:///{tmp_path / 'conv.db'}"))


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> ConversationStore:
    return SqlConversationStore(migrated_database(request.getfixturevalue("postgres_url")))


STORE_FACTORIES = [
    pytest.param(_memory, id="memory"),
    pytest.param(_sqlite, id="sqlite"),
    pytest.param(_postgres, id="postgres", marks=pytest.mark.slow),
]


@pytest.fixture(params=STORE_FACTORIES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ConversationStore:
    return request.param(request, tmp_path)


def test_turns_round_trip_in_order(store: ConversationStore) -> None:
    at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    for n in range(5):
        store.append(
            "c1",
            Turn(
                "user" if n % 2 == 0 else "assistant",
                f"第{n}句",
                "u1",
                (f"SKU-{n}",),
                at + timedelta(seconds=n),
            ),
        )
    store.append("c2", Turn("user", "other chat", "u2"))
    turns = store.recent("c1", limit=3)
    assert [t.text for t in turns] == ["第2句", "第3句", "第4句"]
    assert turns[0].role == "user" and turns[0].skus == ("SKU-2",) and turns[0].user_id == "u1"
    assert turns[0].at == at + timedelta(seconds=2)
    assert store.recent("missing") == []
    assert store.count_turns() == 6
    assert store.count_turns(since=at + timedelta(seconds=3)) == 3  # c1 turns 3, 4 and the c2 turn (now)


def test_state_round_trip_and_reset(store: ConversationStore) -> None:
    assert store.state("c1") == ChatState()
    state = ChatState(
        last_skus=("RUN-001", "RUN-002"),
        last_query="跑鞋",
        last_filters={"max_price": "500"},
        focus_sku="RUN-002",
        unanswered=1,
        language="en",
    )
    store.save_state("c1", state, "u1")
    store.append("c1", Turn("user", "hi", "u1"))
    assert store.state("c1") == state
    store.save_state("c1", ChatState(last_skus=("X",)), "u1")  # overwrite
    assert store.state("c1").last_skus == ("X",)
    store.reset("c1")
    assert store.state("c1") == ChatState() and store.recent("c1") == []


def test_forget_user_removes_everything_about_them(store: ConversationStore) -> None:
    now = datetime.now(UTC)
    store.append("c1", Turn("user", "我想买跑鞋", "u1"))
    store.append("c1", Turn("assistant", "推荐这几款", "u1"))
    store.save_state("c1", ChatState(last_skus=("RUN-001",)), "u1")
    store.save_interests("u1", {"跑鞋": (2.0, now)})
    store.append("c2", Turn("user", "耳机", "u2"))
    store.save_interests("u2", {"耳机": (1.0, now)})
    assert store.forget_user("u1") >= 4
    assert store.recent("c1") == [] and store.state("c1") == ChatState() and store.interests("u1") == {}
    assert [t.text for t in store.recent("c2")] == ["耳机"] and set(store.interests("u2")) == {"耳机"}


def test_interest_profile_decays_and_ranks(store: ConversationStore) -> None:
    profile = InterestProfile(store, half_life_days=7)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(3):
        profile.record("u1", ["耳机", "降噪", "42", "的"], now=old)
    profile.record("u1", ["跑鞋"], now=old + timedelta(days=14))
    top = dict(profile.top("u1", now=old + timedelta(days=14)))
    assert set(top) == {"耳机", "降噪", "跑鞋"}  # numbers and single characters are not interests
    assert top["跑鞋"] == pytest.approx(1.0)
    assert top["耳机"] == pytest.approx(3 * 0.25, rel=1e-3)  # two half-lives later
    assert profile.top("u1", now=old + timedelta(days=14))[0][0] == "跑鞋"


def test_one_message_reads_its_memory_once_and_writes_it_once(store: ConversationStore) -> None:
    at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    empty = store.load("c1", "u1")
    assert (empty.state, empty.turns, dict(empty.interests)) == (ChatState(), (), {})
    first = ChatState(last_skus=("RUN-001",), last_query="跑鞋", language="zh")
    store.commit(
        "c1",
        "u1",
        [Turn("user", "有跑鞋吗", "u1", (), at), Turn("assistant", "有这几款", "u1", ("RUN-001",), at)],
        first,
        {"跑鞋": (1.0, at)},
    )
    store.commit("c2", "u2", [Turn("user", "耳机", "u2", (), at)], ChatState(), {"耳机": (1.0, at)})
    memory = store.load("c1", "u1")
    assert memory.state == first
    assert [(t.role, t.text, t.skus, t.at) for t in memory.turns] == [
        ("user", "有跑鞋吗", (), at),
        ("assistant", "有这几款", ("RUN-001",), at),
    ]
    assert dict(memory.interests) == {"跑鞋": (1.0, at)}
    # The next message: more turns, a new state, the interests replaced (a keyword can drop out).
    later = at + timedelta(minutes=1)
    store.commit(
        "c1",
        "u1",
        [Turn("user", "第一款多少钱", "u1", (), later)],
        replace_state := ChatState(focus_sku="RUN-001"),
        {"价格": (2.0, later)},
    )
    memory = store.load("c1", "u1", limit=2)
    assert memory.state == replace_state
    assert [t.text for t in memory.turns] == ["有这几款", "第一款多少钱"]  # the last two, oldest first
    assert dict(memory.interests) == {"价格": (2.0, later)}
    # Without interests they stay; without a user id the chat keeps its owner (forget_user finds it).
    store.commit("c1", "", [], ChatState(unanswered=1))
    assert dict(store.load("c1", "u1").interests) == {"价格": (2.0, later)}
    assert store.state("c1").unanswered == 1
    assert [t.text for t in store.load("c2", "u2").turns] == ["耳机"]  # other chats untouched
    assert store.forget_user("u1") >= 4 and store.load("c1", "u1") == store.load("missing", "nobody")


def test_token_budget_trims_oldest_first() -> None:
    assert approx_tokens("有没有跑鞋") == 6  # five CJK characters + 1
    assert approx_tokens("do you have running shoes") == 7  # round(5 words × 1.3) + 1
    turns = [Turn("user", "跑" * 100), Turn("assistant", "鞋" * 100), Turn("user", "第二个多少钱")]
    kept = trim_to_budget(turns, 120)
    assert [t.text for t in kept] == ["鞋" * 100, "第二个多少钱"]
    assert trim_to_budget(turns, 5) == []


async def test_the_reply_paths_async_pair_reads_and_writes_like_load_and_commit(
    store: ConversationStore,
) -> None:
    at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    try:
        assert await store.load_async("c1", "u1") == store.load("c1", "u1")
        state = ChatState(last_skus=("RUN-001",), language="zh")
        turns = [
            Turn("user", "有跑鞋吗", "u1", (), at),
            Turn("assistant", "有这几款", "u1", ("RUN-001",), at),
        ]
        await store.commit_async("c1", "u1", turns, state, {"跑鞋": (1.0, at)})
        memory = await store.load_async("c1", "u1")
        assert memory == store.load("c1", "u1")
        assert memory.state == state and memory.turns == tuple(turns)
        assert dict(memory.interests) == {"跑鞋": (1.0, at)}
        await store.commit_async("c1", "", [], ChatState(unanswered=1))  # interests stay, owner stays
        assert dict((await store.load_async("c1", "u1")).interests) == {"跑鞋": (1.0, at)}
        assert store.forget_user("u1") >= 3
    finally:
        database = getattr(store, "database", None)
        if database is not None:
            await database.aclose()


def test_a_message_changes_only_its_own_interest_keywords(store: ConversationStore) -> None:
    profile = InterestProfile(store, half_life_days=7, keep=3)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    week = old + timedelta(days=7)
    stored = {"耳机": (2.0, old), "降噪": (1.5, old), "跑鞋": (0.25, old)}
    updated = profile.updated(stored, ["降噪", "手表"], now=week)
    # the message's words: decayed to now plus one, stamped now; the others keep their stored pair;
    # beyond keep=3 the weakest NOW is dropped (跑鞋: 0.125 now), ranked as before
    assert updated == {"降噪": (1.75, week), "耳机": (2.0, old), "手表": (1.0, week)}
    assert list(updated) == ["降噪", "耳机", "手表"]
    assert profile.ranked(updated, now=week) == [("降噪", 1.75), ("耳机", 1.0), ("手表", 1.0)]
    # written and read back unchanged, the dropped keyword gone
    store.commit("c1", "u1", [], ChatState(), stored)
    store.commit("c1", "u1", [], ChatState(), updated)
    assert dict(store.load("c1", "u1").interests) == updated


@pytest.mark.slow
def test_postgresql_rewrites_only_the_interest_rows_a_message_changes(postgres_url: str) -> None:
    from sqlalchemy import text

    store = SqlConversationStore(migrated_database(postgres_url))
    profile = InterestProfile(store, half_life_days=7)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    store.commit("c1", "u1", [], ChatState(), {"耳机": (2.0, old), "降噪": (1.5, old)})

    def versions() -> dict[str, str]:  # a row's xmin changes whenever the row is written anew
        with store.database.engine.connect() as conn:
            query = text("SELECT keyword, xmin::text FROM conv_user_interests WHERE user_id = 'u1'")
            return {keyword: xmin for keyword, xmin in conn.execute(query)}

    before = versions()
    updated = profile.updated(store.load("c1", "u1").interests, ["降噪"], now=old + timedelta(days=7))
    assert updated is not None
    store.commit("c1", "u1", [], ChatState(), updated)
    after = versions()
    assert after["耳机"] == before["耳机"] and after["降噪"] != before["降噪"]
    assert dict(store.load("c1", "u1").interests) == updated
